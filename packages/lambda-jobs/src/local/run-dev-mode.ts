/**
 * Dev mode as a command runs it (`npx lambda-jobs dev`): the emulators, the workers, the
 * monitor and the dashboard on this machine, stopped cleanly by Ctrl-C.
 */

import { parseArgs } from 'node:util';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { createAwsJobsAdmin } from '../runtime/adapters/aws/aws-jobs-admin.ts';
import { createDynamoDbCircuitState } from '../runtime/adapters/aws/dynamodb-circuit-state.ts';
import { createCircuitAdmin } from '../runtime/circuit/circuit-admin.ts';
import type { JobRegistry } from '../runtime/registry.ts';
import { enterDevMode } from '../runtime/run-mode.ts';
import { startDashboard } from './dashboard/start-dashboard.ts';
import { type DevMode, startDevMode } from './dev-mode.ts';
import { createEmulatorOldestAgeSource } from './oldest-age-from-emulator.ts';
import { prettifyStream } from './pretty-logs.ts';

/** The command line of `lambda-jobs dev`. */
export const DEV_USAGE = 'Usage: lambda-jobs dev [--pretty] [--port N] [--monitor-every SECONDS]';

/** A command-line value dev mode cannot use; its message names the flag and the rule. */
export class DevUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevUsageError';
  }
}

/** The flags of `lambda-jobs dev`. */
export interface DevArgs {
  /** One readable line per log entry instead of JSON. */
  readonly pretty: boolean;
  /** Dashboard port; 0 picks a free one. Default 8787. */
  readonly port: number;
  /** Monitor period for this run, seconds; default the config's. */
  readonly monitorEverySeconds: number | undefined;
  readonly help: boolean;
}

/**
 * Parses the flags of `lambda-jobs dev`. Throws {@link DevUsageError} naming the flag and its
 * rule.
 *
 * @example
 * ```ts
 * const args = parseDevArgs(['--port', '0', '--pretty']); // { port: 0, pretty: true, … }
 * ```
 */
export function parseDevArgs(argv: readonly string[]): DevArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        pretty: { type: 'boolean', default: false },
        port: { type: 'string', default: '8787' },
        'monitor-every': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new DevUsageError((error as Error).message);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DevUsageError(`--port must be a whole number from 0 to 65535; got ${values.port}`);
  }
  const every = values['monitor-every'];
  const monitorEverySeconds = every === undefined ? undefined : Number(every);
  if (
    monitorEverySeconds !== undefined &&
    (!Number.isInteger(monitorEverySeconds) ||
      monitorEverySeconds < 1 ||
      monitorEverySeconds > 3600)
  ) {
    throw new DevUsageError(
      `--monitor-every must be a whole number of seconds from 1 to 3600; got ${String(every)}`,
    );
  }
  return {
    pretty: values.pretty === true,
    port,
    monitorEverySeconds,
    help: values.help === true,
  };
}

/** What {@link runDevMode} runs. */
export interface DevRunOptions {
  readonly config: LambdaJobsConfig;
  readonly registry: JobRegistry;
  readonly args: DevArgs;
  /** Where start-up lines go. Default stderr. */
  readonly say?: (line: string) => void;
}

/** A running dev mode, with its dashboard. */
export interface DevRun {
  readonly dev: DevMode;
  /** The config it runs with (the monitor period of `--monitor-every` applied). */
  readonly config: LambdaJobsConfig;
  /** The dashboard's address with this run's session token. */
  readonly dashboardOpenUrl: string;
}

function withMonitorPeriod(
  config: LambdaJobsConfig,
  seconds: number | undefined,
): LambdaJobsConfig {
  if (seconds === undefined) return config;
  return { ...config, monitor: { ...config.monitor, everySeconds: seconds } };
}

/**
 * A signal starts a clean stop. The same signal can arrive twice at once (a terminal sends
 * Ctrl-C to the whole process group, and npm forwards it too), so repeats within a second are
 * ignored; a later one means "stop now": exit at once, which still stops the emulators (their
 * exit hooks), but in-flight jobs are left to their queue's redelivery.
 */
function stopOnSignals(dev: DevMode, say: (line: string) => void): void {
  let stopRequestedAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (stopRequestedAt === undefined) {
      stopRequestedAt = now;
      say(`${signal} received.`);
      void dev.stop().then(() => process.exit(0));
      return;
    }
    if (now - stopRequestedAt < 1000) return;
    say(`${signal} again: exiting now; jobs still running return to their queue.`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Starts dev mode and its dashboard for a project, prints where to look, and stops everything
 * cleanly on Ctrl-C. Throws {@link DevUsageError} when the dashboard's port is taken.
 *
 * @example
 * ```ts
 * const run = await runDevMode({ config, registry, args: parseDevArgs(process.argv.slice(2)) });
 * ```
 */
export async function runDevMode(options: DevRunOptions): Promise<DevRun> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { args, registry } = options;
  const config = withMonitorPeriod(options.config, args.monitorEverySeconds);
  enterDevMode();
  if (args.pretty) {
    prettifyStream(process.stdout);
    prettifyStream(process.stderr);
  }
  const dev = await startDevMode({ config, registry, say });
  const anyWorker = Object.values(dev.workers)[0]!;
  const admin = createAwsJobsAdmin({
    registry,
    config,
    sqs: anyWorker.runtime.sqs,
    dynamodb: anyWorker.runtime.dynamodb,
    receiveWaitSeconds: 0,
    oldestAge: createEmulatorOldestAgeSource({ endpoint: dev.state.endpoints.sqs }),
    samples: dev.samples,
    outcomes: dev.outcomes,
    delayedDelivery: dev.delayedDelivery,
    logger: dev.logger,
  });
  let dashboard: Awaited<ReturnType<typeof startDashboard>>;
  try {
    dashboard = await startDashboard({
      admin,
      port: args.port,
      registry,
      config,
      eventSources: { states: async () => [...(dev.state.eventSources ?? [])] },
      consumption: dev.consumption,
      circuits: createCircuitAdmin({
        store: createDynamoDbCircuitState({
          client: anyWorker.runtime.dynamodb,
          tableName: anyWorker.runtime.tableName,
        }),
        settings: config.circuitBreakers,
      }),
    });
  } catch (error) {
    await dev.stop();
    throw new DevUsageError(
      `The dashboard could not listen on 127.0.0.1:${args.port}: ${(error as Error).message}. Pass --port 0 for a free port.`,
    );
  }
  dev.onStop(() => dashboard.close());
  await dev.setDashboardUrl(dashboard.url, dashboard.token);
  say(`Dashboard: ${dashboard.openUrl}`);
  say("  (the address carries this run's session token: its API answers nothing without it)");
  stopOnSignals(dev, say);
  return { dev, config, dashboardOpenUrl: dashboard.openUrl };
}
