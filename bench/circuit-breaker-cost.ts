import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../packages/lambda-jobs/src/config/define-config.ts';
import { createAwsJobRuntime } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { BENCH_QUEUE, benchConfig, benchRegistry, trivialJob } from './bench-jobs.ts';
import { createBenchWorker, enqueueTrivialJobs } from './bench-worker.ts';
import type { BenchEmulators } from './emulators.ts';
import { drainQueue, type Progress } from './pipeline.ts';
import { US_EAST_1_PRICES } from './prices.ts';
import { createRequestCounter, type RequestTally } from './request-counter.ts';
import { captureStdout } from './stdout-capture.ts';

/** What the handler's own requests cost per job, by kind (the circuit adds DynamoDB reads and writes). */
export interface HandlerRequestsPerJob {
  /** Every DynamoDB request of the handler, per job. */
  readonly dynamodbRequests: number;
  /** GetItem requests per job (the circuit's state reads, eventually consistent: 0.5 RRU each). */
  readonly getItem: number;
  /** UpdateItem requests per job (the circuit's counter ADDs: 1 WRU each, the item < 1 KB). */
  readonly updateItem: number;
  /** BatchGetItem requests per job (judgements: only after a failure; none for jobs that succeed). */
  readonly batchGetItem: number;
  readonly sqsRequests: number;
}

/** The circuit breaker's added cost per job: the same jobs with it off and on. */
export interface CircuitBreakerCost {
  readonly jobs: number;
  readonly batchSize: number;
  readonly off: HandlerRequestsPerJob;
  readonly on: HandlerRequestsPerJob;
  /** On minus off. */
  readonly added: HandlerRequestsPerJob;
  /** The added read and write units per job, priced from the added requests. */
  readonly addedReadUnits: number;
  readonly addedWriteUnits: number;
  /** Added dollars per million jobs (DynamoDB on-demand, us-east-1). */
  readonly usdPerMillion: number;
}

/** Options for {@link measureCircuitBreakerCost}. */
export interface CircuitBreakerCostOptions {
  readonly emulators: BenchEmulators;
  readonly jobs: number;
  readonly progress: Progress;
}

/** The bench config with a circuit breaker (every default) on the trivial job's type. */
function circuitConfig(): LambdaJobsConfig {
  const base = benchConfig('full');
  return defineConfig({
    appName: base.appName,
    queues: { [BENCH_QUEUE]: {} },
    tracking: 'full',
    circuitBreakers: { [trivialJob.type]: {} },
  });
}

function perJob(tally: RequestTally, jobs: number): HandlerRequestsPerJob {
  const requests = (key: string) => (tally[key]?.requests ?? 0) / jobs;
  const service = (name: string) =>
    Object.values(tally)
      .filter((entry) => entry.service === name)
      .reduce((sum, entry) => sum + entry.requests, 0) / jobs;
  return {
    dynamodbRequests: service('DynamoDB'),
    getItem: requests('DynamoDB.GetItem'),
    updateItem: requests('DynamoDB.UpdateItem'),
    batchGetItem: requests('DynamoDB.BatchGetItem'),
    sqsRequests: service('SQS'),
  };
}

/** Runs `jobs` trivial jobs through the real worker with `config`; the handler's requests per job. */
async function handlerRequests(
  options: CircuitBreakerCostOptions,
  config: LambdaJobsConfig,
  label: string,
): Promise<HandlerRequestsPerJob> {
  const { emulators, jobs, progress } = options;
  const resources = await emulators.provision(config, `circuit-${label}`);
  try {
    const producer = createAwsJobRuntime({
      registry: benchRegistry,
      config,
      env: resources.env,
      ...emulators.countedClients(createRequestCounter()),
    });
    await enqueueTrivialJobs(producer.client, jobs);
    const counter = createRequestCounter();
    const { handler } = createBenchWorker({
      config,
      env: resources.env,
      ...emulators.countedClients(counter),
    });
    const capture = captureStdout();
    try {
      await drainQueue({
        label: `circuit breaker ${label}`,
        sqs: emulators.countedClients(createRequestCounter()).sqs,
        queueUrl: resources.queues[BENCH_QUEUE]!.url,
        queueArn: await resources.queueArn(BENCH_QUEUE),
        handler,
        expected: jobs,
        queue: config.queues[BENCH_QUEUE]!,
        progress,
      });
    } finally {
      capture.restore();
    }
    return perJob(counter.snapshot(), jobs);
  } finally {
    await resources.dispose();
  }
}

/**
 * The circuit breaker's cost per job (`docs/circuit-breaker.md`): the same trivial jobs through
 * the real worker with no circuit breaker, then with one on their type, counting the handler's
 * own requests. Off, the worker makes no circuit request at all; on, the state read (one GetItem
 * per container every 2 s) and one counter ADD per invocation, none per job.
 *
 * @example
 * ```ts
 * const circuit = await measureCircuitBreakerCost({ emulators, jobs: 2000, progress });
 * circuit.added.updateItem; // ≈ 1 / batch size
 * ```
 */
export async function measureCircuitBreakerCost(
  options: CircuitBreakerCostOptions,
): Promise<CircuitBreakerCost> {
  options.progress(`cost: circuit breaker off and on, ${options.jobs} jobs each`);
  const off = await handlerRequests(options, benchConfig('full'), 'off');
  const on = await handlerRequests(options, circuitConfig(), 'on');
  const added: HandlerRequestsPerJob = {
    dynamodbRequests: on.dynamodbRequests - off.dynamodbRequests,
    getItem: on.getItem - off.getItem,
    updateItem: on.updateItem - off.updateItem,
    batchGetItem: on.batchGetItem - off.batchGetItem,
    sqsRequests: on.sqsRequests - off.sqsRequests,
  };
  // Each counter item < 1 KB (1 WRU per ADD); the state item < 4 KB, read eventually consistent.
  const addedWriteUnits = added.updateItem;
  const addedReadUnits = added.getItem * 0.5 + added.batchGetItem * 32 * 0.5;
  return {
    jobs: options.jobs,
    batchSize: Math.min(10, benchConfig('full').queues[BENCH_QUEUE]!.batchSize),
    off,
    on,
    added,
    addedReadUnits,
    addedWriteUnits,
    usdPerMillion:
      (addedWriteUnits * US_EAST_1_PRICES.dynamoDbWriteRequestUnit.usd +
        addedReadUnits * US_EAST_1_PRICES.dynamoDbReadRequestUnit.usd) *
      1_000_000,
  };
}
