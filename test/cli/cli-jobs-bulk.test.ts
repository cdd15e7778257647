import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminScenario, broken, startAdminScenario } from '../admin/admin-test-kit.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

let s: AdminScenario;
let cwd: string;

const cli = (argv: string[], terminal?: Parameters<typeof runCli>[3]) =>
  runCli(argv, cwd, s, terminal);

/** Enqueues `count` switchable jobs labelled `label` that fail, and runs them to ERRORED. */
async function erroredJobs(label: string, count: number, key?: string): Promise<string[]> {
  broken.add(label);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await s.admin.enqueue(
      'switchable',
      { label },
      key ? { concurrencyKey: `${key}-${i}` } : {},
    );
    ids.push(id!);
  }
  await s.drain();
  return ids;
}

const statuses = async (ids: readonly string[]) =>
  Promise.all(ids.map(async (id) => (await s.admin.getJob(id)).status));

beforeAll(async () => {
  s = await startAdminScenario();
  cwd = await devModeFolder(s);
});

describe('lambda-jobs jobs retry --status (bulk)', () => {
  it('with --dry-run lists the jobs it would retry and changes nothing', async () => {
    // Prepare
    const ids = await erroredJobs('bulk-dry', 3);

    // Act
    const run = await cli([
      'jobs',
      'retry',
      '--status',
      'errored',
      '--type',
      'switchable',
      '--dry-run',
    ]);
    const json = await cli(['jobs', 'retry', '--status', 'errored', '--dry-run', '--json']);

    // Assess
    expect(run.code).toBe(0);
    for (const id of ids) expect(run.stderr).toContain(`would retry job ${id} (switchable)`);
    expect(run.stdout).toBe('Dry run: 3 job(s) would be retried; nothing was changed.\n');
    expect(JSON.parse(json.stdout)).toMatchObject({
      action: 'retry',
      dryRun: true,
      selected: 3,
      done: 0,
      wouldIds: expect.arrayContaining(ids),
    });
    expect(await statuses(ids)).toEqual(['ERRORED', 'ERRORED', 'ERRORED']);
    broken.delete('bulk-dry');
    await cli(['jobs', 'retry', '--status', 'errored', '--yes']);
    await s.drain();
  });

  it('refuses without --yes when nobody can confirm (exit 2), and asks on a terminal', async () => {
    // Prepare
    const ids = await erroredJobs('bulk-ask', 2);

    // Act
    const refused = await cli(['jobs', 'retry', '--status', 'errored']);
    const declined = await cli(['jobs', 'retry', '--status', 'errored'], {
      interactive: true,
      answer: 'n',
    });

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Refusing to retry 2 job(s) without --yes');
    expect(declined.code).toBe(1);
    expect(declined.asked).toEqual([
      expect.stringMatching(
        /^Retry 2 job\(s\): ERRORED jobs, on every queue, at most 100 \(dev mode/,
      ),
    ]);
    expect(await statuses(ids)).toEqual(['ERRORED', 'ERRORED']);
    broken.delete('bulk-ask');
    await cli(['jobs', 'retry', '--status', 'errored', '--yes']);
    await s.drain();
  });

  it('retries each selected job through the single retry, with progress and a summary; each runs once', async () => {
    // Prepare
    const ids = await erroredJobs('bulk-go', 3);
    broken.delete('bulk-go');

    // Act
    const run = await cli(['jobs', 'retry', '--status', 'ERRORED', '--queue', 'default', '--yes']);
    const requeued = await statuses(ids);
    await s.drain();

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('3 job(s) retried, 0 refused (listed above).\n');
    expect(run.stderr).toContain('retried 3, refused 0, left 0');
    expect(requeued).toEqual(['QUEUED', 'QUEUED', 'QUEUED']);
    for (const id of ids) {
      const job = await s.admin.getJob(id);
      expect(job.status).toBe('SUCCESSFUL');
      expect(job.attemptHistory?.map((a) => a.outcome)).toEqual(['ERRORED', 'SUCCESSFUL']);
    }
  });

  it('refuses a job whose concurrency key another job holds, naming the holder, and retries the rest (exit 1)', async () => {
    // Prepare: A and C end ERRORED (keys released); B takes A's key and waits on `slow`.
    const [a, c] = await erroredJobs('bulk-keyed', 2, 'bulk:held');
    const b = await s.admin.enqueue(
      'echo',
      { n: 1 },
      { queue: 'slow', concurrencyKey: 'bulk:held-0' },
    );
    broken.delete('bulk-keyed');

    // Act
    const run = await cli(['jobs', 'retry', '--status', 'errored', '--json', '--yes']);

    // Assess
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ action: 'retry', done: 1, doneIds: [c], stoppedBy: 'done' });
    expect(result.refused).toEqual([
      { jobId: a, reason: expect.stringContaining('is held by job') },
    ]);
    expect(result.refused[0].reason).toContain(b!);
    expect(run.stderr).toContain(`refused job ${a} (switchable)`);
    expect(await statuses([a!, c!])).toEqual(['ERRORED', 'QUEUED']);
    await cli(['jobs', 'cancel', b!]);
    await cli(['jobs', 'retry', a!]);
    await s.drain();
  });

  it('stops after the job in hand on Ctrl-C, with a summary of what is left (exit 1)', async () => {
    // Prepare
    const ids = await erroredJobs('bulk-stop', 4);

    // Act: Ctrl-C as soon as the second job is retried.
    const run = await cli(['jobs', 'retry', '--status', 'errored', '--yes'], {
      interruptWhenStderrMatches: /retried 2,/,
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      '2 job(s) retried, 0 refused (listed above). Stopped by Ctrl-C after the job in hand: 2 of 4 not handled.\n',
    );
    const after = await statuses(ids);
    expect(after.filter((status) => status === 'QUEUED')).toHaveLength(2);
    expect(after.filter((status) => status === 'ERRORED')).toHaveLength(2);
    broken.delete('bulk-stop');
    await s.drain();
    await cli(['jobs', 'retry', '--status', 'errored', '--yes']);
    await s.drain();
  });

  it('takes at most --limit jobs, newest first, and says more match', async () => {
    // Prepare
    const ids = await erroredJobs('bulk-limit', 3);
    broken.delete('bulk-limit');

    // Act
    const run = await cli(['jobs', 'retry', '--status', 'errored', '--limit', '2', '--yes']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      '2 job(s) retried, 0 refused (listed above). More jobs match than --limit took: run it again, or raise --limit.\n',
    );
    expect((await statuses(ids)).filter((status) => status === 'ERRORED')).toHaveLength(1);
    await s.drain();
    await cli(['jobs', 'retry', '--status', 'errored', '--yes']);
    await s.drain();
  });

  it('refuses a status it cannot retry, and an ID together with selection flags (exit 2)', async () => {
    // Act
    const running = await cli(['jobs', 'retry', '--status', 'running', '--yes']);
    const both = await cli(['jobs', 'retry', 'some-id', '--status', 'errored']);
    const neither = await cli(['jobs', 'retry']);

    // Assess
    expect(running.code).toBe(2);
    expect(running.stderr).toContain('Only ERRORED, LOST, CANCELLED jobs can be retried');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('takes a job ID or selection flags');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('needs a job ID, or --status');
  });
});

describe('lambda-jobs jobs cancel --status (bulk)', () => {
  it('cancels the waiting jobs of a queue, and leaves other queues alone', async () => {
    // Prepare: two jobs wait on `slow` (no worker there); one waits on `default`.
    const waiting = [
      await s.admin.enqueue('echo', { n: 1 }, { queue: 'slow' }),
      await s.admin.enqueue('echo', { n: 2 }, { queue: 'slow' }),
    ];
    const other = await s.admin.enqueue('echo', { n: 3 });

    // Act
    const run = await cli(['jobs', 'cancel', '--status', 'queued', '--queue', 'slow', '--yes']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('2 job(s) cancelled, 0 refused (listed above).\n');
    expect(await statuses(waiting as string[])).toEqual(['CANCELLED', 'CANCELLED']);
    expect((await s.admin.getJob(other!)).status).toBe('QUEUED');
    await s.drain();
  });
});
