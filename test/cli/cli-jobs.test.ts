import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDevDelayedDelivery } from '../../packages/lambda-jobs/src/local/dev-delayed-delivery.ts';
import {
  readDevState,
  writeDevState,
} from '../../packages/lambda-jobs/src/local/dev-state-file.ts';
import { createSqsQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-transport.ts';
import { payloadObjectKey } from '../../packages/lambda-jobs/src/runtime/payload-reference.ts';
import { type AdminScenario, broken, startAdminScenario } from '../admin/admin-test-kit.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

let s: AdminScenario;
let cwd: string;
let echoId: string;
let erroredId: string;
let waitingId: string;

const cli = (...argv: string[]) => runCli(argv, cwd, s);

beforeAll(async () => {
  s = await startAdminScenario();
  cwd = await devModeFolder(s);
  echoId = (await s.admin.enqueue('echo', { n: 21 }))!;
  broken.add('cli-retry');
  erroredId = (await s.admin.enqueue('switchable', { label: 'cli-retry' }))!;
  await s.drain();
  waitingId = (await s.admin.enqueue('echo', { n: 5 }, { queue: 'slow' }))!;
});

describe('lambda-jobs queues', () => {
  it('prints one row per queue for people', async () => {
    // Act
    const run = await cli('queues');

    // Assess
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^QUEUE\s+KIND\s+VISIBLE\s+IN FLIGHT\s+DELAYED\s+BACKLOG\s+OLDEST\s+DLQ\s+LEVEL\s+DELIVERY$/,
    );
    expect(lines.find((line) => line.startsWith('default'))).toMatch(/^default\s+standard\s/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['default', 'slow']);
    expect(lines.find((line) => line.startsWith('default'))).toMatch(/\s1\s+OK\s+running$/);
  });

  it('prints only JSON with --json', async () => {
    // Act
    const run = await cli('queues', '--json');

    // Assess
    expect(run.code).toBe(0);
    const { queues } = JSON.parse(run.stdout);
    expect(queues.map((q: { name: string }) => q.name)).toEqual(['default', 'slow']);
    expect(queues[1]).toMatchObject({
      name: 'slow',
      fifo: false,
      visible: 1,
      backlog: 1,
      level: 'ok',
    });
  });
});

describe('lambda-jobs jobs', () => {
  it('narrows the list by status, type and queue', async () => {
    // Act
    const errored = JSON.parse((await cli('jobs', 'ls', '--status', 'errored', '--json')).stdout);
    const echoes = JSON.parse((await cli('jobs', 'ls', '--type', 'echo', '--json')).stdout);
    const slow = JSON.parse((await cli('jobs', 'ls', '--queue', 'slow', '--json')).stdout);
    const table = await cli('jobs', 'ls', '--since', '1h');

    // Assess
    expect(errored.items.map((j: { id: string }) => j.id)).toEqual([erroredId]);
    expect(echoes.items.map((j: { id: string }) => j.id).sort()).toEqual(
      [echoId, waitingId].sort(),
    );
    expect(slow.items.map((j: { id: string }) => j.id)).toEqual([waitingId]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(erroredId);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TYPE\s+QUEUE\s+STATUS\s+ATTEMPTS/);
  });

  it('pages with --limit and --cursor', async () => {
    // Act
    const first = JSON.parse((await cli('jobs', 'ls', '--limit', '2', '--json')).stdout);
    const second = JSON.parse(
      (await cli('jobs', 'ls', '--limit', '2', '--cursor', first.cursor, '--json')).stdout,
    );

    // Assess
    const ids = [...first.items, ...second.items].map((j: { id: string }) => j.id);
    expect(ids.sort()).toEqual([echoId, erroredId, waitingId].sort());
    expect(second.cursor).toBeUndefined();
  });

  it('shows an errored job with its attempts, error and stack', async () => {
    // Act
    const run = await cli('jobs', 'show', erroredId);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Status:\s+ERRORED/);
    expect(run.stdout).toMatch(/Attempts:\s+1 of 1/);
    expect(run.stdout).toContain('Error: UnrecoverableJobError: broken: cli-retry');
    expect(run.stdout).toMatch(/\n {2}\s*at /);
    expect(run.stdout).toMatch(/Payload:\s+hidden/);
  });

  it('shows producer text with its escape sequences escaped, never sent to the terminal', async () => {
    // Prepare: an envelope whose field name clears the screen and turns the output red.
    const hostile = '\u001b[2J\u001b[31m';
    await s.sqs.send(
      new SendMessageCommand({
        QueueUrl: s.queues.default!.url,
        MessageBody: JSON.stringify({
          version: 1,
          id: 'hostile-field-name',
          type: 'echo',
          queue: 'default',
          payload: { n: 1 },
          enqueuedAt: new Date().toISOString(),
          [hostile]: 1,
        }),
      }),
    );
    await s.drain();

    // Act
    const show = await cli('jobs', 'show', 'hostile-field-name');
    const list = await cli('jobs', 'ls', '--status', 'ERRORED');

    // Assess
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Status:\s+ERRORED/);
    expect(show.stdout).toContain('\\x1b[2J\\x1b[31m');
    for (const output of [show.stdout, show.stderr, list.stdout, list.stderr]) {
      expect(output).not.toMatch(/(?![\t\n])\p{Cc}/u);
    }
  });

  it("shows a job's message group (its FIFO group or fair-queue tenant)", async () => {
    // Prepare: the record a FIFO or tenant-keyed enqueue writes.
    const at = new Date().toISOString();
    await s.worker.runtime.store.putQueued({
      id: 'grouped-job',
      type: 'echo',
      queue: 'default',
      status: 'QUEUED',
      attempts: 0,
      maxAttempts: 4,
      enqueuedAt: at,
      updatedAt: at,
      messageGroup: 'tenant-7',
      expiresAt: 0,
    });

    // Act
    const show = await cli('jobs', 'show', 'grouped-job');

    // Assess
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Message group:\s+tenant-7/);
  });

  it('shows the size and S3 object of a payload that went through S3, in text and JSON', async () => {
    // Prepare: the record of a job whose message carries a payload reference.
    const at = new Date().toISOString();
    const key = payloadObjectKey('stored-job', 'a'.repeat(64));
    await s.worker.runtime.store.putQueued({
      id: 'stored-job',
      type: 'echo',
      queue: 'default',
      status: 'QUEUED',
      attempts: 0,
      maxAttempts: 4,
      enqueuedAt: at,
      updatedAt: at,
      envelope: JSON.stringify({
        version: 1,
        id: 'stored-job',
        type: 'echo',
        queue: 'default',
        enqueuedAt: at,
        payloadRef: { bucket: 'shop-payloads', key, bytes: 307_200, sha256: 'a'.repeat(64) },
      }),
      expiresAt: 0,
    });

    // Act
    const show = await cli('jobs', 'show', 'stored-job');
    const json = JSON.parse((await cli('jobs', 'show', 'stored-job', '--json')).stdout);

    // Assess
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(
      new RegExp(`Payload stored:\\s+307200 bytes in s3://shop-payloads/${key}`),
    );
    expect(JSON.stringify(json)).toContain(`s3://shop-payloads/${key}`);
  });

  it('answers exit 3 for an unknown job id', async () => {
    // Act
    const run = await cli('jobs', 'show', 'no-such-job');

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No job record with id no-such-job');
    expect(run.stdout).toBe('');
  });

  it('retries an errored job: it runs again and succeeds', async () => {
    // Prepare
    broken.delete('cli-retry');

    // Act
    const run = await cli('jobs', 'retry', erroredId);
    await s.drain();
    const shown = JSON.parse((await cli('jobs', 'show', erroredId, '--json')).stdout);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('was ERRORED; it is QUEUED again');
    expect(shown.job).toMatchObject({ id: erroredId, status: 'SUCCESSFUL', attempts: 1 });
  });

  it('shows every attempt across the operator retry: outcome, full dates, duration, error; --json carries them', async () => {
    // Act: the job above failed once, was retried by the operator and then succeeded.
    const text = await cli('jobs', 'show', erroredId);
    const { job } = JSON.parse((await cli('jobs', 'show', erroredId, '--json')).stdout);

    // Assess
    expect(job.attemptHistory).toEqual([
      {
        attempt: 1,
        outcome: 'ERRORED',
        startedAt: expect.any(String),
        endedAt: expect.any(String),
        durationMs: expect.any(Number),
        errorName: 'UnrecoverableJobError',
        errorMessage: 'broken: cli-retry',
      },
      {
        attempt: 1,
        outcome: 'SUCCESSFUL',
        startedAt: expect.any(String),
        endedAt: expect.any(String),
        durationMs: expect.any(Number),
      },
    ]);
    const [failed, succeeded] = job.attemptHistory;
    expect(Date.parse(succeeded.startedAt)).toBeGreaterThanOrEqual(Date.parse(failed.endedAt));
    const lines = text.stdout.split('\n');
    const heading = lines.findIndex((line) => line.startsWith('Attempt history'));
    expect(lines[heading + 1]).toMatch(/^#\s+OUTCOME\s+STARTED\s+ENDED\s+TOOK\s+ERROR$/);
    expect(lines[heading + 2]).toMatch(
      /^1\s+failed\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\s+\d{4}-\d\d-\d\dT\S+\s+\d+ms\s+UnrecoverableJobError: broken: cli-retry$/,
    );
    expect(lines[heading + 3]).toMatch(/^1\s+succeeded\s+\S+Z\s+\S+Z\s+\d+ms$/);
    // The last error is no longer the record's (it succeeded): it appears in the history only.
    expect(text.stdout.match(/broken: cli-retry/g)).toHaveLength(1);
  });

  it('refuses to retry a job whose concurrency key another job holds (exit 1), naming that job', async () => {
    // Prepare: A ends ERRORED and so releases its key; B takes the key and waits on `slow`
    broken.add('cli-keyed');
    const a = await s.admin.enqueue(
      'switchable',
      { label: 'cli-keyed' },
      { concurrencyKey: 'cli:held' },
    );
    await s.drain();
    const b = await s.admin.enqueue(
      'echo',
      { n: 7 },
      { queue: 'slow', concurrencyKey: 'cli:held' },
    );

    // Act
    const run = await cli('jobs', 'retry', a!);

    // Assess
    expect(b).not.toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('its concurrency key "cli:held" is held by job');
    expect(run.stderr).toContain(b!);
    expect((await s.admin.getJob(a!)).status).toBe('ERRORED');
  });

  it('shows a lost attempt that will be retried as "lost, will retry"', async () => {
    // Prepare: the record the rescue leaves for a lost attempt with attempts left
    const at = new Date().toISOString();
    await s.worker.runtime.store.putQueued({
      id: 'cli-lost-retry',
      type: 'echo',
      queue: 'slow',
      status: 'RETRYING',
      attempts: 1,
      maxAttempts: 3,
      enqueuedAt: at,
      updatedAt: at,
      lostAttempts: 1,
      error: { name: 'JobLostError', message: `attempt 1 lost: lease expired at ${at}` },
      expiresAt: 0,
    });

    // Act
    const shown = await cli('jobs', 'show', 'cli-lost-retry');
    const listed = await cli('jobs', 'ls', '--status', 'retrying', '--queue', 'slow');

    // Assess
    expect(shown.stdout).toMatch(/Status:\s+RETRYING \(lost, will retry\)/);
    expect(shown.stdout).toMatch(/Lost attempts:\s+1/);
    expect(listed.stdout).toMatch(/cli-lost-retry.*RETRYING \(lost, will retry\)/);
  });

  it("shows a running job's progress, in text and in --json", async () => {
    // Prepare: a job claimed by a worker that has reported 40 %
    const at = new Date();
    const claim = await s.worker.runtime.store.claim({
      id: 'cli-progress',
      type: 'echo',
      queue: 'slow',
      enqueuedAt: at.toISOString(),
      maxAttempts: 1,
      leaseExpiresAt: new Date(at.getTime() + 60_000).toISOString(),
      now: at.toISOString(),
    });
    if (claim.kind !== 'claimed') throw new Error('not claimed');
    await s.worker.runtime.store.recordProgress(claim.record, {
      fraction: 0.4,
      note: 'copying rows',
      at: at.toISOString(),
      attempt: 1,
    });

    // Act
    const shown = await cli('jobs', 'show', 'cli-progress');
    const json = JSON.parse((await cli('jobs', 'show', 'cli-progress', '--json')).stdout);

    // Assess
    expect(shown.stdout).toMatch(/Progress:\s+40 % \(copying rows\), reported \d{4}-/);
    expect(json.job.progress).toMatchObject({ fraction: 0.4, note: 'copying rows', attempt: 1 });
  });

  it('cancels a queued job, and refuses to cancel it twice (exit 1)', async () => {
    // Act
    const run = await cli('jobs', 'cancel', waitingId);
    const again = await cli('jobs', 'cancel', waitingId);

    // Assess
    expect(run.code).toBe(0);
    expect((await s.admin.getJob(waitingId)).status).toBe('CANCELLED');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('its status is CANCELLED');
  });
});

describe('lambda-jobs jobs cancel of a job waiting in a delayed delivery (dev mode)', () => {
  it('deletes its pending delivery, so nothing is left to fire', async () => {
    // Prepare
    const pending = createDevDelayedDelivery({
      client: emulatorClients().dynamodb,
      tableName: s.resources.tableName,
      transport: createSqsQueueTransport(emulatorClients().sqs),
    });
    const enqueued = await cli('enqueue', 'echo', '--payload', '{"n":3}', '--delay', '3600');
    const id = enqueued.stdout.trim();
    const waiting = (await pending.pending()).map((p) => p.jobId);

    // Act
    const run = await cli('jobs', 'cancel', id);

    // Assess
    expect(enqueued.code).toBe(0);
    expect(waiting).toContain(id);
    expect(run.code).toBe(0);
    expect((await s.admin.getJob(id)).status).toBe('CANCELLED');
    expect((await pending.pending()).map((p) => p.jobId)).not.toContain(id);
  });
});

describe('lambda-jobs enqueue', () => {
  it('enqueues with a payload and prints the job id', async () => {
    // Act
    const run = await cli('enqueue', 'echo', '--payload', '{"n":7}', '--queue', 'slow');

    // Assess
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(await s.admin.getJob(id)).toMatchObject({
      type: 'echo',
      queue: 'slow',
      status: 'QUEUED',
    });
  });

  it('refuses a payload that breaks the schema with exit 2, naming the field', async () => {
    // Act
    const run = await cli('enqueue', 'echo', '--payload', '{"n":"seven"}');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('field: payload.n');
  });

  it('refuses payloads that are not JSON, unknown types (2) and unknown queues (3)', async () => {
    // Act
    const notJson = await cli('enqueue', 'echo', '--payload', '{n:1}');
    const unknownType = await cli('enqueue', 'nope', '--payload', '{}');
    const unknownQueue = await cli('enqueue', 'echo', '--payload', '{"n":1}', '--queue', 'nope');

    // Assess
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--payload must be JSON');
    expect(unknownType.code).toBe(2);
    expect(unknownType.stderr).toContain('echo, flaky, switchable, unrecoverable');
    expect(unknownQueue.code).toBe(3);
    expect(unknownQueue.stderr).toContain('Configured queues: default, slow');
  });
});

describe('lambda-jobs dashboard', () => {
  it("serves the dashboard over the target's live data until interrupted, at an address with its token", async () => {
    // Prepare
    let answer: { queues: { name: string }[] } | undefined;
    let refusedWithoutToken: number | undefined;

    // Act
    const run = await runCli(['dashboard'], cwd, s, {
      whileRunning: async (stdout) => {
        const [, url, token] = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/#token=([\w-]{43})$/m.exec(
          stdout,
        )!;
        refusedWithoutToken = (await fetch(`${url}/api/queues`)).status;
        answer = (await (
          await fetch(`${url}/api/queues`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as typeof answer;
      },
    });

    // Assess
    expect(run.code).toBe(0);
    expect(answer!.queues.map((q) => q.name)).toEqual(['default', 'slow']);
    expect(refusedWithoutToken).toBe(401);
  });

  it("prints a running dev mode's dashboard address with its session token", async () => {
    // Prepare: dev mode's state file as bin/dev.ts writes it once its dashboard listens.
    const folder = await devModeFolder(s);
    const state = (await readDevState(folder))!;
    await writeDevState(
      { ...state, dashboardUrl: 'http://127.0.0.1:8787', dashboardToken: 'T0k-en_' },
      folder,
    );

    // Act
    const text = await runCli(['dashboard'], folder, s);
    const json = await runCli(['dashboard', '--json'], folder, s);

    // Assess
    expect(text.stdout).toBe(
      'Dev mode serves the dashboard at http://127.0.0.1:8787/#token=T0k-en_\n',
    );
    expect(JSON.parse(json.stdout)).toEqual({
      url: 'http://127.0.0.1:8787/#token=T0k-en_',
      servedBy: 'dev mode',
    });
  });
});

describe('lambda-jobs jobs ls under tracking minimal', () => {
  it('notes on stderr that SUCCESSFUL and RUNNING jobs are not listed, and says nothing for other statuses or under full', async () => {
    // Prepare
    const minimal = { config: { ...s.config, tracking: 'minimal' as const } };

    // Act
    const unlisted = await runCli(['jobs', 'ls', '--status', 'successful'], cwd, minimal);
    const listed = await runCli(['jobs', 'ls', '--status', 'errored'], cwd, minimal);
    const full = await cli('jobs', 'ls', '--status', 'successful');

    // Assess
    expect(unlisted.code).toBe(0);
    expect(unlisted.stderr).toBe(
      "Note: with tracking 'minimal', RUNNING and SUCCESSFUL jobs are kept but not listed; read one with `lambda-jobs jobs show ID`.\n",
    );
    expect(listed.stderr).toBe('');
    expect(full.stderr).toBe('');
  });
});
