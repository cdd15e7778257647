/**
 * `npm run bench`: the cost, throughput, cold-start and monitor-scale benchmarks, side by side
 * with their baselines in one run. Progress on stderr; detail tables and the summary table on
 * stdout; everything in bench/results.json. See docs/benchmarks.md.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BenchArgs, type BenchmarkName, parseBenchArgs, USAGE } from './args.ts';
import { runColdStartBenchmark } from './cold-start.ts';
import { runCostBenchmark } from './cost.ts';
import { type BenchEmulators, startBenchEmulators } from './emulators.ts';
import { runMonitorScaleBenchmark } from './monitor-scale.ts';
import { US_EAST_1_PRICES } from './prices.ts';
import { formatSummary } from './report.ts';
import { runStoreWriteCostBenchmark } from './store-write-costs.ts';
import { type BenchResults, detailTables, summaryRows } from './summary.ts';
import { runThroughputBenchmark } from './throughput.ts';

const RESULTS_FILE = path.join(import.meta.dirname, 'results.json');

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** The benchmarks that run against fauxqs and DynamoDB Local. */
const EMULATED: ReadonlySet<BenchmarkName> = new Set(['cost', 'throughput', 'store-writes']);

async function runAll(args: BenchArgs): Promise<BenchResults> {
  const results: { -readonly [K in keyof BenchResults]: BenchResults[K] } = {};
  const needsEmulators = args.only.some((name) => EMULATED.has(name));
  let emulators: BenchEmulators | undefined;
  try {
    if (needsEmulators) {
      progress('Starting fauxqs and DynamoDB Local…');
      emulators = await startBenchEmulators();
    }
    for (const name of args.only) {
      const started = performance.now();
      progress(`\n== ${name} ==`);
      if (name === 'cost') {
        results.cost = await runCostBenchmark({
          emulators: emulators!,
          jobs: args.jobs,
          payloadSizes: args.payloadSizes,
          progress,
        });
      } else if (name === 'throughput') {
        results.throughput = await runThroughputBenchmark({
          emulators: emulators!,
          jobs: args.throughputJobs,
          rounds: args.rounds,
          progress,
        });
      } else if (name === 'store-writes') {
        results.storeWrites = await runStoreWriteCostBenchmark({
          emulators: emulators!,
          writes: args.throughputJobs,
          progress,
        });
      } else if (name === 'cold-start') {
        results.coldStart = await runColdStartBenchmark({ runs: args.coldStartRuns, progress });
      } else {
        results.monitor = await runMonitorScaleBenchmark({
          queueCounts: args.queueCounts,
          latencyMs: args.latencyMs,
          runs: 3,
          progress,
        });
      }
      progress(`== ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await emulators?.stop();
  }
  return results;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startedAt = new Date();
  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const results = await runAll(args);
  const rows = summaryRows(results);
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    node: process.version,
    /** 1-minute load average at start and end: other work on a shared machine shows here. */
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
  };
  await writeFile(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        durationSeconds: Math.round((performance.now() - started) / 1000),
        machine,
        args,
        prices: US_EAST_1_PRICES,
        results,
        summary: rows,
      },
      null,
      2,
    )}\n`,
  );
  const load = `load ${machine.loadAverage.start.toFixed(1)} → ${machine.loadAverage.end.toFixed(1)}`;
  const header = `lambda-jobs benchmarks, ${startedAt.toISOString()}, Node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), ${load}`;
  // A context-only run (store writes) has no goal to judge: no summary table.
  const summary = rows.length > 0 ? `\n\n${formatSummary(rows)}` : '';
  process.stdout.write(`\n${detailTables(results)}\n\n\n${header}${summary}\n`);
  progress(
    `\nWrote ${path.relative(process.cwd(), RESULTS_FILE)} (${Math.round((performance.now() - started) / 1000)} s)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
