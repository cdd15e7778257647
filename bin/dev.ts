/**
 * `npm run dev`: the reference app in dev mode, the whole system on this machine, no AWS
 * account. The same as `npx lambda-jobs dev`, plus one flag of this app's own:
 *   --demo          send a realistic burst (backlog warning → critical → recovery, poison → DLQ)
 *   --pretty        one readable line per log entry instead of JSON
 *   --port N        dashboard port (default 8787; 0 picks a free one)
 *   --monitor-every S   monitor period in seconds for this run (default: the config's)
 */
import { DEV_USAGE, DevUsageError, parseDevArgs, runDevMode } from 'lambda-jobs/dev';
import { demoConfig } from '../demo/demo-config.ts';
import { startDemoSink } from '../demo/demo-sink.ts';
import { runDemoTraffic } from '../demo/demo-traffic.ts';
import { createAppJobs } from '../jobs/index.ts';
import appConfig from '../lambda-jobs.config.ts';

const usage = `${DEV_USAGE.replace('lambda-jobs dev', 'npm run dev --')} [--demo]`;
const say = (line: string) => process.stderr.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const demo = argv.includes('--demo');
let args: ReturnType<typeof parseDevArgs>;
try {
  args = parseDevArgs(argv.filter((arg) => arg !== '--demo'));
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

// The demo's receiver runs on 127.0.0.1: its exact address is allowed for outbound requests in
// this run's config (dev.outboundAllow), and nothing else local is.
const sink = demo ? await startDemoSink() : undefined;
const config = sink ? demoConfig(appConfig, sink.url) : appConfig;
const appJobs = createAppJobs('dev', config);
let run: Awaited<ReturnType<typeof runDevMode>>;
try {
  run = await runDevMode({ config, registry: appJobs.registry, args, say });
} catch (error) {
  if (error instanceof DevUsageError) fail(error.message);
  throw error;
}

if (sink) {
  const { dev } = run;
  const anyWorker = Object.values(dev.workers)[0]!;
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
