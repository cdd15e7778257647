import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminScenario, startAdminScenario } from '../admin/admin-test-kit.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

describe('lambda-jobs doctor on a healthy target', () => {
  it('exits 0 and says all is well', async () => {
    // Prepare
    const s = await startAdminScenario();
    const cwd = await devModeFolder(s);
    await s.admin.enqueue('echo', { n: 1 });
    await s.drain();

    // Act
    const run = await runCli(['doctor'], cwd, s);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('All good');
    expect(run.code).toBe(0);
  });
});

describe('lambda-jobs dlq and doctor with dead letters', () => {
  let s: AdminScenario;
  let cwd: string;
  let poison: string[];

  const cli = (...argv: string[]) => runCli(argv, cwd, s);

  beforeAll(async () => {
    s = await startAdminScenario();
    cwd = await devModeFolder(s);
    poison = [];
    for (let i = 0; i < 3; i++) poison.push((await s.admin.enqueue('unrecoverable', {}))!);
    await s.admin.enqueue('switchable', { label: 'fine' });
    await s.drain();
  });

  it('doctor exits 1 and names the DLQ when it is not empty', async () => {
    // Act
    const run = await cli('doctor');
    const json = JSON.parse((await cli('doctor', '--json')).stdout);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ default: 3 messages in the dead-letter queue/);
    expect(json.healthy).toBe(false);
    expect(json.findings[0]).toMatchObject({ level: 'problem', queue: 'default' });
  });

  it('dlq ls lists the dead letters with job ids and types', async () => {
    // Act
    const run = await cli('dlq', 'ls', 'default');
    const json = JSON.parse((await cli('dlq', 'ls', 'default', '--json')).stdout);

    // Assess
    expect(run.code).toBe(0);
    for (const id of poison) expect(run.stdout).toContain(id);
    expect(json.deadLetters.map((l: { jobId: string }) => l.jobId).sort()).toEqual(
      [...poison].sort(),
    );
    expect(json.deadLetters[0].type).toBe('unrecoverable');
  });

  it('dlq redrive --dry-run moves nothing', async () => {
    // Act
    const run = await cli('dlq', 'redrive', 'default', '--dry-run');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 message(s) would move');
    expect(run.stderr.match(/would move job/g)).toHaveLength(3);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(3);
  });

  it('dlq redrive --type filters and --limit bounds, keeping job ids and logging each move', async () => {
    // Act
    const other = await cli('dlq', 'redrive', 'default', '--type', 'echo');
    const one = await cli(
      'dlq',
      'redrive',
      'default',
      '--type',
      'unrecoverable',
      '--limit',
      '1',
      '--json',
    );

    // Assess
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('Moved 0 message(s)');
    expect(one.code).toBe(0);
    const report = JSON.parse(one.stdout);
    expect(report).toMatchObject({ moved: 1, matched: 1, method: 'receive-send-delete' });
    expect(poison).toContain(report.jobIds[0]);
    expect(one.stderr).toContain(`moved job ${report.jobIds[0]} (unrecoverable)`);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(2);
    expect(await s.admin.getJob(report.jobIds[0])).toMatchObject({ status: 'QUEUED' });
  });

  it('dlq purge refuses without --yes when stdin is not a terminal', async () => {
    // Act
    const run = await cli('dlq', 'purge', 'default');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('without --yes');
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(2);
  });

  it('dlq purge asks on a terminal and does nothing unless told yes', async () => {
    // Act
    const declined = await runCli(['dlq', 'purge', 'default'], cwd, s, {
      interactive: true,
      answer: 'n',
    });

    // Assess
    expect(declined.asked[0]).toMatch(
      /Delete all 2 message\(s\) in the dead-letter queue of default/,
    );
    expect(declined.code).toBe(1);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(2);
  });

  it('dlq purge --yes empties the DLQ; a redriven poison job fails back into it', async () => {
    // Act
    const run = await cli('dlq', 'purge', 'default', '--yes');
    await s.drain();
    const doctor = await cli('doctor');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Purged 2 message(s)');
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(1);
    // The redriven poison job failed again and is back in the DLQ.
    expect(doctor.code).toBe(1);
  });

  it('dlq commands answer exit 3 for an unknown queue', async () => {
    // Act
    const run = await cli('dlq', 'ls', 'nope');

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Queue "nope" is not configured');
  });
});
