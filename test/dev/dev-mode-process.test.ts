/**
 * `npm run dev` as a user runs it: bin/dev.ts in its own process group, stopped with SIGINT to
 * the whole group, as a terminal's Ctrl-C does (npm and tsx relay the signal too, so dev mode
 * receives it more than once).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

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

let running: ChildProcess | undefined;
afterEach(() => {
  // Never leave dev mode (and its DynamoDB Local) behind when an assertion failed.
  if (running && running.exitCode === null && running.signalCode === null) {
    process.kill(-running.pid!, 'SIGKILL');
  }
});

describe('dev mode as a process', () => {
  it('prints where everything is, and Ctrl-C to its process group stops it cleanly while jobs run', async () => {
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
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Jobs in flight when the signal comes: the stop then takes a while, as it does for users.
    await waitFor(child, /Demo: sending/, () => stderr);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const state = JSON.parse(await readFile(path.join(cwd, '.lambda-jobs/dev.json'), 'utf8')) as {
      dashboardUrl: string;
      endpoints: { dynamodb: string };
    };
    const dashboard = await fetch(`${state.dashboardUrl}/api/queues`);

    // Act
    process.kill(-child.pid!, 'SIGINT');
    await exited; // npm exits by re-raising the signal once dev mode has stopped

    // Assess
    expect(stderr).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+$/m);
    expect(dashboard.status).toBe(200);
    expect(stderr).toContain('Stopped.');
    expect(await refusesConnections(state.endpoints.dynamodb)).toBe(true);
    await expect(readFile(path.join(cwd, '.lambda-jobs/dev.json'))).rejects.toThrow(/ENOENT/);
  });
});
