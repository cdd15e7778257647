import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { DEFAULTS } from '../packages/lambda-jobs/src/config/defaults.ts';
import {
  LARGE_PAYLOAD_DEFAULTS,
  payloadExpiryDays,
} from '../packages/lambda-jobs/src/config/large-payloads.ts';
import { createAwsJobRuntime } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import type { TrackingLevel } from '../packages/lambda-jobs/src/runtime/tracking-level.ts';
import { BENCH_QUEUE, benchConfig, benchRegistry, trivialEnvelopeBodies } from './bench-jobs.ts';
import { createBenchWorker, enqueueTrivialJobs } from './bench-worker.ts';
import { type CircuitBreakerCost, measureCircuitBreakerCost } from './circuit-breaker-cost.ts';
import {
  billedMilliseconds,
  type CostPerMillionJobs,
  checkRatio,
  costPerMillionJobs,
  costSlices,
  type GoalCheck,
  type GroupingPrice,
  gbSeconds,
  groupingPrice,
  type JobUsage,
  LAMBDA_PLATFORM_LOG_BYTES,
  type LargePayloadPrice,
  largePayloadPrice,
  MINIMUM_WRITE_UNITS,
  type MinimumAssumptions,
  physicalMinimumUsage,
  type ResendPrice,
  type Retention,
  resendPrice,
} from './cost-model.ts';
import type { BenchEmulators } from './emulators.ts';
import { createMinimumHandler, MINIMUM_TTL_ATTRIBUTE } from './minimum-handler.ts';
import { type DrainResult, drainQueue, type Progress, sendBodies } from './pipeline.ts';
import {
  createRequestCounter,
  mergeTallies,
  type RequestCounter,
  type RequestTally,
  tallyTotals,
} from './request-counter.ts';
import { captureStdout } from './stdout-capture.ts';
import { storedBytesPerJob } from './stored-bytes.ts';

/** The payload size the claim check is priced at beside the measured ones: 1 MiB. */
const LARGE_PAYLOAD_PRICED_BYTES = 1_048_576;

/** The goal: at most this many times the physical minimum's cost. */
export const COST_GOAL_RATIO = 1.15;

/** Jobs run with the circuit breaker off and on (its cost is requests, exact at any count). */
const CIRCUIT_BREAKER_JOBS = 2000;

/** The goal: Node CPU per job at most this many times the minimum handler's. */
export const CPU_GOAL_RATIO = 1.0;

/**
 * How long records and logs are kept: the shipped defaults (`JOBS_RESULTS_RETENTION`, and the
 * construct's `logRetention` of one month).
 */
export const DEFAULT_RETENTION: Retention = {
  recordDays: DEFAULTS.resultsRetentionSeconds / 86_400,
  logDays: 30,
};

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
  /** Bytes of payload JSON per job. */
  readonly payloadBytes: number;
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
  /** Mean bytes of one message body sent. */
  readonly messageBytes: number;
  /** Bytes the job's records and index entries occupy in DynamoDB afterwards (with overhead). */
  readonly storedBytesPerJob: number;
  /** CPU time of this Node process (event source and handler) per job while draining, µs. */
  readonly cpuMicrosPerJob: number;
  /** Sum of what the runtime reported through `onConsumedCapacity` (a cross-check). */
  readonly reportedCapacityUnits?: number;
  readonly succeeded: number;
  readonly duplicates: number;
  readonly failedItems: number;
}

/** The contenders at one payload size, and the floor beside each tracking level. */
export interface CostAtSize {
  readonly payloadBytes: number;
  readonly runs: readonly CostRun[];
  /** The physical minimum for each tracking level's guarantees. */
  readonly minimums: Readonly<Record<TrackingLevel, PhysicalMinimum>>;
  /** Each tracking level's cost against its floor (goal {@link COST_GOAL_RATIO}). */
  readonly checks: readonly { readonly label: TrackingLevel; readonly check: GoalCheck }[];
  /** Each tracking level's Node CPU per job against the minimum handler's. */
  readonly cpuChecks: readonly { readonly label: TrackingLevel; readonly check: GoalCheck }[];
}

/** Everything the cost benchmark found. */
export interface CostResult {
  /** Jobs per contender at each payload size. */
  readonly jobs: number;
  /** The jobs ran in this many slices, contenders taking turns (see runCostBenchmark). */
  readonly slices: number;
  readonly memoryMb: number;
  readonly retention: Retention;
  readonly sizes: readonly CostAtSize[];
  /** Whether DynamoDB Local reported consumed capacity (else units were computed from sizes). */
  readonly capacityReported: boolean;
  /** What each retry or deferral adds (the measured jobs succeed at once; this is priced). */
  readonly resend: ResendPrice;
  /**
   * What a job whose payload goes through S3 adds (priced, not measured: the measured jobs are
   * small): at 1 MiB with the default lifecycle, and zero at the measured sizes (under the
   * threshold, or `largePayloads` off).
   */
  readonly largePayload: readonly LargePayloadPrice[];
  /** What a FIFO queue and a fair-queue tenant add per job (priced on the measured requests). */
  readonly grouping: GroupingPrice;
  /** What a circuit breaker on the job type adds per job (zero when off). */
  readonly circuitBreaker: CircuitBreakerCost;
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
  /** Jobs per contender at each payload size. */
  readonly jobs: number;
  readonly progress: Progress;
  /** Payload sizes to run at, bytes of payload JSON. */
  readonly payloadSizes: readonly number[];
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
  messageBytes = 0;
  storedBytes = 0;
  cpuMicros = 0;
  reportedUnits: number | undefined;
  succeeded = 0;
  duplicates = 0;
  failedItems = 0;

  constructor(
    readonly label: Contender,
    readonly payloadBytes: number,
  ) {}

  addDrain(jobs: number, drained: DrainResult, cpuMicros: number, storedBytesPerJob: number): void {
    this.jobs += jobs;
    this.cpuMicros += cpuMicros;
    this.storedBytes += storedBytesPerJob * jobs;
    this.invocations += drained.invocations;
    this.durationsMs.push(...drained.durationsMs);
    this.drainMs += drained.wallMs;
    this.failedItems += drained.failedItems;
  }

  result(memoryMb: number, retention: Retention): CostRun {
    const tallies = {
      producer: this.counters.producer.snapshot(),
      eventSource: this.counters.eventSource.snapshot(),
      worker: this.counters.worker.snapshot(),
    };
    const all = mergeTallies(tallies.producer, tallies.eventSource, tallies.worker);
    const sqs = tallyTotals(all, 'SQS');
    const dynamodb = tallyTotals(all, 'DynamoDB');
    const billedMs = billedMilliseconds(this.durationsMs);
    const logBytesPerJob = this.logBytes / this.jobs;
    const usage: JobUsage = {
      sqsRequests: sqs.billedRequests / this.jobs,
      lambdaInvocations: this.invocations / this.jobs,
      lambdaGbSeconds: gbSeconds(billedMs, memoryMb) / this.jobs,
      writeUnits: dynamodb.writeUnits / this.jobs,
      readUnits: dynamodb.readUnits / this.jobs,
      logBytes: logBytesPerJob + (LAMBDA_PLATFORM_LOG_BYTES * this.invocations) / this.jobs,
      storedBytes: this.storedBytes / this.jobs,
    };
    return {
      label: this.label,
      payloadBytes: this.payloadBytes,
      jobs: this.jobs,
      tallies,
      usage,
      cost: costPerMillionJobs(usage, retention),
      invocations: this.invocations,
      billedMsPerInvocation: billedMs / Math.max(1, this.invocations),
      enqueueMs: this.enqueueMs,
      drainMs: this.drainMs,
      logBytesPerJob,
      logLinesPerJob: this.logLines / this.jobs,
      messageBytes: this.messageBytes / this.jobs,
      storedBytesPerJob: this.storedBytes / this.jobs,
      cpuMicrosPerJob: this.cpuMicros / this.jobs,
      ...(this.reportedUnits === undefined ? {} : { reportedCapacityUnits: this.reportedUnits }),
      succeeded: this.succeeded,
      duplicates: this.duplicates,
      failedItems: this.failedItems,
    };
  }
}

const counted = (emulators: BenchEmulators, counter: RequestCounter) =>
  emulators.countedClients(counter);

/** Drains while measuring this process's CPU time (event source and handler), µs. */
async function drainMeasuringCpu(
  drain: () => Promise<DrainResult>,
): Promise<{ drained: DrainResult; cpuMicros: number }> {
  const before = process.cpuUsage();
  const drained = await drain();
  const used = process.cpuUsage(before);
  return { drained, cpuMicros: used.user + used.system };
}

/** Mean bytes of the message bodies a slice sends (the same envelopes for every contender). */
const meanBodyBytes = (bodies: readonly string[]) =>
  bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0) / Math.max(1, bodies.length);

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
    await enqueueTrivialJobs(producer.client, jobs, acc.payloadBytes);
    acc.enqueueMs += performance.now() - enqueueStarted;
    acc.messageBytes += meanBodyBytes(trivialEnvelopeBodies(1, acc.payloadBytes)) * jobs;
    const { handler, recorder } = createBenchWorker({
      config,
      env: resources.env,
      ...counted(emulators, acc.counters.worker),
      onConsumedCapacity,
    });
    const queueArn = await resources.queueArn(BENCH_QUEUE);
    const capture = captureStdout();
    let measured: Awaited<ReturnType<typeof drainMeasuringCpu>>;
    try {
      measured = await drainMeasuringCpu(() =>
        drainQueue({
          label: `cost/${acc.label}/${acc.payloadBytes} B`,
          sqs: counted(emulators, acc.counters.eventSource).sqs,
          queueUrl: resources.queues[BENCH_QUEUE]!.url,
          queueArn,
          handler,
          expected: jobs,
          queue: config.queues[BENCH_QUEUE]!,
          progress,
        }),
      );
    } finally {
      capture.restore();
    }
    const stored = await storedBytesPerJob(emulators.setup.dynamodb, resources.tableName, jobs);
    acc.addDrain(jobs, measured.drained, measured.cpuMicros, stored);
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
    const tableName = await resources.createPlainTable('minimum', 'id', MINIMUM_TTL_ATTRIBUTE);
    const bodies = trivialEnvelopeBodies(jobs, acc.payloadBytes);
    const enqueueStarted = performance.now();
    await sendBodies(
      counted(emulators, acc.counters.producer).sqs,
      resources.queues[BENCH_QUEUE]!.url,
      bodies,
    );
    acc.enqueueMs += performance.now() - enqueueStarted;
    acc.messageBytes += meanBodyBytes(bodies) * jobs;
    const { drained, cpuMicros } = await drainMeasuringCpu(async () =>
      drainQueue({
        label: `cost/minimum/${acc.payloadBytes} B`,
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
      }),
    );
    const stored = await storedBytesPerJob(emulators.setup.dynamodb, tableName, jobs);
    acc.addDrain(jobs, drained, cpuMicros, stored);
    acc.succeeded += drained.messagesDeleted;
  } finally {
    await resources.dispose();
  }
}

const CONFIGS = {
  full: benchConfig('full'),
  minimal: benchConfig('minimal'),
  'minimum-handler': benchConfig('minimal'),
} as const;

const TRACKING_LEVELS = ['full', 'minimal'] as const satisfies readonly TrackingLevel[];

/** Runs one slice of `acc`'s contender. */
const runSlice = (acc: CostAccumulator, options: CostOptions, jobs: number) =>
  acc.label === 'minimum-handler'
    ? sliceMinimum(acc, options, CONFIGS[acc.label], jobs)
    : sliceRuntime(acc, options, CONFIGS[acc.label], jobs);

/**
 * The floor for each tracking level at this payload size. Its compute is the minimum handler's
 * measured duration, unless noise made a lambda-jobs run faster: the floor is then at most
 * that. Its messages are the minimum handler's (the same envelopes); its records hold no
 * payload: the minimum handler's item for `minimal`, and one index entry as large for `full`.
 */
function floorsAt(runs: readonly CostRun[], memoryMb: number, retention: Retention) {
  const queue = CONFIGS['minimum-handler'].queues[BENCH_QUEUE]!;
  const minimum = runs.find((run) => run.label === 'minimum-handler')!;
  const billedMsPerInvocation = Math.min(...runs.map((run) => run.billedMsPerInvocation));
  const floorFor = (tracking: TrackingLevel): PhysicalMinimum => {
    const assumptions: MinimumAssumptions = {
      batchSize: Math.min(10, queue.batchSize),
      messageBytes: minimum.messageBytes,
      writeUnitsPerJob: MINIMUM_WRITE_UNITS[tracking],
      billedMsPerInvocation,
      memoryMb,
      storedBytes: minimum.storedBytesPerJob * (tracking === 'full' ? 2 : 1),
    };
    const usage = physicalMinimumUsage(assumptions);
    return { assumptions, usage, cost: costPerMillionJobs(usage, retention) };
  };
  return { full: floorFor('full'), minimal: floorFor('minimal') };
}

/** Runs every contender at one payload size, in slices taking turns. */
async function costAtSize(
  options: CostOptions,
  payloadBytes: number,
  retention: Retention,
): Promise<CostAtSize> {
  const contenders = (['full', 'minimal', 'minimum-handler'] as const).map(
    (label) => new CostAccumulator(label, payloadBytes),
  );
  const slices = costSlices(options.jobs);
  for (let i = 0; i < slices; i++) {
    const sliceJobs = Math.floor(options.jobs / slices) + (i < options.jobs % slices ? 1 : 0);
    for (const acc of contenders) {
      options.progress(
        `cost ${payloadBytes} B slice ${i + 1}/${slices}: ${sliceJobs.toLocaleString('en-US')} jobs through ${acc.label}`,
      );
      await runSlice(acc, options, sliceJobs);
    }
  }
  const memoryMb = CONFIGS['minimum-handler'].queues[BENCH_QUEUE]!.functionMemoryMb;
  const runs = contenders.map((acc) => acc.result(memoryMb, retention));
  const minimums = floorsAt(runs, memoryMb, retention);
  const run = (label: string) => runs.find((r) => r.label === label)!;
  const minimumCpu = run('minimum-handler').cpuMicrosPerJob;
  return {
    payloadBytes,
    runs,
    minimums,
    checks: TRACKING_LEVELS.map((label) => ({
      label,
      check: checkRatio(
        run(label).cost.total,
        minimums[label].cost.total,
        'at-most',
        COST_GOAL_RATIO,
      ),
    })),
    cpuChecks: TRACKING_LEVELS.map((label) => ({
      label,
      check: checkRatio(run(label).cpuMicrosPerJob, minimumCpu, 'at-most', CPU_GOAL_RATIO),
    })),
  };
}

/**
 * Benchmark 1: at each payload size, runs `jobs` trivial jobs end to end (enqueueMany → SQS →
 * local event source → the real worker → DynamoDB) for each result-tracking level, and as many
 * through the minimum handler; counts every AWS request and DynamoDB capacity unit, the log
 * bytes written, the bytes stored and this process's CPU; converts per-job usage to dollars
 * per million jobs; compares each level with the floor its guarantees need. The jobs run in
 * slices with the contenders taking turns, so a busy spell on a shared machine lands on all
 * of them alike (it only moves the measured durations and CPU; requests and units are exact).
 *
 * @example
 * ```ts
 * const result = await runCostBenchmark({ emulators, jobs: 10_000, payloadSizes: [100, 2048], progress });
 * ```
 */
export async function runCostBenchmark(options: CostOptions): Promise<CostResult> {
  const retention = DEFAULT_RETENTION;
  // Warm the JIT, the SDK clients and DynamoDB Local's JVM first (not measured).
  const warmUpJobs = Math.min(500, options.jobs);
  options.progress(`cost: warming up with ${warmUpJobs} jobs per contender (not measured)`);
  for (const label of ['full', 'minimal', 'minimum-handler'] as const) {
    await runSlice(new CostAccumulator(label, 0), { ...options, progress: () => {} }, warmUpJobs);
  }
  const sizes: CostAtSize[] = [];
  for (const payloadBytes of options.payloadSizes) {
    sizes.push(await costAtSize(options, payloadBytes, retention));
  }
  const capacityReported = sizes.some(({ runs }) =>
    runs.some((run) => {
      const all = mergeTallies(run.tallies.producer, run.tallies.eventSource, run.tallies.worker);
      return Object.values(all).some((entry) => entry.capacityUnits > 0);
    }),
  );
  const queue = CONFIGS['minimum-handler'].queues[BENCH_QUEUE]!;
  const circuitBreaker = await measureCircuitBreakerCost({
    emulators: options.emulators,
    jobs: Math.min(options.jobs, CIRCUIT_BREAKER_JOBS),
    progress: options.progress,
  });
  return {
    jobs: options.jobs,
    slices: costSlices(options.jobs),
    memoryMb: queue.functionMemoryMb,
    retention,
    sizes,
    capacityReported,
    resend: resendPrice(Math.min(10, queue.batchSize)),
    largePayload: [...options.payloadSizes, LARGE_PAYLOAD_PRICED_BYTES].map((bytes) =>
      largePayloadPrice(
        bytes,
        payloadExpiryDays(LARGE_PAYLOAD_DEFAULTS.maxDelaySeconds, DEFAULTS.resultsRetentionSeconds),
        LARGE_PAYLOAD_DEFAULTS.thresholdBytes,
      ),
    ),
    grouping: groupingPrice(
      sizes[0]?.runs.find((run) => run.label === 'full')?.usage.sqsRequests ?? 0,
    ),
    circuitBreaker,
  };
}
