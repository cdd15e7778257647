import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../packages/lambda-jobs/src/cli/command-line.ts';
import { type AdminScenario, startAdminScenario } from '../admin/admin-test-kit.ts';
import { devModeFolder, emptyProjectFolder, runCli } from './cli-test-kit.ts';

const LAUNCHER = path.resolve(import.meta.dirname, '../../packages/lambda-jobs/bin/lambda-jobs.js');

describe('lambda-jobs usage errors', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await emptyProjectFolder();
  });

  it('answers 2 for an unknown command, naming the commands', async () => {
    // Act
    const run = await runCli(['jbos', 'ls'], cwd, undefined);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown command "jbos ls"');
    expect(run.stderr).toContain('jobs ls');
  });

  it('answers 2 for an unknown flag, a flag of another command, and a missing argument', async () => {
    // Act
    const unknown = await runCli(['queues', '--colour'], cwd, undefined);
    const foreign = await runCli(['dlq', 'ls', 'default', '--status', 'ERRORED'], cwd, undefined);
    const missing = await runCli(['jobs', 'show'], cwd, undefined);

    // Assess
    expect([unknown.code, foreign.code, missing.code]).toEqual([2, 2, 2]);
    expect(unknown.stderr).toContain('Unknown option --colour');
    expect(foreign.stderr).toContain('`dlq ls` does not take --status. Its options: --limit.');
    expect(missing.stderr).toContain('`jobs show` needs ID');
  });

  it('answers 2 for a bad value, naming the flag and what it accepts', async () => {
    // Act
    const status = await runCli(['jobs', 'ls', '--status', 'broken'], cwd, undefined);
    const limit = await runCli(['jobs', 'ls', '--limit', '500'], cwd, undefined);
    const since = await runCli(['jobs', 'ls', '--since', 'yesterday'], cwd, undefined);

    // Assess
    expect([status.code, limit.code, since.code]).toEqual([2, 2, 2]);
    expect(status.stderr).toContain('--status must be one of QUEUED, RUNNING');
    expect(limit.stderr).toContain('--limit must be a whole number from 1 to 100; got "500"');
    expect(since.stderr).toContain('--since must be a duration back from now');
  });

  it('answers 4 with the way to start dev mode when none runs and no --stack is given', async () => {
    // Act
    const run = await runCli(['queues'], cwd, undefined);

    // Assess
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('No dev mode is running here');
    expect(run.stderr).toContain('npx lambda-jobs dev');
    expect(run.stderr).toContain('--stack NAME');
    expect(run.stdout).toBe('');
  });

  it('prints help for every command with --help, and exits 0', async () => {
    // Act
    const runs = await Promise.all(
      COMMANDS.map((spec) => runCli([...spec.words, '--help'], cwd, undefined)),
    );

    // Assess
    runs.forEach((run, i) => {
      const words = COMMANDS[i]!.words.join(' ');
      expect(run.code, words).toBe(0);
      // `help --help` shows the general help, whose usage line names no command.
      expect(run.stdout).toContain(
        words === 'help' ? 'Usage: lambda-jobs <command>' : `Usage: lambda-jobs ${words}`,
      );
    });
  });

  it('passes the flags after `dev` on to dev mode', async () => {
    // Act
    const run = await runCli(['dev', '--demo', '--pretty'], cwd, undefined);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('lambda-jobs --json errors', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await emptyProjectFolder();
  });

  /** stderr as the one JSON line --json promises. */
  const errorOf = (stderr: string) => {
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as {
      error: { name: string; message: string; exitCode: number; field?: string; limit?: string };
    };
  };

  it('writes every command\u2019s error as one JSON line on stderr, with the exit code', async () => {
    // Prepare: no dev mode runs in the folder, so every command fails at its first step.
    const specs = COMMANDS.filter((spec) => !['help', 'dev'].includes(spec.words[0]!));

    // Act
    const runs = await Promise.all(
      specs.map((spec) =>
        runCli([...spec.words, ...spec.args.map(() => 'x'), '--json'], cwd, undefined),
      ),
    );

    // Assess
    expect(specs.length).toBeGreaterThan(10);
    runs.forEach((run, i) => {
      const words = specs[i]!.words.join(' ');
      const { error } = errorOf(run.stderr);
      expect(run.code, words).not.toBe(0);
      expect(error.exitCode, words).toBe(run.code);
      expect(error.name, words).toMatch(/Error$/);
      expect(error.message, words).not.toBe('');
      expect(run.stdout, words).toBe('');
    });
  });

  it('writes a usage error as JSON too, without the help text, and names the target that is missing', async () => {
    // Act
    const unknown = await runCli(['queues', '--colour', '--json'], cwd, undefined);
    const noTarget = await runCli(['queues', '--json'], cwd, undefined);

    // Assess
    expect(unknown.code).toBe(2);
    expect(errorOf(unknown.stderr).error).toEqual({
      name: 'CliUsageError',
      message:
        'Unknown option --colour. Run `lambda-jobs help` for the commands and their options.',
      exitCode: 2,
    });
    expect(noTarget.code).toBe(4);
    expect(errorOf(noTarget.stderr).error).toMatchObject({
      name: 'TargetUnreachableError',
      exitCode: 4,
      message: expect.stringContaining('No dev mode is running here'),
    });
  });

  it('answers an unknown job, a dead letter not there and a declined purge as JSON on a running target', async () => {
    // Prepare
    const s = await startAdminScenario();
    const dev = await devModeFolder(s);

    // Act
    const show = await runCli(['jobs', 'show', 'no-such-job', '--json'], dev, s);
    const retry = await runCli(['dlq', 'retry', 'default', 'no-such-job', '--json'], dev, s);
    const purge = await runCli(['dlq', 'purge', 'default', '--json'], dev, s, {
      interactive: true,
      answer: 'n',
    });

    // Assess
    expect(show.code).toBe(3);
    expect(errorOf(show.stderr).error).toMatchObject({ name: 'JobNotFoundError', exitCode: 3 });
    expect(show.stdout).toBe('');
    expect(retry.code).toBe(3);
    expect(errorOf(retry.stderr).error).toMatchObject({
      name: 'JobNotFoundError',
      exitCode: 3,
      message: expect.stringContaining('No message of job no-such-job'),
    });
    expect(purge.code).toBe(1);
    expect(errorOf(purge.stderr).error).toEqual({
      name: 'NotConfirmed',
      message: 'Nothing deleted.',
      exitCode: 1,
    });
  });
});

describe('npx lambda-jobs (the launcher, in a child process)', () => {
  let s: AdminScenario;
  let cwd: string;
  beforeAll(async () => {
    s = await startAdminScenario();
    cwd = await devModeFolder(s);
  });

  it('runs queues --json against the dev mode of its folder', async () => {
    // Act
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--conditions=lambda-jobs-source', LAUNCHER, 'queues', '--json'],
        {
          cwd,
          env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.once('error', reject);
      child.once('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
    });

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { queues } = JSON.parse(stdout);
    expect(queues.map((q: { name: string }) => q.name).sort()).toEqual(['default', 'slow']);
  });
});
