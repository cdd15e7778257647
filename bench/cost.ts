import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { createAwsJobRuntime } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import type { TrackingLevel } from '../packages/lambda-jobs/src/runtime/tracking-level.ts';
import { BENCH_QUEUE, benchConfig, benchRegistry, trivialEnvelopeBodies } from './bench-jobs.ts';
import { createBenchWorker, enqueueTrivialJobs } from './bench-worker.ts';
import {
  billedMilliseconds,
  type CostPerMillionJobs,
  checkRatio,
  costPerMillionJobs,
  costSlices,
  type GoalCheck,
  gbSeconds,
  type JobUsage,
  logCostPerMillionJobs,
  MINIMUM_WRITE_UNITS,
  type MinimumAssumptions,
  physicalMinimumUsage,
  type ResendPrice,
  resendPrice,
} from './cost-model.ts';
import type { BenchEmulators } from './emulators.ts';
import { createMinimumHandler } from './minimum-handler.ts';
import { type DrainResult, drainQueue, type Progress, sendBodies } from './pipeline.ts';
import {
  createRequestCounter,
  mergeTallies,
  type RequestCounter,
  type RequestTally,
  tallyTotals,
} from './request-counter.ts';
import { captureStdout } from './stdout-capture.ts';

/** The goal: at most this many times the physical minimum's cost. */
export const COST_GOAL_RATIO = 1.15;

/** Requests of one run, by who made them. */
export interface RoleTallies {
  /** The enqueueing side (enqueueMany, or SendMessageBatch for the minimum). */
  readonly producer: RequestTally;
  /** The event source mapping: ReceiveMessage and DeleteMessageBatch. */
  readonly eventSource: RequestTally;
  /** The handler's own calls. */
  readonly worker: RequestTally;
}

/** One contender's measurement over all its jobs. */
export interface CostRun {
  /** `full` / `minimal` result tracking, or `minimum-handler`. */
  readonly label: string;
  readonly jobs: number;
  readonly tallies: RoleTallies;
  readonly usage: JobUsage;
  readonly cost: CostPerMillionJobs;
  readonly invocations: number;
  readonly billedMsPerInvocation: number;
  readonly enqueueMs: number;
  readonly drainMs: number;
  /** JSON logs and EMF lines the handler wrote (CloudWatch Logs ingestion in Lambda). */
  readonly logBytesPerJob: number;
  readonly logLinesPerJob: number;
  readonly logCostPerMillionJobs: number;
  /** Sum of what the runtime reported through `onConsumedCapacity` (a cross-check). */
  readonly reportedCapacityUnits?: number;
  readonly succeeded: number;
  readonly duplicates: number;
  readonly failedItems: number;
}

/** Everything the cost benchmark found. */
export interface CostResult {
  readonly jobs: number;
  /** The jobs ran in this many slices, contenders taking turns (see runCostBenchmark). */
  readonly slices: number;
  readonly memoryMb: number;
  readonly runs: readonly CostRun[];
  /** The physical minimum for each tracking level's guarantees. */
  readonly minimums: Readonly<Record<TrackingLevel, PhysicalMinimum>>;
  readonly checks: readonly { readonly label: string; readonly check: GoalCheck }[];
  /** Whether DynamoDB Local reported consumed capacity (else units were computed from sizes). */
  readonly capacityReported: boolean;
  /** What each retry or deferral adds (the measured jobs succeed at once; this is priced). */
  readonly resend: ResendPrice;
}

/** The least any design can spend per job for one tracking level's guarantees. */
export interface PhysicalMinimum {
  readonly assumptions: MinimumAssumptions;
  readonly usage: JobUsage;
  readonly cost: CostPerMillionJobs;
}

/** Options for {@link runCostBenchmark}. */
export interface CostOptions {
  readonly emulators: BenchEmulators;
  readonly jobs: number;
  readonly progress: Progress;
}

type Contender = 'full' | 'minimal' | 'minimum-handler';

/** What one contender has measured so far, slice after slice. */
class CostAccumulator {
  readonly counters = {
    producer: createRequestCounter(),
    eventSource: createRequestCounter(),
    worker: createRequestCounter(),
  };
  readonly durationsMs: number[] = [];
  jobs = 0;
  invocations = 0;
  enqueueMs = 0;
  drainMs = 0;
  logBytes = 0;
  logLines = 0;
  reportedUnits: number | undefined;
  succeeded = 0;
  duplicates = 0;
  failedItems = 0;

  constructor(readonly label: Contender) {}

  addDrain(jobs: number, drained: DrainResult): void {
    this.jobs += jobs;
    this.invocations += drained.invocations;
    this.durationsMs.push(...drained.durationsMs);
    this.drainMs += drained.wallMs;
    this.failedItems += drained.failedItems;
  }

  result(memoryMb: number): CostRun {
    const tallies = {
      producer: this.counters.producer.snapshot(),
      eventSource: this.counters.eventSource.snapshot(),
      worker: this.counters.worker.snapshot(),
    };
    const all = mergeTallies(tallies.producer, tallies.eventSource, tallies.worker);
    const sqs = tallyTotals(all, 'SQS');
    const dynamodb = tallyTotals(all, 'DynamoDB');
    const billedMs = billedMilliseconds(this.durationsMs);
    const usage: JobUsage = {
      sqsRequests: sqs.billedRequests / this.jobs,
      lambdaInvocations: this.invocations / this.jobs,
      lambdaGbSeconds: gbSeconds(billedMs, memoryMb) / this.jobs,
      writeUnits: dynamodb.writeUnits / this.jobs,
      readUnits: dynamodb.readUnits / this.jobs,
    };
    const logBytesPerJob = this.logBytes / this.jobs;
    return {
      label: this.label,
      jobs: this.jobs,
      tallies,
      usage,
      cost: costPerMillionJobs(usage),
      invocations: this.invocations,
      billedMsPerInvocation: billedMs / Math.max(1, this.invocations),
      enqueueMs: this.enqueueMs,
      drainMs: this.drainMs,
      logBytesPerJob,
      logLinesPerJob: this.logLines / this.jobs,
      logCostPerMillionJobs: logCostPerMillionJobs(logBytesPerJob),
      ...(this.reportedUnits === undefined ? {} : { reportedCapacityUnits: this.reportedUnits }),
      succeeded: this.succeeded,
      duplicates: this.duplicates,
      failedItems: this.failedItems,
    };
  }
}

const counted = (emulators: BenchEmulators, counter: RequestCounter) =>
  emulators.countedClients(counter);

/** One slice of lambda-jobs: enqueueMany, then drain through the real worker. */
async function sliceRuntime(
  acc: CostAccumulator,
  options: CostOptions,
  config: LambdaJobsConfig,
  jobs: number,
): Promise<void> {
  const { emulators, progress } = options;
  const resources = await emulators.provision(config, `cost-${acc.label}`);
  try {
    const onConsumedCapacity = (units: number) => {
      acc.reportedUnits = (acc.reportedUnits ?? 0) + units;
    };
    const producer = createAwsJobRuntime({
      registry: benchRegistry,
      config,
      env: resources.env,
      ...counted(emulators, acc.counters.producer),
      onConsumedCapacity,
    });
    const enqueueStarted = performance.now();
    await enqueueTrivialJobs(producer.client, jobs);
    acc.enqueueMs += performance.now() - enqueueStarted;
    const { worker, recorder } = createBenchWorker({
      config,
      env: resources.env,
      ...counted(emulators, acc.counters.worker),
      onConsumedCapacity,
    });
    const queueArn = await resources.queueArn(BENCH_QUEUE);
    const capture = captureStdout();
    try {
      const drained = await drainQueue({
        label: `cost/${acc.label}`,
        sqs: counted(emulators, acc.counters.eventSource).sqs,
        queueUrl: resources.queues[BENCH_QUEUE]!.url,
        queueArn,
        handler: worker.handler,
        expected: jobs,
        queue: config.queues[BENCH_QUEUE]!,
        progress,
      });
      acc.addDrain(jobs, drained);
    } finally {
      capture.restore();
    }
    acc.logBytes += capture.bytes();
    acc.logLines += capture.lines();
    const outcomes = recorder.outcomes();
    acc.succeeded += outcomes.succeeded ?? 0;
    acc.duplicates += outcomes.duplicate ?? 0;
  } finally {
    await resources.dispose();
  }
}

/** One slice of the minimum handler: SendMessageBatch, then drain. */
async function sliceMinimum(
  acc: CostAccumulator,
  options: CostOptions,
  config: LambdaJobsConfig,
  jobs: number,
): Promise<void> {
  const { emulators, progress } = options;
  const resources = await emulators.provision(config, 'cost-minimum');
  try {
    const tableName = await resources.createPlainTable('minimum', 'id');
    const enqueueStarted = performance.now();
    await sendBodies(
      counted(emulators, acc.counters.producer).sqs,
      resources.queues[BENCH_QUEUE]!.url,
      trivialEnvelopeBodies(jobs),
    );
    acc.enqueueMs += performance.now() - enqueueStarted;
    const drained = await drainQueue({
      label: 'cost/minimum',
      sqs: counted(emulators, acc.counters.eventSource).sqs,
      queueUrl: resources.queues[BENCH_QUEUE]!.url,
      queueArn: await resources.queueArn(BENCH_QUEUE),
      handler: createMinimumHandler({
        dynamodb: counted(emulators, acc.counters.worker).dynamodb,
        tableName,
      }),
      expected: jobs,
      queue: config.queues[BENCH_QUEUE]!,
      progress,
    });
    acc.addDrain(jobs, drained);
    acc.succeeded += drained.messagesDeleted;
  } finally {
    await resources.dispose();
  }
}

/**
 * Benchmark 1: runs `jobs` trivial jobs end to end (enqueueMany → SQS → local event source →
 * the real worker → DynamoDB) for each result-tracking level, and as many through the minimum
 * handler; counts every AWS request and DynamoDB capacity unit; converts per-job usage to
 * dollars per million jobs; compares each level with the physical minimum. The jobs run in
 * slices with the contenders taking turns, so a busy spell on a shared machine lands on all of
 * them alike (it only moves the measured Lambda durations; requests and units are exact).
 *
 * @example
 * ```ts
 * const result = await runCostBenchmark({ emulators, jobs: 10_000, progress });
 * ```
 */
export async function runCostBenchmark(options: CostOptions): Promise<CostResult> {
  const configs = {
    full: benchConfig('full'),
    minimal: benchConfig('minimal'),
    'minimum-handler': benchConfig('minimal'),
  } as const;
  const slice = (acc: CostAccumulator, jobs: number, opts: CostOptions = options) =>
    acc.label === 'minimum-handler'
      ? sliceMinimum(acc, opts, configs[acc.label], jobs)
      : sliceRuntime(acc, opts, configs[acc.label], jobs);

  // Warm the JIT, the SDK clients and DynamoDB Local's JVM first (not measured).
  const warmUpJobs = Math.min(500, options.jobs);
  options.progress(`cost: warming up with ${warmUpJobs} jobs per contender (not measured)`);
  for (const label of ['full', 'minimal', 'minimum-handler'] as const) {
    await slice(new CostAccumulator(label), warmUpJobs, { ...options, progress: () => {} });
  }

  const contenders = [
    new CostAccumulator('full'),
    new CostAccumulator('minimal'),
    new CostAccumulator('minimum-handler'),
  ];
  const slices = costSlices(options.jobs);
  for (let i = 0; i < slices; i++) {
    const sliceJobs = Math.floor(options.jobs / slices) + (i < options.jobs % slices ? 1 : 0);
    for (const acc of contenders) {
      options.progress(
        `cost slice ${i + 1}/${slices}: ${sliceJobs.toLocaleString('en-US')} jobs through ${acc.label}`,
      );
      await slice(acc, sliceJobs);
    }
  }

  const queue = configs['minimum-handler'].queues[BENCH_QUEUE]!;
  const runs = contenders.map((acc) => acc.result(queue.functionMemoryMb));
  // The floor's compute is the minimum handler's measured duration, unless noise made a
  // lambda-jobs run faster than it: the floor is then at most that.
  const billedMsPerInvocation = Math.min(...runs.map((run) => run.billedMsPerInvocation));
  const minimumFor = (tracking: TrackingLevel): PhysicalMinimum => {
    const assumptions: MinimumAssumptions = {
      batchSize: Math.min(10, queue.batchSize),
      writeUnitsPerJob: MINIMUM_WRITE_UNITS[tracking],
      billedMsPerInvocation,
      memoryMb: queue.functionMemoryMb,
    };
    const usage = physicalMinimumUsage(assumptions);
    return { assumptions, usage, cost: costPerMillionJobs(usage) };
  };
  const minimums = { full: minimumFor('full'), minimal: minimumFor('minimal') };
  const capacityReported = runs.some((run) => {
    const all = mergeTallies(run.tallies.producer, run.tallies.eventSource, run.tallies.worker);
    return Object.values(all).some((entry) => entry.capacityUnits > 0);
  });
  return {
    jobs: options.jobs,
    slices,
    memoryMb: queue.functionMemoryMb,
    runs,
    minimums,
    checks: (['full', 'minimal'] as const).map((tracking) => ({
      label: tracking,
      check: checkRatio(
        runs.find((run) => run.label === tracking)!.cost.total,
        minimums[tracking].cost.total,
        'at-most',
        COST_GOAL_RATIO,
      ),
    })),
    capacityReported,
    resend: resendPrice(Math.min(10, queue.batchSize)),
  };
}
