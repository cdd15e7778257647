import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { ENV } from '../packages/lambda-jobs/src/config/env.ts';
import { createInvocationTagger } from '../packages/lambda-jobs/src/handlers/invocation-log-keys.ts';
import {
  createWorker,
  type Worker,
} from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import type { JobClient } from '../packages/lambda-jobs/src/runtime/job-client.ts';
import {
  createJobMetrics,
  type JobMetricsRecorder,
  type JobOutcome,
} from '../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';
import { BENCH_QUEUE, benchRegistry, paddedPayload, trivialJob } from './bench-jobs.ts';

/** A metrics recorder that also counts outcomes, to check every job ran exactly once. */
export interface CountingRecorder extends JobMetricsRecorder {
  outcomes(): Readonly<Partial<Record<JobOutcome, number>>>;
}

/**
 * Wraps the worker's EMF recorder (kept, so its output costs what it costs in Lambda) and
 * counts outcomes.
 *
 * @example
 * ```ts
 * const recorder = countingRecorder(createJobMetrics(metrics));
 * recorder.outcomes().succeeded;
 * ```
 */
export function countingRecorder(inner: JobMetricsRecorder): CountingRecorder {
  const counts: Partial<Record<JobOutcome, number>> = {};
  return {
    record(event) {
      counts[event.outcome] = (counts[event.outcome] ?? 0) + 1;
      inner.record(event);
    },
    flush: () => inner.flush(),
    outcomes: () => ({ ...counts }),
  };
}

/** Options for {@link createBenchWorker}. */
export interface BenchWorkerOptions {
  readonly config: LambdaJobsConfig;
  /** LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS. */
  readonly env: NodeJS.ProcessEnv;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly onConsumedCapacity?: (units: number) => void;
}

/**
 * The real worker (`createWorker`, as the reference app's worker builds it) for the bench queue,
 * logging at INFO (the stack's default) and writing EMF metrics, on the given clients. Its
 * `handler` adds the invocation's context to every log line, as the deployed handler does, so
 * the lines are as long as in Lambda.
 *
 * @example
 * ```ts
 * const { handler, recorder } = createBenchWorker({ config, env, sqs, dynamodb });
 * ```
 */
export function createBenchWorker(options: BenchWorkerOptions): {
  worker: Worker;
  handler: Worker['handler'];
  recorder: CountingRecorder;
} {
  const logger = new Logger({ serviceName: 'bench', logLevel: 'INFO' });
  const recorder = countingRecorder(
    createJobMetrics(new Metrics({ namespace: 'bench', serviceName: 'bench' })),
  );
  const worker = createWorker({
    registry: benchRegistry,
    config: options.config,
    env: { ...options.env, [ENV.workerQueue]: BENCH_QUEUE },
    queueName: BENCH_QUEUE,
    sqs: options.sqs,
    dynamodb: options.dynamodb,
    logger,
    metricsRecorder: recorder,
    ...(options.onConsumedCapacity ? { onConsumedCapacity: options.onConsumedCapacity } : {}),
  });
  const tag = createInvocationTagger(logger);
  const handler: Worker['handler'] = (event, context) => {
    tag(context);
    return worker.handler(event, context);
  };
  return { worker, handler, recorder };
}

/**
 * Enqueues `count` trivial jobs with `enqueueMany` (SendMessageBatch, 10 per request), in
 * chunks of 100 from `concurrency` producers at once, payloads padded to `payloadBytes`.
 * Throws unless every job was enqueued.
 *
 * @example
 * ```ts
 * await enqueueTrivialJobs(runtime.client, 10_000);
 * ```
 */
export async function enqueueTrivialJobs(
  client: JobClient,
  count: number,
  payloadBytes = 0,
  concurrency = 8,
): Promise<void> {
  let next = 0;
  let enqueued = 0;
  const lane = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + 100);
      const entries = Array.from({ length: next - start }, (_, i) => ({
        payload: paddedPayload(start + i, payloadBytes),
      }));
      const outcomes = await client.enqueueMany(trivialJob, entries);
      for (const outcome of outcomes) {
        if (outcome.status !== 'enqueued') {
          throw new Error(
            `enqueueMany: entry ${outcome.index} ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.error.message}` : ''}`,
          );
        }
        enqueued += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (enqueued !== count) throw new Error(`enqueued ${enqueued} of ${count} jobs`);
}
