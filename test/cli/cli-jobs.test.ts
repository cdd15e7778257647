import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminScenario, broken, startAdminScenario } from '../admin/admin-test-kit.ts';
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
      /^QUEUE\s+VISIBLE\s+IN FLIGHT\s+DELAYED\s+BACKLOG\s+OLDEST\s+DLQ\s+LEVEL$/,
    );
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['default', 'slow']);
    expect(lines.find((line) => line.startsWith('default'))).toMatch(/\s1\s+OK$/);
  });

  it('prints only JSON with --json', async () => {
    // Act
    const run = await cli('queues', '--json');

    // Assess
    expect(run.code).toBe(0);
    const { queues } = JSON.parse(run.stdout);
    expect(queues.map((q: { name: string }) => q.name)).toEqual(['default', 'slow']);
    expect(queues[1]).toMatchObject({ name: 'slow', visible: 1, backlog: 1, level: 'ok' });
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
  it("serves the dashboard over the target's live data until interrupted", async () => {
    // Prepare
    let answer: { queues: { name: string }[] } | undefined;

    // Act
    const run = await runCli(['dashboard'], cwd, s, {
      whileRunning: async (stdout) => {
        const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1];
        answer = (await (await fetch(`${url}/api/queues`)).json()) as typeof answer;
      },
    });

    // Assess
    expect(run.code).toBe(0);
    expect(answer!.queues.map((q) => q.name)).toEqual(['default', 'slow']);
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
