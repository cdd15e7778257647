import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConfigError } from '../../../config/config-error.ts';
import type { LambdaJobsConfig } from '../../../config/config-types.ts';
import { DEFAULTS } from '../../../config/defaults.ts';
import {
  ENV,
  type QueueEndpoints,
  readEnv,
  readOptionalEnv,
  readQueueUrls,
} from '../../../config/env.ts';
import { LARGE_PAYLOAD_DEFAULTS } from '../../../config/large-payloads.ts';
import { metricIdentity } from '../../../config/metric-names.ts';
import { createDispatcher, type Dispatcher } from '../../dispatcher.ts';
import { createJobClient, type JobClient } from '../../job-client.ts';
import { jobConfigProblems } from '../../job-config-checks.ts';
import { createJobMetrics, type JobMetricsRecorder } from '../../observability/job-metrics.ts';
import type { PayloadSource } from '../../payload-fetch.ts';
import type {
  ConcurrencyKeyStore,
  DelayedDelivery,
  JobStore,
  PayloadStore,
  QueueTransport,
} from '../../ports.ts';
import type { JobRegistry } from '../../registry.ts';
import { indexShardsOf } from '../../status-index-shard.ts';
import { unlistedStatuses } from '../../tracking-level.ts';
import { createConfiguredCircuitBreaker } from './configured-circuit-breaker.ts';
import { delayedDeliveryFromEnv } from './delayed-delivery-from-env.ts';
import { createDynamoDbConcurrencyKeys } from './dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from './dynamodb-job-store.ts';
import { createS3PayloadStore } from './s3-payload-store.ts';
import { createDynamoDbClient, createSqsClient } from './sdk-clients.ts';
import { createSqsQueueTransport } from './sqs-queue-transport.ts';

/** The wired-up pieces one process uses: clients, stores and the enqueue client. */
export interface AwsJobRuntime {
  readonly client: JobClient;
  readonly store: JobStore;
  readonly keys: ConcurrencyKeyStore;
  readonly transport: QueueTransport;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  readonly tableName: string;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Long delays (EventBridge Scheduler, or dev mode's), when configured. */
  readonly delayedDelivery?: DelayedDelivery | undefined;
  /**
   * The payload bucket (LAMBDA_JOBS_PAYLOAD_BUCKET) and the size limit: where payloads that
   * travel by reference are read.
   */
  readonly payloads: PayloadSource;
}

export interface AwsJobRuntimeOptions {
  readonly registry: JobRegistry;
  readonly config: LambdaJobsConfig;
  /** Where table and queue URLs are read from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly sqs?: SQSClient;
  readonly dynamodb?: DynamoDBClient;
  /**
   * Long delays and `runAt`. Default: EventBridge Scheduler when LAMBDA_JOBS_SCHEDULER_GROUP is
   * set (`JobSchedules.bindLongDelays`), otherwise none (delays beyond 900 s are refused).
   */
  readonly delayedDelivery?: DelayedDelivery;
  readonly onConsumedCapacity?: (units: number) => void;
  /** Reports failing `onAborted` hooks of cancelled jobs. */
  readonly logger?: Logger;
}

/**
 * Builds the runtime from the environment the stack (or dev mode) sets. Endpoints come from
 * the SDK's own `AWS_ENDPOINT_URL_*` variables, so the same code serves AWS and the emulators.
 *
 * @example
 * ```ts
 * const { client } = createAwsJobRuntime({ registry, config });
 * await client.enqueue(webhook, { url, body: {} });
 * ```
 */
export function createAwsJobRuntime(options: AwsJobRuntimeOptions): AwsJobRuntime {
  const env = options.env ?? process.env;
  const tableName = readEnv(ENV.tableName, env);
  const queues = readQueueUrls(env);
  const sqs = options.sqs ?? createSqsClient();
  const dynamodb = options.dynamodb ?? createDynamoDbClient();
  const capacity = options.onConsumedCapacity
    ? { onConsumedCapacity: options.onConsumedCapacity }
    : {};
  const store = createDynamoDbJobStore({
    client: dynamodb,
    tableName,
    retentionSeconds: options.config.resultsRetentionSeconds,
    unlistedStatuses: unlistedStatuses(options.config.tracking),
    indexShards: indexShardsOf(options.config, DEFAULTS.indexShards),
    ...capacity,
  });
  const keys = createDynamoDbConcurrencyKeys({ client: dynamodb, tableName, ...capacity });
  const transport = createSqsQueueTransport(sqs);
  const delayedDelivery = options.delayedDelivery ?? delayedDeliveryFromEnv(env);
  const payloads = payloadStoreOf(options.config, env);
  const client = createJobClient({
    registry: options.registry,
    queues,
    transport,
    store,
    keys,
    tracking: options.config.tracking,
    queueTimeouts: Object.fromEntries(
      Object.entries(options.config.queues).map(([name, queue]) => [
        name,
        queue.functionTimeoutSeconds,
      ]),
    ),
    ...(delayedDelivery ? { delayedDelivery } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.config.largePayloads?.enabled
      ? {
          largePayloads: {
            store: payloads.store,
            thresholdBytes: options.config.largePayloads.thresholdBytes,
            maxBytes: payloads.maxBytes,
            maxDelaySeconds: options.config.largePayloads.maxDelaySeconds,
          },
        }
      : {}),
  });
  return {
    client,
    store,
    keys,
    transport,
    queues,
    tableName,
    sqs,
    dynamodb,
    delayedDelivery,
    payloads,
  };
}

/**
 * The payload bucket the stack (or dev mode) names in LAMBDA_JOBS_PAYLOAD_BUCKET, and the size
 * limit. The S3 client inside is loaded on the first large payload only.
 */
function payloadStoreOf(
  config: LambdaJobsConfig,
  env: NodeJS.ProcessEnv,
): { store: PayloadStore | undefined; maxBytes: number } {
  const bucket = readOptionalEnv(ENV.payloadBucket, env);
  return {
    store: bucket ? createS3PayloadStore(bucket) : undefined,
    maxBytes: config.largePayloads?.maxBytes ?? LARGE_PAYLOAD_DEFAULTS.maxBytes,
  };
}

export interface WorkerOptions extends AwsJobRuntimeOptions {
  /** The queue this worker serves. Default: env LAMBDA_JOBS_WORKER_QUEUE. */
  readonly queueName?: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Replaces the EMF recorder (tests, benchmarks). */
  readonly metricsRecorder?: JobMetricsRecorder;
  /** Passed to the dispatcher (tests shorten it). */
  readonly deadlineMarginMs?: number;
  /** Passed to the dispatcher (tests lengthen it, so that grouping never depends on timing). */
  readonly outcomeLingerMs?: number;
  /** Passed to the dispatcher (tests shorten it). */
  readonly progressIntervalMs?: number;
  /** How long the worker trusts the circuit state it read, ms (tests use 0). Default 2,000. */
  readonly circuitStateCacheMs?: number;
  /** Longest an invocation waits for its circuit writes, ms (tests lengthen it). Default 1,000. */
  readonly circuitFlushBudgetMs?: number;
}

/**
 * Builds a worker for one queue at cold start: checks the job definitions against the config
 * (a misfit throws ConfigError naming the job, the value and the rule) and wires the dispatcher.
 */
export interface Worker extends Dispatcher {
  /** The Lambda handler: `export const handler = worker.handler`. */
  readonly handler: (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;
  readonly runtime: AwsJobRuntime;
}

export function createWorker(options: WorkerOptions): Worker {
  const env = options.env ?? process.env;
  const problems = jobConfigProblems(options.registry, options.config);
  if (problems.length > 0) throw new ConfigError(problems);
  const runtime = createAwsJobRuntime(options);
  const queueName = options.queueName ?? readEnv(ENV.workerQueue, env);
  const endpoints = runtime.queues[queueName];
  const queueConfig = options.config.queues[queueName];
  if (!endpoints || !queueConfig) {
    throw new ConfigError([
      {
        field: `env.${ENV.workerQueue}`,
        value: queueName,
        rule: `must name a configured queue with URLs in ${ENV.queueUrls} (${Object.keys(runtime.queues).join(', ')})`,
      },
    ]);
  }
  const { namespace, service } = metricIdentity(options.config.appName, env);
  const logger = options.logger ?? new Logger({ serviceName: service });
  const metrics = options.metrics ?? new Metrics({ namespace, serviceName: service });
  const recorder = options.metricsRecorder ?? createJobMetrics(metrics);
  const circuits = createConfiguredCircuitBreaker({
    config: options.config,
    client: runtime.dynamodb,
    tableName: runtime.tableName,
    queue: queueName,
    logger,
    metrics: recorder,
    ...(options.circuitStateCacheMs === undefined
      ? {}
      : { stateCacheMs: options.circuitStateCacheMs }),
    ...(options.circuitFlushBudgetMs === undefined
      ? {}
      : { flushBudgetMs: options.circuitFlushBudgetMs }),
  });
  const dispatcher = createDispatcher({
    registry: options.registry,
    queue: { name: queueName, url: endpoints.url, dlqUrl: endpoints.dlqUrl },
    transport: runtime.transport,
    store: runtime.store,
    keys: runtime.keys,
    logger,
    metrics: recorder,
    ...(circuits ? { circuits } : {}),
    ...(options.deadlineMarginMs !== undefined
      ? { deadlineMarginMs: options.deadlineMarginMs }
      : {}),
    ...(options.outcomeLingerMs !== undefined ? { outcomeLingerMs: options.outcomeLingerMs } : {}),
    ...(options.progressIntervalMs !== undefined
      ? { progressIntervalMs: options.progressIntervalMs }
      : {}),
    lostGraceMs: options.config.monitor.lostGraceSeconds * 1000,
    recordConcurrency: Math.min(queueConfig.batchSize, 10),
    maxReceiveCount: queueConfig.maxReceiveCount,
    functionTimeoutMs: queueConfig.functionTimeoutSeconds * 1000,
    payloads: runtime.payloads,
    ...(runtime.delayedDelivery ? { delayedDelivery: runtime.delayedDelivery } : {}),
  });
  return {
    dispatchBatch: dispatcher.dispatchBatch,
    handler: (event, context) => dispatcher.dispatchBatch(event.Records, context),
    runtime,
  };
}
