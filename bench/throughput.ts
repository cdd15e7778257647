import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { createAwsJobRuntime } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { BENCH_QUEUE, benchConfig, benchRegistry, trivialEnvelopeBodies } from './bench-jobs.ts';
import { createBenchWorker, enqueueTrivialJobs } from './bench-worker.ts';
import type { GoalCheck } from './cost-model.ts';
import { createCpuClock } from './cpu-time.ts';
import type { BenchEmulators } from './emulators.ts';
import { createMinimumHandler, MINIMUM_TTL_ATTRIBUTE } from './minimum-handler.ts';
import { drainQueue, type Progress, sendBodies } from './pipeline.ts';
import { createPowertoolsHandler, POWERTOOLS_TTL_ATTRIBUTE } from './powertools-handler.ts';
import { median, medianRoundRatio } from './statistics.ts';
import { captureStdout } from './stdout-capture.ts';

/**
 * Goals: at least the Powertools handler's rate. The raw-ceiling ratio is context only (its
 * former goal of 0.5× is retired: on two cores the emulators' CPU per job sets it); its check
 * is kept at 0.5× for the record.
 */
export const THROUGHPUT_GOALS = { rawCeiling: 0.5, powertools: 1.0 } as const;

/**
 * The contenders, all drained through the same local event source with the same settings.
 * `minimum` (two conditional writes per job, nothing else) shows how much of the raw ceiling
 * any handler that records results in DynamoDB Local can reach; it has no goal.
 */
export const CONTENDERS = [
  'raw-ceiling',
  'minimum',
  'powertools',
  'lambda-jobs',
  'lambda-jobs-minimal',
] as const;
/** One contender's name. */
export type Contender = (typeof CONTENDERS)[number];

/** One drain of a full queue. */
export interface ThroughputSample {
  readonly contender: Contender;
  readonly round: number;
  /** Where in its round the contender drained (0 = first; see {@link roundOrder}). */
  readonly position: number;
  readonly jobsPerSecond: number;
  readonly wallMs: number;
  readonly invocations: number;
  readonly failedItems: number;
  /** CPU time per job of this process (handler, SDK, event source, fauxqs), µs. */
  readonly nodeCpuUsPerJob: number;
  /** CPU time per job of DynamoDB Local, µs (when it could be read). */
  readonly emulatorCpuUsPerJob?: number;
}

/** Everything the throughput benchmark found. */
export interface ThroughputResult {
  readonly jobs: number;
  readonly rounds: number;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly samples: readonly ThroughputSample[];
  /** Median jobs/s per contender. */
  readonly median: Readonly<Record<Contender, number>>;
  /** Median CPU µs per job per contender: this process, and DynamoDB Local. */
  readonly medianCpuUsPerJob: Readonly<Record<Contender, { node: number; emulator?: number }>>;
  /** lambda-jobs' enqueueMany rate (full tracking), jobs/s, median. */
  readonly enqueueJobsPerSecond: number;
  /**
   * Ratios are the median of each round's ratio: the contenders of a round run back to back
   * (in {@link roundOrder}), so a slow spell on a shared machine affects both sides of a
   * round's ratio alike.
   */
  readonly checks: {
    readonly rawCeiling: GoalCheck;
    readonly powertools: GoalCheck;
    /** The same goal for tracking `minimal` (context: the goals are judged on `full`). */
    readonly powertoolsMinimal: GoalCheck;
  };
}

/** Options for {@link runThroughputBenchmark}. */
export interface ThroughputOptions {
  readonly emulators: BenchEmulators;
  readonly jobs: number;
  readonly rounds: number;
  readonly progress: Progress;
}

function roundCheck(
  samples: readonly ThroughputSample[],
  baseline: Contender,
  goal: number,
  measured: Contender = 'lambda-jobs',
): GoalCheck {
  const ratio = medianRoundRatio(samples, measured, baseline);
  return { ratio, goal, direction: 'at-least', met: ratio >= goal };
}

/** Rounds that complete {@link roundOrder}'s balanced design: 2 × the contenders. */
export const BALANCED_ROUNDS = 2 * CONTENDERS.length;

/**
 * The order the contenders drain in during `round` (from 1): a Williams design, the rows of a
 * Latin square whose first row is 0, 1, n−1, 2, n−2, …, then the same rows reversed. Over
 * {@link BALANCED_ROUNDS} (2 × the contenders) rounds every contender drains twice in every
 * position and, within a round, drains right after every other contender exactly twice.
 * DynamoDB Local's JIT compiles for the requests it has just served and speeds up over several
 * rounds, so in a fixed order a contender would always inherit the code its predecessor warmed
 * (the minimum handler's, whose requests are alike, for Powertools) and the last ones the
 * warmer emulator.
 *
 * @example
 * ```ts
 * roundOrder(1); // ['raw-ceiling', 'minimum', 'lambda-jobs-minimal', 'powertools', 'lambda-jobs']
 * ```
 */
export function roundOrder(round: number): Contender[] {
  const n = CONTENDERS.length;
  const firstRow = Array.from({ length: n }, (_, i) =>
    i === 0 ? 0 : i % 2 === 1 ? (i + 1) / 2 : n - i / 2,
  );
  const turn = (round - 1) % BALANCED_ROUNDS;
  const row = firstRow.map((index) => CONTENDERS[(index + turn) % n]!);
  return turn < n ? row : row.reverse();
}

/** Receives and deletes, nothing else: the most the emulator and event source can move. */
const emptyHandler = async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [] });

/**
 * Benchmark 2: drains a queue of `jobs` messages through the local event source (batch size
 * and concurrency from the default queue config) five ways, back to back in a balanced order
 * ({@link roundOrder}), `rounds` times: an
 * empty handler (the emulator's raw ceiling), the minimum handler (two writes per job), the
 * Powertools BatchProcessor + Idempotency handler, and lambda-jobs' real worker (jobs
 * enqueued beforehand with enqueueMany). Reports median rates, CPU per job, and the median
 * per-round ratios the goals are judged on.
 *
 * @example
 * ```ts
 * const result = await runThroughputBenchmark({ emulators, jobs: 2000, rounds: 10, progress });
 * ```
 */
export async function runThroughputBenchmark(
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const { emulators, jobs, progress } = options;
  const config = benchConfig('full');
  const minimalConfig = benchConfig('minimal');
  const queue = config.queues[BENCH_QUEUE]!;
  const cpu = createCpuClock();
  // What Powertools' persistence layer builds when given no client; one per run, as a Lambda
  // container keeps its module-scope client.
  const powertoolsClient = new DynamoDBClient({});
  const samples: ThroughputSample[] = [];
  const enqueueRates: number[] = [];

  const drainOnce = async (
    contender: Contender,
    round: number,
    count: number,
    position: number,
  ) => {
    const resources = await emulators.provision(config, `tp-${contender}`);
    try {
      const url = resources.queues[BENCH_QUEUE]!.url;
      let handler: Parameters<typeof drainQueue>[0]['handler'];
      if (contender === 'lambda-jobs' || contender === 'lambda-jobs-minimal') {
        const tracked = contender === 'lambda-jobs' ? config : minimalConfig;
        const producer = createAwsJobRuntime({
          registry: benchRegistry,
          config: tracked,
          env: resources.env,
          ...emulators.setup,
        });
        const started = performance.now();
        await enqueueTrivialJobs(producer.client, count);
        if (round > 0 && contender === 'lambda-jobs') {
          enqueueRates.push(count / ((performance.now() - started) / 1000));
        }
        const env = resources.env;
        handler = createBenchWorker({ config: tracked, env, ...emulators.setup }).handler;
      } else {
        await sendBodies(emulators.setup.sqs, url, trivialEnvelopeBodies(count));
        // The minimum handler runs on the client lambda-jobs' worker runs on (createDynamoDbClient),
        // so that its floor is as tight as ours; Powertools on a plain SDK client of its own.
        const dynamodb = emulators.setup.dynamodb;
        if (contender === 'raw-ceiling') handler = emptyHandler;
        else {
          // Each table as deployed: with TTL on the attribute its handler writes expiries to.
          const tableName = await resources.createPlainTable(
            'results',
            'id',
            contender === 'minimum' ? MINIMUM_TTL_ATTRIBUTE : POWERTOOLS_TTL_ATTRIBUTE,
          );
          handler =
            contender === 'minimum'
              ? createMinimumHandler({ dynamodb, tableName })
              : createPowertoolsHandler({ dynamodb: powertoolsClient, tableName });
        }
      }
      const queueArn = await resources.queueArn(BENCH_QUEUE);
      const capture = captureStdout();
      const before = cpu.snapshot();
      let result: Awaited<ReturnType<typeof drainQueue>>;
      try {
        result = await drainQueue({
          label: `throughput/${contender}#${round}`,
          sqs: emulators.setup.sqs,
          queueUrl: url,
          queueArn,
          handler,
          expected: count,
          queue,
          progress,
        });
      } finally {
        capture.restore();
      }
      const used = cpu.since(before);
      if (round > 0) {
        samples.push({
          contender,
          round,
          position,
          jobsPerSecond: result.jobsPerSecond,
          wallMs: result.wallMs,
          invocations: result.invocations,
          failedItems: result.failedItems,
          nodeCpuUsPerJob: used.nodeUs / count,
          ...(used.emulatorUs === undefined
            ? {}
            : { emulatorCpuUsPerJob: used.emulatorUs / count }),
        });
      }
      return result;
    } finally {
      await resources.dispose();
    }
  };

  if (options.rounds % BALANCED_ROUNDS !== 0) {
    progress(
      `throughput: ${options.rounds} rounds do not complete the balanced order (a multiple of ${BALANCED_ROUNDS} does): positions and predecessors are not evened out`,
    );
  }
  try {
    const warmUpJobs = Math.min(1000, jobs);
    progress(`throughput: warming up each contender with ${warmUpJobs} jobs (not measured)`);
    for (const [position, contender] of CONTENDERS.entries()) {
      await drainOnce(contender, 0, warmUpJobs, position);
    }
    for (let round = 1; round <= options.rounds; round++) {
      const rates: string[] = [];
      for (const [position, contender] of roundOrder(round).entries()) {
        const result = await drainOnce(contender, round, jobs, position);
        rates.push(`${contender} ${Math.round(result.jobsPerSecond)}`);
      }
      progress(`throughput round ${round}/${options.rounds}: ${rates.join(', ')} jobs/s`);
    }
  } finally {
    powertoolsClient.destroy();
  }
  const of = (contender: Contender) => samples.filter((s) => s.contender === contender);
  const medianRates = Object.fromEntries(
    CONTENDERS.map((c) => [c, median(of(c).map((s) => s.jobsPerSecond))]),
  ) as Record<Contender, number>;
  const medianCpu = Object.fromEntries(
    CONTENDERS.map((c) => {
      const emulator = of(c).flatMap((s) =>
        s.emulatorCpuUsPerJob === undefined ? [] : [s.emulatorCpuUsPerJob],
      );
      return [
        c,
        {
          node: median(of(c).map((s) => s.nodeCpuUsPerJob)),
          ...(emulator.length > 0 ? { emulator: median(emulator) } : {}),
        },
      ];
    }),
  ) as Record<Contender, { node: number; emulator?: number }>;
  return {
    jobs,
    rounds: options.rounds,
    batchSize: queue.batchSize,
    maxConcurrency: queue.maxConcurrency,
    samples,
    median: medianRates,
    medianCpuUsPerJob: medianCpu,
    enqueueJobsPerSecond: median(enqueueRates),
    checks: {
      rawCeiling: roundCheck(samples, 'raw-ceiling', THROUGHPUT_GOALS.rawCeiling),
      powertools: roundCheck(samples, 'powertools', THROUGHPUT_GOALS.powertools),
      powertoolsMinimal: roundCheck(
        samples,
        'powertools',
        THROUGHPUT_GOALS.powertools,
        'lambda-jobs-minimal',
      ),
    },
  };
}
