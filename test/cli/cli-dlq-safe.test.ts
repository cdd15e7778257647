import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminScenario, broken, startAdminScenario } from '../admin/admin-test-kit.ts';
import { POISON, runWorkerInBackground } from '../admin/poison-dead-letters.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

async function notVisible(s: AdminScenario, url: string): Promise<number> {
  const { Attributes } = await s.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe('lambda-jobs dlq with the demo poison and a fixable job', () => {
  let s: AdminScenario;
  let cwd: string;
  let fixable: string;
  const cli = (...argv: string[]) => runCli(argv, cwd, s);

  beforeAll(async () => {
    s = await startAdminScenario();
    cwd = await devModeFolder(s);
    for (const body of POISON) await s.sendRaw(s.queues.default!.url, body);
    broken.add('cli-fixable');
    fixable = (await s.admin.enqueue('switchable', { label: 'cli-fixable' }))!;
    await s.drain();
    broken.delete('cli-fixable');
  });

  it('dlq ls lists from the records with the error and the field, and receives nothing', async () => {
    // Act: three listings, as an operator refreshing.
    await cli('dlq', 'ls', 'default');
    await cli('dlq', 'ls', 'default');
    const run = await cli('dlq', 'ls', 'default');
    const json = JSON.parse((await cli('dlq', 'ls', 'default', '--json')).stdout);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('holds 4 message(s)');
    expect(run.stdout).toContain(fixable);
    expect(run.stdout).toContain('(field payload.n)');
    expect(json.depth).toMatchObject({ visible: 4, inFlight: 0 });
    expect(json.deadLetters).toHaveLength(4);
    expect(
      json.deadLetters.find((l: { jobId: string }) => l.jobId === 'poison-bad-payload'),
    ).toMatchObject({ error: { name: 'PayloadValidationError', field: 'payload.n' } });
    // Nothing was received: nothing in flight, and each message's first receive is now.
    expect(await notVisible(s, s.queues.default!.dlqUrl)).toBe(0);
    const { Messages = [] } = await s.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: s.queues.default!.dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(
      Messages.map(() => '1'),
    );
  });

  it('dlq redrive --dry-run says which would be skipped and why, and changes nothing', async () => {
    // Act
    const run = await cli('dlq', 'redrive', 'default', '--dry-run', '--json');

    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ dryRun: true, moved: 0, jobIds: [fixable] });
    const reasons = report.skipped.map((skip: { reason: string }) => skip.reason).join('\n');
    expect(reasons).toContain('not a job envelope');
    expect(reasons).toContain('unknown job type "no-such-job" (field type)');
    expect(reasons).toContain('payload.n');
    expect(run.stderr).toContain(`would move job ${fixable}`);
    expect(run.stderr).toContain('would move 1, skipped 3, left 0');
    expect(await s.admin.getJob(fixable)).toMatchObject({ status: 'ERRORED' });
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(4);
  });

  it('dlq redrive with the worker running ends, runs the good job once and leaves the poison', async () => {
    // Prepare
    const worker = runWorkerInBackground(s);

    // Act
    const run = await cli('dlq', 'redrive', 'default', '--json');
    await new Promise((r) => setTimeout(r, 500));
    await worker.stop();

    // Assess
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ moved: 1, jobIds: [fixable], stoppedBy: 'done', left: 0 });
    expect(report.skipped).toHaveLength(3);
    expect(run.stderr).toContain('moved 1, skipped 3, left 0');
    expect(await s.admin.getJob(fixable)).toMatchObject({ status: 'SUCCESSFUL', attempts: 1 });
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(3);
  });

  it('dlq retry moves one poison message asked for by id; the worker sends it back', async () => {
    // Act
    const run = await cli('dlq', 'retry', 'default', 'poison-unknown-type');
    await s.drain();
    const missing = await cli('dlq', 'retry', 'default', 'no-such-job-id');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('moved job poison-unknown-type (no-such-job)');
    expect(missing.code).toBe(3);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(3);
  });

  it('dlq delete removes one message and says so on its record', async () => {
    // Act
    const refused = await cli('dlq', 'delete', 'default', 'poison-bad-payload');
    const run = await cli('dlq', 'delete', 'default', 'poison-bad-payload', '--yes');
    const listing = JSON.parse((await cli('dlq', 'ls', 'default', '--json')).stdout);

    // Assess
    expect(refused.code).toBe(2);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Deleted 1 message(s) of job poison-bad-payload');
    const record = await s.admin.getJob('poison-bad-payload');
    expect(record.deadLetteredAt).toBeUndefined();
    expect(record.deadLetterDeletedAt).toBeDefined();
    expect(record.status).toBe('ERRORED');
    expect(listing.deadLetters.map((l: { jobId: string }) => l.jobId)).not.toContain(
      'poison-bad-payload',
    );
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(2);
  });
});

describe('lambda-jobs dlq redrive interrupted by Ctrl-C', () => {
  it('stops after the message in hand, prints the summary, and leaves every job in step', async () => {
    // Prepare: 12 errored jobs in the DLQ.
    const s = await startAdminScenario();
    const cwd = await devModeFolder(s);
    broken.add('ctrl-c');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push((await s.admin.enqueue('switchable', { label: 'ctrl-c' }))!);
    await s.drain();
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(12);

    // Act: Ctrl-C as soon as the second job moved.
    const run = await runCli(['dlq', 'redrive', 'default'], cwd, s, {
      interruptWhenStderrMatches: /moved 2,/,
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Moved 2 message(s)');
    expect(run.stdout).toContain('Stopped by Ctrl-C');
    const records = await Promise.all(ids.map((id) => s.admin.getJob(id)));
    const queued = records.filter((r) => r.status === 'QUEUED');
    expect(queued).toHaveLength(2);
    expect(queued.every((r) => r.deadLetteredAt === undefined)).toBe(true);
    const errored = records.filter((r) => r.status === 'ERRORED');
    expect(errored).toHaveLength(10);
    expect(errored.every((r) => r.deadLetteredAt !== undefined)).toBe(true);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(10);
    expect(await s.depth(s.queues.default!.url)).toBe(2);
    broken.delete('ctrl-c');
  });
});
