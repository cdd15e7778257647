import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { TABLE_SCHEMA } from '../config/table-schema.ts';
import { jobsEnvironment } from './function-environment.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobTable } from './job-table.ts';

/**
 * What a producer may write to the job table, by partition-key prefix (config/table-schema.ts):
 * `JOB#<id>`, the QUEUED record (tracking `full`), and `KEY#<key>`, a concurrency key, each
 * only with the attribute names enqueue writes. IAM cannot check values nor force a condition,
 * so the worker trusts nothing in a record without the `trusted` attribute, which no producer
 * may write (docs/producer-rights.md).
 */
const PRODUCER_WRITES = [
  { keyPattern: 'JOB#*', attributes: TABLE_SCHEMA.producerAttributes.jobRecord },
  { keyPattern: 'KEY#*', attributes: TABLE_SCHEMA.producerAttributes.concurrencyKey },
] as const;

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
 * (which covers SendMessageBatch) on the job queues, not their DLQs; and `dynamodb:PutItem` on
 * the job table, in two statements: items whose key starts with `JOB#` carrying only the QUEUED
 * record's attribute names, and items whose key starts with `KEY#` carrying only a concurrency
 * key's; never with `ReturnValues` (which would read the item it replaces). No DeleteItem (a
 * key whose message was not sent is given back by a PutItem that leaves it expired), no
 * reads, no updates; the worker-only attribute `trusted` is not among the names.
 *
 * @example
 * ```ts
 * grantEnqueue({ queues, table, queueUrlsJson }, apiHandler);
 * ```
 */
export function grantEnqueue(target: EnqueueTarget, grantee: IGrantable): void {
  grantSendToQueues(target.queues, grantee);
  for (const { keyPattern, attributes } of PRODUCER_WRITES) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [target.table.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keyPattern] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
  }
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
