import { Stack, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { JobQueue } from './job-queue.ts';
import type { JobSchedules } from './job-schedules.ts';
import type { JobTable } from './job-table.ts';
import type { PayloadBucket } from './payload-bucket.ts';
import { readSecretsStatement } from './secret-access.ts';

export interface OperatorPolicyProps {
  readonly managedPolicyName: string;
  readonly queues: readonly JobQueue[];
  readonly table: JobTable;
  readonly schedules: JobSchedules;
  /** Secrets job code reads: `jobs cancel` runs the job's `onAborted` hook. */
  readonly workerSecretNames: readonly string[];
  /** The payload bucket (`largePayloads`): `enqueue` puts large payloads, `jobs cancel` reads them. */
  readonly payloads?: PayloadBucket | undefined;
}

/** Read-only calls that have no resource-level permissions in IAM: their resource is `*`. */
const UNSCOPED_READS = [
  'cloudwatch:DescribeAlarms',
  'cloudwatch:GetMetricData',
  'lambda:ListEventSourceMappings',
] as const;

/**
 * What an operator needs to run the `lambda-jobs` CLI against this stack (`--stack NAME`), as
 * a managed policy to attach to a user, group or role (`docs/operator-permissions.md`):
 *
 * - `cloudformation:DescribeStacks` on this stack (the CLI finds queues and table in its outputs);
 * - item reads and writes on the job table and queries on its index (`jobs ls|show|retry|cancel`);
 * - `sqs:GetQueueAttributes` on every queue and DLQ (`queues`, `doctor`), `sqs:SendMessage` on
 *   the job queues (`enqueue`, `jobs retry`, `dlq redrive`), and receive, delete, change
 *   visibility and purge on the DLQs only (`dlq redrive|retry|delete|purge`; `dlq ls` only counts);
 * - read and delete on the delayed-failures queue (its runbook, with the AWS CLI);
 * - alarms, metric data and event source mappings (`doctor`), which IAM scopes only as `*`;
 * - disabling and enabling the workers' event source mappings (`queues pause|resume`), on
 *   those mappings only;
 * - long delays (`enqueue --delay` beyond 15 minutes, `jobs cancel`) and the worker secrets;
 * - with `largePayloads`, `s3:PutObject` and `s3:GetObject` on the payload objects only
 *   (`enqueue` of a large payload; `jobs cancel` and `dlq ls` read one for `onAborted` and checks).
 *
 * `test/infra/iam-coverage.test.ts` checks it against the calls the CLI's code can make.
 *
 * @example
 * ```ts
 * new OperatorPolicy(this, 'Operator', { managedPolicyName: 'shop-operator', queues, table, schedules, workerSecretNames: [] });
 * ```
 */
export class OperatorPolicy extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorPolicyProps) {
    super(scope, id);
    const queues = props.queues.map((q) => q.queue.queueArn);
    const dlqs = props.queues.map((q) => q.deadLetterQueue.queueArn);
    const statements = [
      new PolicyStatement({
        actions: ['cloudformation:DescribeStacks'],
        resources: [Stack.of(this).stackId],
      }),
      new PolicyStatement({
        actions: props.table.itemActions,
        resources: [props.table.table.tableArn],
      }),
      // The CLI bundles the circuit-state adapter, whose counter read is one BatchGetItem: a
      // read the GetItem above already allows item by item.
      new PolicyStatement({
        actions: ['dynamodb:BatchGetItem'],
        resources: [props.table.table.tableArn],
      }),
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [props.table.indexArn] }),
      new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [...queues, ...dlqs] }),
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: queues }),
      new PolicyStatement({
        actions: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:PurgeQueue',
        ],
        resources: dlqs,
      }),
      // The delayed-failures runbook: read what a one-time schedule could not deliver, delete
      // it once handled (re-sending goes to a job queue, above).
      new PolicyStatement({
        actions: [
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
        ],
        resources: [props.schedules.delayedFailures.queueArn],
      }),
      new PolicyStatement({ actions: [...UNSCOPED_READS], resources: ['*'] }),
      // `queues pause|resume`: disable and enable the workers' own event source mappings only.
      new PolicyStatement({
        actions: ['lambda:UpdateEventSourceMapping'],
        resources: props.queues.map((q) => q.eventSourceMappingArn),
      }),
      ...props.schedules.longDelayStatements(),
    ];
    if (props.payloads) {
      statements.push(
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [props.payloads.objectsArn],
        }),
      );
    }
    const secrets = readSecretsStatement(this, props.workerSecretNames);
    if (secrets) statements.push(secrets);
    this.policy = new ManagedPolicy(this, 'Policy', {
      managedPolicyName: props.managedPolicyName,
      description: 'Runs the lambda-jobs CLI against this stack',
      statements,
    });
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${UNSCOPED_READS.join(', ')} have no resource-level permissions; AWS requires Resource "*". They are read-only and the only actions granted on "*".`,
    });
    props.schedules.acknowledgeLongDelayWildcard(this.policy);
    props.payloads?.acknowledgePayloadWildcard(this.policy);
  }
}
