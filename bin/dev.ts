/**
 * `npm run dev`: the whole system on this machine, no AWS account. Flags:
 *   --demo          send a realistic burst (backlog warning → critical → recovery, poison → DLQ)
 *   --pretty        one readable line per log entry instead of JSON
 *   --port N        dashboard port (default 8787; 0 picks a free one)
 *   --monitor-every S   monitor period in seconds for this run (default: the config's)
 */
import { parseArgs } from 'node:util';
import { config as appConfig } from '../config/app-config.ts';
import { createAppJobs } from '../jobs/index.ts';
import { startDashboard } from '../local/dashboard/start-dashboard.ts';
import { demoConfig } from '../local/demo/demo-config.ts';
import { startDemoSink } from '../local/demo/demo-sink.ts';
import { runDemoTraffic } from '../local/demo/demo-traffic.ts';
import { startDevMode } from '../local/dev-mode.ts';
import { createEmulatorOldestAgeSource } from '../local/oldest-age-from-emulator.ts';
import { prettifyStream } from '../local/pretty-logs.ts';
import { createAwsJobsAdmin } from '../runtime/adapters/aws/aws-jobs-admin.ts';

const usage = 'Usage: npm run dev -- [--demo] [--pretty] [--port N] [--monitor-every SECONDS]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let flags: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      demo: { type: 'boolean', default: false },
      pretty: { type: 'boolean', default: false },
      port: { type: 'string', default: '8787' },
      'monitor-every': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
}
try {
  flags = parse();
} catch (error) {
  fail((error as Error).message);
}
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const port = Number(flags.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  fail(`--port must be a whole number from 0 to 65535; got ${flags.port}`);
// The demo's receiver runs on 127.0.0.1: its exact address is allowed for outbound requests in
// this run's config (dev.outboundAllow), and nothing else local is.
const sink = flags.demo ? await startDemoSink() : undefined;
let config = sink ? demoConfig(appConfig, sink.url) : appConfig;
if (flags['monitor-every'] !== undefined) {
  const seconds = Number(flags['monitor-every']);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    fail(
      `--monitor-every must be a whole number of seconds from 1 to 3600; got ${flags['monitor-every']}`,
    );
  }
  config = { ...config, monitor: { ...config.monitor, everySeconds: seconds } };
}
if (flags.pretty) {
  prettifyStream(process.stdout);
  prettifyStream(process.stderr);
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const appJobs = createAppJobs('dev', config);
const { registry } = appJobs;
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
  delayedDelivery: dev.delayedDelivery,
  logger: dev.logger,
});
let dashboard: Awaited<ReturnType<typeof startDashboard>>;
try {
  dashboard = await startDashboard({ admin, port, registry, config });
} catch (error) {
  await dev.stop();
  fail(
    `The dashboard could not listen on 127.0.0.1:${port}: ${(error as Error).message}. Pass --port 0 for a free port.`,
  );
}
dev.onStop(() => dashboard.close());
await dev.setDashboardUrl(dashboard.url, dashboard.token);
say(`Dashboard: ${dashboard.openUrl}`);
say("  (the address carries this run's session token: its API answers nothing without it)");

/**
 * A signal starts a clean stop. The same signal can arrive twice at once (a terminal sends
 * Ctrl-C to the whole process group, and npm forwards it too), so repeats within a second are
 * ignored; a later one means "stop now": exit at once, which still stops the emulators (their
 * exit hooks), but in-flight jobs are left to their queue's redelivery. (`npm run dev` loads
 * TypeScript with `node --import tsx`, not the tsx CLI, whose signal relay SIGKILLs a child
 * that is too busy to acknowledge a signal within 30 ms: a loaded dev mode died mid-stop.)
 */
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

if (sink) {
  dev.onStop(() => sink.close());
  const controller = new AbortController();
  dev.onStop(() => controller.abort());
  void runDemoTraffic(
    {
      client: anyWorker.runtime.client,
      jobs: appJobs,
      sqs: anyWorker.runtime.sqs,
      queues: anyWorker.runtime.queues,
      sinkUrl: sink.url,
      log: say,
    },
    controller.signal,
  ).catch((error: unknown) => say(`Demo traffic stopped: ${(error as Error).message}`));
}
say('Ready. Ctrl-C stops everything cleanly.');
