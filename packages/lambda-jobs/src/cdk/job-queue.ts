import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DeduplicationScope,
  FifoThroughputLimit,
  Queue,
  QueueEncryption,
} from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueConfig } from '../config/config-types.ts';
import {
  DEAD_LETTER_INTAKE_VISIBILITY_SECONDS,
  deadLetterIntakeMaxReceiveCount,
} from '../config/defaults.ts';
import { ENV } from '../config/env.ts';
import type { LogLevel } from './function-environment.ts';
import type { JobTable } from './job-table.ts';
import { JobsFunction } from './jobs-function.ts';
import { MAX_MESSAGE_RETENTION_SECONDS } from './synth-checks.ts';

export interface JobQueueProps {
  /** The queue's resolved config: batching, concurrency, timeouts, retention, redrive. */
  readonly queue: QueueConfig;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** Where SQS's own redrive moves the queue's messages (the monitor reconciles them). */
  readonly deadLetterIntakeName: string;
  readonly workerFunctionName: string;
  readonly workerEntry: string;
  readonly projectRoot: string;
  readonly appName: string;
  readonly table: JobTable;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  /** X-Ray active tracing on the function. Default off. */
  readonly xrayTracing?: boolean;
  /** A customer-managed key for the queue and its DLQ (`encryption.dataKey`). Default: SQS-managed. */
  readonly encryptionKey?: IKey | undefined;
}

/**
 * One configured queue: the SQS queue, its dead-letter intake, its dead-letter queue and its
 * worker.
 *
 * - All three queues are encrypted (SQS-managed keys, or the customer-managed `encryptionKey`)
 *   and refuse requests without TLS.
 * - SQS redrives a message to the dead-letter intake after `maxReceiveCount` receives: a safety
 *   net above the job's own retries, which the worker counts and dead-letters itself. The
 *   monitor reads the intake every run, reconciles each message with its job's record (ERRORED,
 *   key released, or dropped as a duplicate) and sends it on to the DLQ; what it cannot
 *   reconcile, the intake's own redrive moves to the DLQ (nothing is lost).
 * - The intake and the DLQ keep messages 14 days, longer than the source (a dead letter keeps
 *   its original enqueue time). The worker sends its own dead letters straight to the DLQ.
 * - The worker is a {@link JobsFunction} on `functions/worker.ts`, fed by an SQS event source
 *   with the configured batch size, batching window and maximum concurrency, and partial batch
 *   responses always on.
 * - The worker may consume its queue (receive, delete, change visibility), send to its DLQ and
 *   read and write job items (the stack adds sending to every queue: jobs enqueue jobs).
 *
 * @example
 * ```ts
 * const jobQueue = new JobQueue(this, 'QueueDefault', { queue: config.queues.default, … });
 * const dlqUrl = jobQueue.deadLetterQueue.queueUrl;
 * ```
 */
export class JobQueue extends Construct {
  readonly name: string;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Where SQS's own redrive moves this queue's messages; the monitor drains it to the DLQ. */
  readonly deadLetterIntake: Queue;
  readonly worker: JobsFunction;
  /** The worker's event source mapping from this queue (`queues pause|resume` disables and enables it). */
  readonly eventSourceMappingArn: string;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const { queue: config } = props;
    this.name = config.name;
    const encryption = {
      ...(props.encryptionKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      // FIFO: all three queues (config/fifo-queue-attributes.ts says why each setting).
      ...(config.fifo
        ? {
            fifo: true,
            contentBasedDeduplication: false,
            deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
            fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
          }
        : {}),
    };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      ...encryption,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(MAX_MESSAGE_RETENTION_SECONDS),
    });
    this.deadLetterIntake = new Queue(this, 'DeadLetterIntake', {
      queueName: props.deadLetterIntakeName,
      ...encryption,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(DEAD_LETTER_INTAKE_VISIBILITY_SECONDS),
      retentionPeriod: Duration.seconds(MAX_MESSAGE_RETENTION_SECONDS),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: deadLetterIntakeMaxReceiveCount(config.maxReceiveCount),
      },
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      ...encryption,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(config.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(config.messageRetentionSeconds),
      deadLetterQueue: { queue: this.deadLetterIntake, maxReceiveCount: config.maxReceiveCount },
    });
    this.worker = new JobsFunction(this, 'Worker', {
      entry: props.workerEntry,
      projectRoot: props.projectRoot,
      functionName: props.workerFunctionName,
      description: `lambda-jobs worker for queue "${config.name}"`,
      timeout: Duration.seconds(config.functionTimeoutSeconds),
      memorySize: config.functionMemoryMb,
      appName: props.appName,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      ...(props.xrayTracing ? { xrayTracing: true } : {}),
      environment: { [ENV.workerQueue]: config.name },
    });
    // Consume: receive, delete, change visibility (retry backoff), read attributes.
    const eventSource = new SqsEventSource(this.queue, {
      batchSize: config.batchSize,
      ...(config.batchingWindowSeconds > 0
        ? { maxBatchingWindow: Duration.seconds(config.batchingWindowSeconds) }
        : {}),
      // Provisioned mode or maximum concurrency: the mapping takes one or the other.
      ...(config.provisionedPollers
        ? {
            provisionedPollerConfig: {
              minimumPollers: config.provisionedPollers.minimumPollers,
              maximumPollers: config.provisionedPollers.maximumPollers,
            },
          }
        : { maxConcurrency: config.maxConcurrency }),
      reportBatchItemFailures: true,
    });
    this.worker.function.addEventSource(eventSource);
    this.eventSourceMappingArn = eventSource.eventSourceMappingArn;
    // A job that spends its last attempt (or a message that cannot be parsed) is moved to the
    // DLQ by the worker itself, with its ERRORED record.
    this.worker.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );
    props.table.grantJobAccess(this.worker.function);
    props.table.grantCircuitCounters(this.worker.function);
  }
}
