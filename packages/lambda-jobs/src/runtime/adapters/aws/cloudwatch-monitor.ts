import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../../../config/config-types.ts';
import { DEFAULTS } from '../../../config/defaults.ts';
import {
  ENV,
  readDeadLetterIntakeUrls,
  readEnv,
  readOptionalEnv,
  readQueueUrls,
} from '../../../config/env.ts';
import { metricIdentity } from '../../../config/metric-names.ts';
import { createMonitor, type Monitor } from '../../monitor/create-monitor.ts';
import { createEmfMetricsSink } from '../../monitor/emf-metrics-sink.ts';
import type {
  CompletionSource,
  OldestAgeSource,
  PausedQueueSource,
} from '../../monitor/monitor-ports.ts';
import { createOrphanKeySweep } from '../../monitor/orphan-key-sweep.ts';
import type { JobRegistry } from '../../registry.ts';
import { indexShardsOf } from '../../status-index-shard.ts';
import { unlistedStatuses } from '../../tracking-level.ts';
import { createCloudWatchCompletionSource } from './cloudwatch-completions.ts';
import { createSharedMetricDataReader } from './cloudwatch-metric-data.ts';
import { createCloudWatchOldestAgeSource } from './cloudwatch-oldest-age.ts';
import { createDynamoDbConcurrencyKeyIndex } from './dynamodb-concurrency-key-index.ts';
import { createDynamoDbConcurrencyKeys } from './dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from './dynamodb-job-store.ts';
import { createLambdaPausedQueues } from './lambda-paused-queues.ts';
import { payloadReaderFromEnv } from './payload-source-from-env.ts';
import { createSqsQueueDepthSource } from './queue-stats-sqs.ts';
import { createDynamoDbMonitorStateStore } from './queue-stats-state-dynamodb.ts';
import { createDynamoDbClient, createSqsClient } from './sdk-clients.ts';
import { createSqsDeadLetterIntake } from './sqs-dead-letter-intake.ts';
import { createSqsMessageSender } from './sqs-message-sender.ts';

/** Options for {@link createAwsMonitor}; everything but config and registry has a default. */
export interface AwsMonitorOptions {
  readonly config: LambdaJobsConfig;
  /** For the `onAborted` hooks of lost jobs. */
  readonly registry: JobRegistry;
  /** Where the table, queue URLs, namespace and service are read from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly sqs?: SQSClient;
  readonly dynamodb?: DynamoDBClient;
  readonly cloudwatch?: CloudWatchClient;
  /** Replaces CloudWatch's ApproximateAgeOfOldestMessage (dev mode: the emulator's inspect API). */
  readonly oldestAge?: OldestAgeSource;
  /** Replaces the CloudWatch reads of the worker metrics (dev mode: `local/dev-completion-counter.ts`). */
  readonly completions?: CompletionSource;
  /**
   * Replaces the workers' event source mappings as the source of paused queues. Default: read
   * with Lambda ListEventSourceMappings when LAMBDA_JOBS_WORKER_FUNCTION_PREFIX is set.
   */
  readonly paused?: PausedQueueSource;
  readonly now?: () => Date;
}

/**
 * The monitor as deployed: SQS GetQueueAttributes for depth, CloudWatch GetMetricData for
 * oldest age (AWS/SQS) and completions (the worker's JobsSucceeded + JobsErrored), the job
 * table for state and lost-job rescue, the dead-letter intakes (when LAMBDA_JOBS_DEAD_LETTER_INTAKES is `on`;
 * SQS ReceiveMessage and DeleteMessage), EMF for metrics. Reads LAMBDA_JOBS_TABLE and
 * LAMBDA_JOBS_QUEUE_URLS (failing at cold start with the variable's name), the metrics
 * namespace from POWERTOOLS_METRICS_NAMESPACE (default: the app name) and the `service`
 * dimension from POWERTOOLS_SERVICE_NAME (default: the app name). Endpoints come from the
 * SDK's AWS_ENDPOINT_URL_* variables.
 *
 * Dev mode builds the same monitor against the emulators, swapping the two CloudWatch reads:
 * `createAwsMonitor({ config, registry, env, oldestAge: createEmulatorOldestAgeSource({ endpoint }),
 * completions: createDevCompletionCounter() })`.
 *
 * @example
 * ```ts
 * const monitor = createAwsMonitor({ config, registry });
 * export const handler = () => monitor.run();
 * ```
 */
export function createAwsMonitor(options: AwsMonitorOptions): Monitor {
  const { config } = options;
  const env = options.env ?? process.env;
  const tableName = readEnv(ENV.tableName, env);
  const queueUrls = readQueueUrls(env);
  const { namespace, service } = metricIdentity(config.appName, env);
  const sqs = options.sqs ?? createSqsClient(env);
  const dynamodb = options.dynamodb ?? createDynamoDbClient();
  const cloudwatch = options.cloudwatch ?? new CloudWatchClient({});
  // One GetMetricData reader for both CloudWatch reads: ceil(all queries / 500) requests a run.
  const reader = createSharedMetricDataReader(cloudwatch);
  const logger = options.logger ?? new Logger({ serviceName: service });
  const metrics = options.metrics ?? new Metrics({ namespace, serviceName: service });
  const store = createDynamoDbJobStore({
    client: dynamodb,
    tableName,
    retentionSeconds: config.resultsRetentionSeconds,
    unlistedStatuses: unlistedStatuses(config.tracking),
    indexShards: indexShardsOf(config, DEFAULTS.indexShards),
  });
  const keys = createDynamoDbConcurrencyKeys({ client: dynamodb, tableName });
  const sender = createSqsMessageSender(sqs);
  const paused = options.paused ?? pausedFromMappings(Object.keys(config.queues), env);
  return createMonitor({
    config,
    queueUrls,
    depth: createSqsQueueDepthSource(sqs),
    oldestAge: options.oldestAge ?? createCloudWatchOldestAgeSource({ client: cloudwatch, reader }),
    completions:
      options.completions ??
      createCloudWatchCompletionSource({ client: cloudwatch, namespace, service, reader }),
    state: createDynamoDbMonitorStateStore({ client: dynamodb, tableName }),
    ...(paused ? { paused } : {}),
    metrics: createEmfMetricsSink(metrics),
    rescue: {
      store,
      keys,
      registry: options.registry,
      transport: sender,
      payloads: payloadReaderFromEnv(config, env),
    },
    deadLetterIntake: {
      urls: readDeadLetterIntakeUrls(queueUrls, env),
      intake: createSqsDeadLetterIntake(sqs),
      store,
      keys,
      transport: sender,
    },
    orphanKeys: createOrphanKeySweep({
      index: createDynamoDbConcurrencyKeyIndex({ client: dynamodb, tableName }),
      store,
      tracking: config.tracking,
    }),
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
}

/** Paused queues from the workers' event source mappings, when the stack names the workers. */
function pausedFromMappings(
  queues: readonly string[],
  env: NodeJS.ProcessEnv,
): PausedQueueSource | undefined {
  const prefix = readOptionalEnv(ENV.workerFunctionPrefix, env);
  if (!prefix) return undefined;
  return createLambdaPausedQueues({
    client: new LambdaClient({}),
    workerFunctions: Object.fromEntries(queues.map((queue) => [queue, `${prefix}${queue}`])),
  });
}
