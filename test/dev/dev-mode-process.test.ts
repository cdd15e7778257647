/**
 * `npm run dev` as a user runs it: bin/dev.ts in its own process group, stopped with SIGINT to
 * the whole group, as a terminal's Ctrl-C does (npm and tsx relay the signal too, so dev mode
 * receives it more than once).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { rawHttp } from '../support/raw-http.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function waitFor(child: ChildProcess, text: RegExp, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (text.test(output())) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(check, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (!text.test(output()))
        reject(new Error(`dev mode exited (${code}) before ${text}:\n${output()}`));
      else resolve();
    });
  });
}

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (error) {
    return /ECONNREFUSED/.test(String((error as { cause?: unknown }).cause ?? error));
  }
}

/** The environment of a user's shell: none of the test set-up's AWS and Powertools settings. */
function userShellEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_') && name !== 'LOG_LEVEL',
    ),
  );
}

/** `pid` and every process below it (dev mode's node, and the DynamoDB Local it spawned). */
function processTree(pid: number): Set<number> {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of rows) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return tree;
}

/** Every listening TCP socket of these processes, as `ss -ltnpH` shows it: address and port. */
function listeningSockets(pids: Set<number>): { address: string; port: number }[] {
  const lines = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' }).trim().split('\n');
  return lines
    .filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1]))))
    .map((line) => {
      const local = line.trim().split(/\s+/)[3]!;
      const at = local.lastIndexOf(':');
      return { address: local.slice(0, at), port: Number(local.slice(at + 1)) };
    });
}

/** Each test starts npm, dev mode and a JVM: on a loaded 2-core machine that alone takes ~30 s. */
const PROCESS_TEST_TIMEOUT_MS = 90_000;

let running: ChildProcess | undefined;
afterEach(() => {
  // Never leave dev mode (and its DynamoDB Local) behind when an assertion failed.
  if (running && running.exitCode === null && running.signalCode === null) {
    process.kill(-running.pid!, 'SIGKILL');
  }
});

describe('dev mode as a process', () => {
  it(
    'prints where everything is, and Ctrl-C to its process group stops it cleanly while jobs run',
    async () => {
      // Prepare
      // `npm run dev` exactly as the README says; it runs in the project folder.
      const cwd = root;
      const child = spawn('npm', ['run', 'dev', '--', '--port', '0', '--demo', '--pretty'], {
        cwd,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: userShellEnvironment(),
      });
      running = child;
      let stderr = '';
      let stdout = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Jobs in flight when the signal comes: the stop then takes a while, as it does for users.
      await waitFor(child, /Demo: sending/, () => stderr);
      // A job finished: its metrics were written (one METRIC line under --pretty).
      await waitFor(child, / METRIC .*JobsSucceeded=/, () => stdout);
      const state = JSON.parse(await readFile(path.join(cwd, '.lambda-jobs/dev.json'), 'utf8')) as {
        dashboardUrl: string;
        dashboardToken: string;
        endpoints: { dynamodb: string };
        eventSources: { queue: string; functionName: string }[];
      };
      const stateFileMode = (await stat(path.join(cwd, '.lambda-jobs/dev.json'))).mode & 0o777;
      const dashboard = await fetch(`${state.dashboardUrl}/api/queues`, {
        headers: { authorization: `Bearer ${state.dashboardToken}` },
      });
      const outcomes = (await (
        await fetch(`${state.dashboardUrl}/api/outcomes?minutes=60`, {
          headers: { authorization: `Bearer ${state.dashboardToken}` },
        })
      ).json()) as { outcomes: { known: boolean; totals: Record<string, { succeeded: number }> } };

      // Act
      process.kill(-child.pid!, 'SIGINT');
      await exited; // npm exits by re-raising the signal once dev mode has stopped

      // Assess
      expect(stderr).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/m);
      expect(stderr).toContain(`#token=${state.dashboardToken}`);
      expect(dashboard.status).toBe(200);
      // --pretty: no raw JSON (log entries or EMF documents) between the readable lines.
      expect(stdout.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
      // Dev mode's names are the stack's, as the runbooks use them; its counters feed the overview.
      expect(state.eventSources.map((source) => source.functionName)).toContain(
        'lambda-jobs-worker-default',
      );
      expect(outcomes.outcomes.known).toBe(true);
      expect(
        Object.values(outcomes.outcomes.totals).reduce((sum, t) => sum + t.succeeded, 0),
      ).toBeGreaterThan(0);
      expect(stateFileMode).toBe(0o600);
      expect(stderr).toContain('Stopped.');
      expect(await refusesConnections(state.endpoints.dynamodb)).toBe(true);
      await expect(readFile(path.join(cwd, '.lambda-jobs/dev.json'))).rejects.toThrow(/ENOENT/);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'keeps every socket it listens on at 127.0.0.1, each refusing a foreign Host (DNS rebinding)',
    async () => {
      // Prepare
      const child = spawn('npm', ['run', 'dev', '--', '--port', '0'], {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: userShellEnvironment(),
      });
      running = child;
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout!.resume();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await waitFor(child, /Ready\./, () => stderr);

      // Act
      const sockets = listeningSockets(processTree(child.pid!));
      const foreignHost = await Promise.all(
        sockets.map(({ port }) =>
          rawHttp(`http://127.0.0.1:${port}/`, {
            method: 'POST',
            headers: { host: `evil.example:${port}`, 'content-type': 'application/x-amz-json-1.0' },
            body: '{}',
          }),
        ),
      );
      process.kill(-child.pid!, 'SIGINT');
      await exited;

      // Assess
      // The dashboard, fauxqs and DynamoDB Local at least; the demo sink only with --demo.
      expect(sockets.length).toBeGreaterThanOrEqual(3);
      for (const { address } of sockets)
        expect(address).toMatch(/^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\])$/);
      expect(foreignHost.map((answer) => answer.status)).toEqual(sockets.map(() => 403));
      expect(stderr).toContain('Emulators listen on 127.0.0.1 only');
      expect(stderr).not.toContain('WARNING');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
