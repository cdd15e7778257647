import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { jobsEnvironment } from './function-environment.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobTable } from './job-table.ts';

/**
 * Partition-key prefixes a producer writes (config/table-schema.ts): `JOB#<id>` for the QUEUED
 * record (tracking `full`) and `KEY#<key>` for concurrency keys.
 */
const PRODUCER_KEY_PATTERNS = ['JOB#*', 'KEY#*'] as const;

/** What a producer enqueues into. */
export interface EnqueueTarget {
  readonly queues: readonly JobQueue[];
  readonly table: JobTable;
  /** The JSON LAMBDA_JOBS_QUEUE_URLS holds (tokens resolved at deploy time). */
  readonly queueUrlsJson: string;
}

/**
 * Allows `grantee` to send to every job queue (not to their DLQs): `sqs:SendMessage`, which
 * also covers SendMessageBatch.
 *
 * @example
 * ```ts
 * grantSendToQueues(queues, worker); // jobs may enqueue jobs on any queue
 * ```
 */
export function grantSendToQueues(queues: readonly JobQueue[], grantee: IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: queues.map((q) => q.queue.queueArn),
    }),
  );
}

/**
 * Allows `grantee` to enqueue to every configured queue and nothing more: `sqs:SendMessage`
 * (which covers SendMessageBatch) on the job queues, not their DLQs; and `PutItem` /
 * `DeleteItem` on the job table, only on items whose key starts with `JOB#` or `KEY#` (the
 * QUEUED record and the concurrency key, released again if the send fails). No reads, no
 * updates of records the workers own.
 *
 * @example
 * ```ts
 * grantEnqueue({ queues, table, queueUrlsJson }, apiHandler);
 * ```
 */
export function grantEnqueue(target: EnqueueTarget, grantee: IGrantable): void {
  grantSendToQueues(target.queues, grantee);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [target.table.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...PRODUCER_KEY_PATTERNS] },
      },
    }),
  );
}

/**
 * {@link grantEnqueue} plus the environment the job client reads (LAMBDA_JOBS_TABLE,
 * LAMBDA_JOBS_QUEUE_URLS), in one call: the function can `createJobClient(...)` and enqueue.
 *
 * @example
 * ```ts
 * bindEnqueue({ queues, table, queueUrlsJson }, checkoutFunction);
 * ```
 */
export function bindEnqueue(target: EnqueueTarget, fn: LambdaFunction): void {
  grantEnqueue(target, fn);
  for (const [name, value] of Object.entries(
    jobsEnvironment(target.table.table.tableName, target.queueUrlsJson),
  )) {
    fn.addEnvironment(name, value);
  }
}
