/**
 * Runs the CLI in process against the test emulators: a temporary project folder holding a
 * `.lambda-jobs/dev.json` that points at an {@link AdminScenario}'s queues and table, and an
 * io that captures stdout and stderr.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliIo } from '../../packages/lambda-jobs/src/cli/cli-io.ts';
import { main } from '../../packages/lambda-jobs/src/cli/main.ts';
import {
  type DevState,
  writeDevState,
} from '../../packages/lambda-jobs/src/local/dev-state-file.ts';
import { type AdminScenario, adminRegistry, adminTestConfig } from '../admin/admin-test-kit.ts';

/** What one CLI run did. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Questions asked on the terminal. */
  readonly asked: readonly string[];
}

/** How the simulated terminal behaves. */
export interface TerminalOptions {
  /** stdin is a terminal. Default false (as in CI). */
  readonly interactive?: boolean;
  /** What the person types when asked. */
  readonly answer?: string;
  /** Runs while a long-running command waits for Ctrl-C, with its stdout so far; then it stops. */
  readonly whileRunning?: (stdout: string) => Promise<void>;
  /** Ctrl-C is pressed as soon as stderr (the progress) matches this. */
  readonly interruptWhenStderrMatches?: RegExp;
}

/** The package's public entry point, by file URL (the project folder is outside the repo). */
const PACKAGE_INDEX = pathToFileURL(
  path.resolve(import.meta.dirname, '../../packages/lambda-jobs/src/index.ts'),
).href;

/**
 * A fresh project folder: a `lambda-jobs.config.ts` with two queues and a registry module with
 * no job types; no dev mode runs there.
 */
export async function emptyProjectFolder(): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'lambda-jobs-cli-'));
  await writeFile(path.join(cwd, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    path.join(cwd, 'lambda-jobs.config.ts'),
    `import { defineConfig } from '${PACKAGE_INDEX}';\nexport default defineConfig({ appName: 'cli-test', registry: './jobs.ts', queues: { default: {}, slow: {} } });\n`,
  );
  await writeFile(
    path.join(cwd, 'jobs.ts'),
    `import { createRegistry } from '${PACKAGE_INDEX}';\nexport const registry = createRegistry([]);\n`,
  );
  return cwd;
}

/**
 * A project folder whose dev state points at the scenario's resources on the test emulators
 * (and at a dashboard serving the dev mode's outcome counts, when given).
 *
 * @example
 * ```ts
 * const cwd = await devModeFolder(scenario);
 * const { code, stdout } = await runCli(['queues', '--json'], cwd, scenario);
 * ```
 */
export async function devModeFolder(
  scenario: AdminScenario,
  dashboard: Pick<DevState, 'dashboardUrl' | 'dashboardToken'> = { dashboardUrl: '' },
): Promise<string> {
  const cwd = await emptyProjectFolder();
  await writeDevState(
    {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      region: process.env.AWS_REGION ?? 'us-east-1',
      ...dashboard,
      endpoints: {
        sqs: process.env.AWS_ENDPOINT_URL_SQS!,
        dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
      },
      tableName: scenario.resources.tableName,
      queues: scenario.resources.queues,
      eventSources: Object.values(adminTestConfig().queues).map((queue) => ({
        queue: queue.name,
        functionName: `test-worker-${queue.name}`,
        state: 'Enabled',
        batchSize: queue.batchSize,
        batchingWindowSeconds: queue.batchingWindowSeconds,
        maxConcurrency: queue.maxConcurrency,
      })),
    },
    cwd,
  );
  return cwd;
}

/**
 * Runs `lambda-jobs <argv>` in process with the scenario's config and job types.
 *
 * @example
 * ```ts
 * const run = await runCli(['jobs', 'show', id], cwd, scenario);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  cwd: string,
  scenario: Pick<AdminScenario, 'config'> | undefined,
  terminal: TerminalOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const asked: string[] = [];
  const interrupt = new AbortController();
  const watchStderr = (text: string) => {
    stderr += text;
    if (terminal.interruptWhenStderrMatches?.test(stderr)) interrupt.abort();
  };
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: watchStderr },
    interactive: terminal.interactive ?? false,
    async ask(question) {
      asked.push(question);
      return terminal.answer ?? '';
    },
    cwd,
    env: { ...process.env },
    async untilInterrupted() {
      await terminal.whileRunning?.(stdout);
    },
    interruption() {
      return { signal: interrupt.signal, dispose: () => {} };
    },
  };
  const code = await main(argv, io, {
    ...(scenario ? { app: { config: scenario.config, registry: adminRegistry } } : {}),
    runDev: async () => 0,
  });
  return { code, stdout, stderr, asked };
}
