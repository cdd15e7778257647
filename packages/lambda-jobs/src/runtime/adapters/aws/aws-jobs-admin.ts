import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../../../config/config-types.ts';
import { metricIdentity } from '../../../config/metric-names.ts';
import type { QueueSampleSource } from '../../admin/admin-ports.ts';
import { createJobsAdmin, type JobsAdminService } from '../../admin/jobs-admin-service.ts';
import type { OutcomeCountSource } from '../../admin/outcome-counts.ts';
import type { OldestAgeSource } from '../../monitor/monitor-ports.ts';
import type { DelayedDelivery } from '../../ports.ts';
import type { JobRegistry } from '../../registry.ts';
import { createAwsJobRuntime } from './aws-job-runtime.ts';
import { createCloudWatchOldestAgeSource } from './cloudwatch-oldest-age.ts';
import { createCloudWatchOutcomeCountSource } from './cloudwatch-outcome-counts.ts';
import { createCloudWatchQueueSampleSource } from './cloudwatch-queue-samples.ts';
import { createSqsQueueDepthSource } from './queue-stats-sqs.ts';
import { createSqsQueueAdmin } from './sqs-queue-admin.ts';

/** Options for {@link createAwsJobsAdmin}. */
export interface AwsJobsAdminOptions {
  readonly registry: JobRegistry;
  readonly config: LambdaJobsConfig;
  /** LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS of the target. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly sqs?: SQSClient;
  readonly dynamodb?: DynamoDBClient;
  /**
   * A deployed stack: oldest ages (AWS/SQS) and samples (the monitor's metrics) are read from
   * CloudWatch unless `oldestAge` / `samples` replace them. Without it (dev mode) they are
   * absent unless given.
   */
  readonly cloudwatch?: CloudWatchClient;
  readonly oldestAge?: OldestAgeSource;
  readonly samples?: QueueSampleSource;
  /** Jobs finished per queue and outcome: dev mode's counter; default the workers' CloudWatch metrics. */
  readonly outcomes?: OutcomeCountSource;
  readonly delayedDelivery?: DelayedDelivery;
  /** For cancelled jobs' `onAborted` hooks. Default the client's (a Powertools Logger). */
  readonly logger?: Logger;
  /** See `createSqsQueueAdmin`. Default 1 (AWS); 0 suits the emulator. */
  readonly receiveWaitSeconds?: number;
}

/**
 * The admin wired to SQS and DynamoDB (AWS or the emulators, by the clients' endpoints), for
 * the CLI, the dashboard and dev mode.
 *
 * @example
 * ```ts
 * // dev mode
 * const admin = createAwsJobsAdmin({ registry, config, sqs, dynamodb, receiveWaitSeconds: 0,
 *   oldestAge: createEmulatorOldestAgeSource({ endpoint }), samples: devSamples });
 * // a deployed stack
 * const admin = createAwsJobsAdmin({ registry, config, env, cloudwatch: new CloudWatchClient({}) });
 * ```
 */
export function createAwsJobsAdmin(options: AwsJobsAdminOptions): JobsAdminService {
  const runtime = createAwsJobRuntime({
    registry: options.registry,
    config: options.config,
    ...(options.env ? { env: options.env } : {}),
    ...(options.sqs ? { sqs: options.sqs } : {}),
    ...(options.dynamodb ? { dynamodb: options.dynamodb } : {}),
    ...(options.delayedDelivery ? { delayedDelivery: options.delayedDelivery } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { client } = runtime;
  const { namespace, service } = metricIdentity(options.config.appName, options.env ?? {});
  const oldestAge =
    options.oldestAge ??
    (options.cloudwatch
      ? createCloudWatchOldestAgeSource({ client: options.cloudwatch })
      : undefined);
  const samples =
    options.samples ??
    (options.cloudwatch
      ? createCloudWatchQueueSampleSource({
          client: options.cloudwatch,
          namespace,
          service,
          queues: Object.keys(runtime.queues),
        })
      : undefined);
  const outcomes =
    options.outcomes ??
    (options.cloudwatch
      ? createCloudWatchOutcomeCountSource({
          client: options.cloudwatch,
          namespace,
          service,
          queues: Object.keys(runtime.queues),
        })
      : undefined);
  return createJobsAdmin({
    config: options.config,
    registry: options.registry,
    queues: runtime.queues,
    store: runtime.store,
    transport: runtime.transport,
    keys: runtime.keys,
    client,
    messages: createSqsQueueAdmin(runtime.sqs, {
      ...(options.receiveWaitSeconds !== undefined
        ? { receiveWaitSeconds: options.receiveWaitSeconds }
        : {}),
    }),
    depth: createSqsQueueDepthSource(runtime.sqs),
    ...(oldestAge ? { oldestAge } : {}),
    ...(samples ? { samples } : {}),
    ...(outcomes ? { outcomes } : {}),
  });
}
