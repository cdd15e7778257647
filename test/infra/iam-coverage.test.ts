import path from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { CfnManagedPolicy, CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../packages/lambda-jobs/src/cdk/job-queue.ts';
import type { LambdaJobs } from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { type SynthesizedStack, synthesizeStack, testConfig } from './infra-fixtures.ts';
import {
  grantedActions,
  isAllowed,
  managedPolicyStatements,
  type RequestContext,
  roleStatements,
  type TemplateStatement,
} from './policy-evaluation.ts';
import { iamActionsOf, type SdkOperation, sdkOperationsOf } from './sdk-operations.ts';

/**
 * Every AWS call a deployed function (or an operator's CLI) can make is allowed by its role,
 * on the resource it touches. The calls are derived from the code (each entry bundled as the
 * stack bundles it, the SDK commands that survive tree-shaking), never from a list kept by
 * hand, so a new call without a grant fails here, not with AccessDenied on AWS.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKER_SECRET = 'shop/webhook-signing';
const SLACK_SECRET = 'shop/slack-webhook';

/** Who makes the calls: each deployed function, and an operator running the CLI. */
type Caller =
  | { readonly kind: 'worker'; readonly queue: JobQueue }
  | { readonly kind: 'monitor' }
  | { readonly kind: 'notifier' }
  | { readonly kind: 'operator' };

/** One resource an action must be allowed on, and the request's condition values. */
interface Required {
  readonly resource: unknown;
  readonly context?: RequestContext;
}

let synth: SynthesizedStack;
let operations: Record<'worker' | 'monitor' | 'notifier' | 'operator', SdkOperation[]>;

beforeAll(async () => {
  synth = synthesizeStack({
    config: testConfig((input) => ({
      ...input,
      alerting: { emails: [], slackWebhookSecretName: SLACK_SECRET },
      largePayloads: { enabled: true },
    })),
    workerSecretNames: [WORKER_SECRET],
  });
  const [worker, monitor, notifier, operator] = await Promise.all([
    sdkOperationsOf(synth.jobs.entries.worker),
    sdkOperationsOf(synth.jobs.entries.monitor),
    sdkOperationsOf(synth.jobs.entries.notifier),
    // `lambda-jobs dev` talks only to the local emulators, never with the operator's role.
    sdkOperationsOf(path.join(ROOT, 'packages/lambda-jobs/src/cli/main.ts'), {
      leaveOut: /\/commands\/dev\.ts$/,
    }),
  ]);
  operations = { worker, monitor, notifier, operator };
}, 60_000);

function resolve(value: unknown): unknown {
  return synth.stack.resolve(value);
}

function secretArn(stack: Stack, name: string): unknown {
  return resolve(
    stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${name}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
}

/**
 * The resources each action of a caller touches. An action with no rule here fails the test:
 * whoever adds a call decides which resource it touches, and grants exactly that.
 */
function requiredFor(stack: LambdaJobs, caller: Caller, action: string): Required[] | undefined {
  const all = (arns: readonly string[]) => arns.map((arn) => ({ resource: resolve(arn) }));
  const queues = stack.queues.map((q) => q.queue.queueArn);
  const dlqs = stack.queues.map((q) => q.deadLetterQueue.queueArn);
  const schedules = Stack.of(stack).formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: `${stack.schedules.delayedGroup.scheduleGroupName}/*`,
  });
  // The byQueueStatus index only: it lists the jobs and, for the monitor's orphaned-key sweep,
  // the concurrency keys too (partitions KEYS#<shard>).
  if (action === 'dynamodb:Query') return all([stack.table.indexArn]);
  if (action.startsWith('dynamodb:')) return all([stack.table.table.tableArn]);
  if (action === 'scheduler:CreateSchedule' || action === 'scheduler:DeleteSchedule') {
    return all([schedules]);
  }
  if (action === 'iam:PassRole') {
    return [
      {
        resource: resolve(stack.schedules.role.roleArn),
        context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
      },
    ];
  }
  if (action === 's3:GetObject' || action === 's3:PutObject') {
    // The payload objects (`payloads/*`), never the rest of the bucket nor another bucket.
    return all([stack.payloads!.objectsArn]);
  }
  if (action === 'secretsmanager:GetSecretValue') {
    // Job code (run by workers, onAborted hooks run by the monitor's rescue and by `jobs
    // cancel`) reads the worker secrets; the notifier reads the Slack webhook.
    const name = caller.kind === 'notifier' ? SLACK_SECRET : WORKER_SECRET;
    return [{ resource: secretArn(Stack.of(stack), name) }];
  }
  switch (caller.kind) {
    case 'worker': {
      const own = caller.queue;
      if (action === 'sqs:SendMessage') {
        // Jobs enqueue jobs on every queue; a job out of attempts goes to its own DLQ.
        return all([...queues, own.deadLetterQueue.queueArn]);
      }
      if (action === 'sqs:ChangeMessageVisibility') return all([own.queue.queueArn]);
      return undefined;
    }
    case 'monitor':
      if (action === 'sqs:GetQueueAttributes') return all([...queues, ...dlqs]);
      // The lost-job rescue sends a lost attempt's envelope back to its queue, or the last
      // attempt's to that queue's DLQ (any queue's jobs can be lost).
      if (action === 'sqs:SendMessage') return all([...queues, ...dlqs]);
      // The dead-letter intake pass reads what SQS's redrive moved, on every queue's intake.
      if (action === 'sqs:ReceiveMessage' || action === 'sqs:DeleteMessage') {
        return all(stack.queues.map((q) => q.deadLetterIntake.queueArn));
      }
      if (action === 'cloudwatch:GetMetricData') return [{ resource: '*' }];
      // A paused queue is not stalled: the monitor reads the workers' event source mappings.
      if (action === 'lambda:ListEventSourceMappings') return [{ resource: '*' }];
      return undefined;
    case 'notifier':
      return undefined;
    case 'operator':
      if (action === 'sqs:GetQueueAttributes') return all([...queues, ...dlqs]);
      // enqueue, jobs retry and dlq redrive send to the job queues.
      if (action === 'sqs:SendMessage') return all(queues);
      // dlq ls / redrive / purge work on the DLQs only.
      if (
        action === 'sqs:ReceiveMessage' ||
        action === 'sqs:DeleteMessage' ||
        action === 'sqs:ChangeMessageVisibility' ||
        action === 'sqs:PurgeQueue'
      ) {
        return all(dlqs);
      }
      if (action === 'cloudformation:DescribeStacks') return all([Stack.of(stack).stackId]);
      // queues pause|resume disable and enable the workers' own event source mappings.
      if (action === 'lambda:UpdateEventSourceMapping') {
        return all(stack.queues.map((q) => q.eventSourceMappingArn));
      }
      // No resource-level permissions for these reads (AWS service authorization reference).
      if (
        action === 'cloudwatch:GetMetricData' ||
        action === 'cloudwatch:DescribeAlarms' ||
        action === 'lambda:ListEventSourceMappings'
      ) {
        return [{ resource: '*' }];
      }
      return undefined;
  }
}

/** Each derived action the statements do not allow on the resource it touches. */
function denials(
  caller: Caller,
  derived: readonly SdkOperation[],
  statements: readonly TemplateStatement[],
): string[] {
  const problems: string[] = [];
  for (const op of derived) {
    for (const action of op.actions) {
      const required = requiredFor(synth.jobs, caller, action);
      if (required === undefined) {
        problems.push(
          `${op.command} needs ${action}: no resource rule for a ${caller.kind} in iam-coverage.test.ts`,
        );
        continue;
      }
      for (const { resource, context } of required) {
        if (!isAllowed(statements, action, resource, context)) {
          problems.push(`${op.command} needs ${action} on ${JSON.stringify(resource)}`);
        }
      }
    }
  }
  return [...new Set(problems)];
}

/** The environment variables the stack sets on a queue's worker, resolved. */
function findWorkerEnvironment(queue: JobQueue): Record<string, unknown> {
  const fn = synth.template.toJSON().Resources[
    synth.stack.getLogicalId(queue.worker.function.node.defaultChild as CfnFunction)
  ] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return fn.Properties.Environment.Variables;
}

function roleId(role: IRole): string {
  return synth.stack.getLogicalId(role.node.defaultChild as CfnRole);
}

/**
 * Actions granted to a function role for the Lambda service itself rather than for the code:
 * writing its logs, and (workers) polling the queue for the event source mapping.
 */
function platformAction(caller: Caller, action: string): boolean {
  if (action.startsWith('logs:')) return true;
  return (
    caller.kind === 'worker' &&
    [
      'sqs:ReceiveMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueUrl',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
    ].includes(action)
  );
}

describe('IAM covers every AWS call the code can make', () => {
  it('derives the calls from the bundles (the worker writes, the monitor reads metrics and re-sends)', () => {
    expect(iamActionsOf(operations.worker)).toEqual(
      expect.arrayContaining([
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'sqs:SendMessage',
        'scheduler:CreateSchedule',
      ]),
    );
    expect(iamActionsOf(operations.monitor)).toEqual(
      expect.arrayContaining([
        'cloudwatch:GetMetricData',
        'lambda:ListEventSourceMappings',
        'sqs:GetQueueAttributes',
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
      ]),
    );
    // Large payloads: workers read and put objects, the monitor's onAborted hooks only read.
    expect(iamActionsOf(operations.worker)).toEqual(
      expect.arrayContaining(['s3:GetObject', 's3:PutObject']),
    );
    expect(iamActionsOf(operations.monitor)).toContain('s3:GetObject');
    expect(iamActionsOf(operations.monitor)).not.toContain('s3:PutObject');
    expect(iamActionsOf(operations.notifier)).toEqual(['secretsmanager:GetSecretValue']);
    expect(iamActionsOf(operations.operator)).toEqual(
      expect.arrayContaining(['cloudformation:DescribeStacks', 'sqs:PurgeQueue']),
    );
  });

  it('allows each worker every call its code can make, on its own resources', () => {
    for (const queue of synth.jobs.queues) {
      const statements = roleStatements(synth.template, roleId(queue.worker.role));
      expect(denials({ kind: 'worker', queue }, operations.worker, statements), queue.name).toEqual(
        [],
      );
    }
  });

  it('allows the monitor every call its code can make', () => {
    const statements = roleStatements(synth.template, roleId(synth.jobs.monitor.monitor.role));
    expect(denials({ kind: 'monitor' }, operations.monitor, statements)).toEqual([]);
  });

  it('allows the Slack notifier every call its code can make', () => {
    const notifier = synth.jobs.slack.notifier!;
    const statements = roleStatements(synth.template, roleId(notifier.role));
    expect(denials({ kind: 'notifier' }, operations.notifier, statements)).toEqual([]);
  });

  it('allows an operator holding the operator policy every call the CLI can make', () => {
    const statements = managedPolicyStatements(
      synth.template,
      synth.stack.getLogicalId(synth.jobs.operatorPolicy.node.defaultChild as CfnManagedPolicy),
    );
    expect(denials({ kind: 'operator' }, operations.operator, statements)).toEqual([]);
  });

  it('allows the role one-time schedules run as to send to every job queue and to the delayed-failures queue, never a job DLQ', () => {
    // Prepare: what the scheduler adapter names in CreateSchedule, read from the worker's
    // environment (Target.RoleArn, Target.Arn, DeadLetterConfig.Arn).
    const { jobs: stack, template } = synth;
    const statements = roleStatements(template, roleId(stack.schedules.role));
    const worker = findWorkerEnvironment(stack.queues[0]!);

    // Act
    const deadLetterArn = worker[ENV.schedulerDeadLetterArn];
    const passedRole = worker[ENV.schedulerRoleArn];

    // Assess
    expect(deadLetterArn).toEqual(resolve(stack.schedules.delayedFailures.queueArn));
    expect(passedRole).toEqual(resolve(stack.schedules.role.roleArn));
    expect(isAllowed(statements, 'sqs:SendMessage', deadLetterArn)).toBe(true);
    for (const queue of stack.queues) {
      expect(isAllowed(statements, 'sqs:SendMessage', resolve(queue.queue.queueArn))).toBe(true);
      expect(
        isAllowed(statements, 'sqs:SendMessage', resolve(queue.deadLetterQueue.queueArn)),
      ).toBe(false);
    }
  });

  it('grants no function an action its code never calls', () => {
    const callers: [Caller, IRole, SdkOperation[]][] = [
      ...synth.jobs.queues.map((queue): [Caller, IRole, SdkOperation[]] => [
        { kind: 'worker', queue },
        queue.worker.role,
        operations.worker,
      ]),
      [{ kind: 'monitor' }, synth.jobs.monitor.monitor.role, operations.monitor],
      [{ kind: 'notifier' }, synth.jobs.slack.notifier!.role, operations.notifier],
    ];
    for (const [caller, role, derived] of callers) {
      const used = new Set(iamActionsOf(derived));
      const unused = grantedActions(roleStatements(synth.template, roleId(role))).filter(
        (action) => !used.has(action) && !platformAction(caller, action),
      );
      expect(unused, caller.kind).toEqual([]);
    }
  });
});
