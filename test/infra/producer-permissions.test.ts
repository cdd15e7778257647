import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { LambdaJobs } from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { createAwsJobRuntime } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createSchedulerDelayedDelivery } from '../../packages/lambda-jobs/src/runtime/adapters/aws/scheduler-delayed-delivery.ts';
import { createSqsClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { attributeText } from '../support/attribute-text.ts';
import { provisionTestResources, testConfig } from '../support/emulated-resources.ts';
import { echo, keyed, testRegistry } from '../support/test-jobs.ts';
import { CDK_JSON_CONTEXT, testProps } from './infra-fixtures.ts';
import { isAllowed, roleStatements, type TemplateStatement } from './policy-evaluation.ts';
import { actionsFor } from './sdk-operations.ts';

/**
 * What a producer's code sends when it enqueues, recorded from the real job client against the
 * emulators (every SDK command through a client middleware, the scheduler through a mock), is
 * allowed by what `bindEnqueue` grants: the action, the resource, and the partition key
 * (`dynamodb:LeadingKeys`), the attribute names (`dynamodb:Attributes`) and the ReturnValues
 * (`dynamodb:ReturnValues`) of every item it writes.
 */

interface RecordedCall {
  readonly sdkPackage: string;
  readonly command: string;
  /** Partition key of the item read or written, when the call names one. */
  readonly partitionKey?: string;
  /**
   * Every attribute name the call touches (`dynamodb:Attributes`): the item's, and those its
   * expressions name, through `ExpressionAttributeNames` or bare. A superset of what IAM
   * checks, so a call allowed with these names is allowed on AWS.
   */
  readonly attributes?: readonly string[];
  /** `ReturnValues`, when the call asks for it (`dynamodb:ReturnValues`). */
  readonly returnValues?: string;
}

const recorded: RecordedCall[] = [];

/** Words of a condition or update expression that are not attribute names. */
const EXPRESSION_WORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD']);

/** Attribute names an expression names bare (not `#name`, `:value` nor a function). */
function bareNames(expression: string | undefined): string[] {
  if (!expression) return [];
  return [...expression.matchAll(/(?<![#:\w])([A-Za-z_]\w*)(?!\w|\s*\()/g)]
    .map((match) => match[1]!)
    .filter((word) => !EXPRESSION_WORDS.has(word.toUpperCase()));
}

/** A middleware that records every command a client sends, with what IAM conditions read. */
function recorder(sdkPackage: string): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    // Document-client inputs are plain values here; low-level ones are `{ S: '…' }`.
    const input = args.input as Record<string, unknown>;
    const item = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
    const value = item?.[TABLE_SCHEMA.partitionKey];
    const key = attributeText(value);
    const attributes = [
      ...Object.keys((input.Item as Record<string, unknown> | undefined) ?? {}),
      ...Object.values((input.ExpressionAttributeNames as Record<string, string>) ?? {}),
      ...bareNames(input.ConditionExpression as string | undefined),
      ...bareNames(input.UpdateExpression as string | undefined),
    ];
    recorded.push({
      sdkPackage,
      command: context.commandName ?? 'unknown',
      ...(key === undefined ? {} : { partitionKey: key, attributes: [...new Set(attributes)] }),
      ...(typeof input.ReturnValues === 'string' ? { returnValues: input.ReturnValues } : {}),
    });
    return next(args);
  };
}

let stack: Stack;
let jobs: LambdaJobs;
let producer: TemplateStatement[];

beforeAll(async () => {
  // Prepare: a stack with one producer bound, and the emulators' queues and table.
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  stack = new Stack(app, 'shop');
  jobs = new LambdaJobs(stack, 'Jobs', testProps());
  const fn = new LambdaFunction(stack, 'Producer', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('export const handler = async () => {};'),
  });
  jobs.bindEnqueue(fn);
  producer = roleStatements(
    Template.fromStack(stack),
    stack.getLogicalId(fn.role!.node.defaultChild as CfnRole),
  );

  const config = testConfig({ tracking: 'full' });
  const resources = await provisionTestResources(config);
  const sqs = createSqsClient();
  const dynamodb = new DynamoDBClient({});
  sqs.middlewareStack.add(recorder('@aws-sdk/client-sqs'), { step: 'initialize' });
  dynamodb.middlewareStack.add(recorder('@aws-sdk/client-dynamodb'), { step: 'initialize' });
  const scheduler = new SchedulerClient({});
  const schedulerMock = mockClient(scheduler);
  schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::x' });
  const runtime = (queues: typeof resources.queues) =>
    createAwsJobRuntime({
      registry: testRegistry,
      config,
      env: {
        LAMBDA_JOBS_TABLE: resources.tableName,
        LAMBDA_JOBS_QUEUE_URLS: JSON.stringify(queues),
      },
      sqs,
      dynamodb,
      delayedDelivery: createSchedulerDelayedDelivery({
        client: scheduler,
        groupName: 'test-delayed',
        roleArn: 'arn:aws:iam::123456789012:role/scheduler',
        queueArns: Object.fromEntries(
          Object.values(queues).map((q) => [q.url, 'arn:aws:sqs:us-east-1:000000000000:q']),
        ),
      }),
    }).client;

  // Act: every way a producer enqueues.
  const client = runtime(resources.queues);
  await client.enqueue(echo, { n: 1 });
  await client.enqueue(echo, { n: 2 }, { delay: 3600 });
  await client.enqueue(keyed, { account: 'a' });
  await client.enqueue(keyed, { account: 'a' }); // key taken: skipped
  await client.enqueueMany(echo, [{ payload: { n: 3 } }, { payload: { n: 4 } }]);
  // A send that fails gives the key back: a PutItem that leaves it expired (no DeleteItem).
  const broken = runtime({
    default: { ...resources.queues.default!, url: `${resources.queues.default!.url}-missing` },
  });
  await expect(broken.enqueue(keyed, { account: 'b' })).rejects.toThrow();
  for (const call of schedulerMock.calls()) {
    recorded.push({
      sdkPackage: '@aws-sdk/client-scheduler',
      command: (call.args[0] as object).constructor.name,
    });
  }
}, 60_000);

describe('producer permissions (bindEnqueue)', () => {
  it('exercised writes, sends and schedules, and gave a key back by a PutItem', () => {
    expect(new Set(recorded.map((c) => c.command))).toEqual(
      new Set([
        'PutItemCommand',
        'SendMessageCommand',
        'SendMessageBatchCommand',
        'CreateScheduleCommand',
      ]),
    );
    // Acquired, then abandoned after the failed send: two writes of the same key item.
    expect(recorded.filter((c) => c.partitionKey === 'KEY#account:b')).toHaveLength(2);
    // The QUEUED record (not only the key) was written, with what the policy reads.
    const queued = recorded.find((c) => c.partitionKey?.startsWith('JOB#'));
    expect(queued?.attributes).toEqual(expect.arrayContaining(['pk', 'status', 'envelope']));
  });

  it('allows every call the job client made, on its resource and partition key', () => {
    const resolve = (value: unknown) => stack.resolve(value);
    const problems: string[] = [];
    for (const call of recorded) {
      for (const action of actionsFor(call.sdkPackage, call.command, new Set())) {
        const required = action.startsWith('dynamodb:')
          ? [
              {
                resource: resolve(jobs.table.table.tableArn),
                context: {
                  'dynamodb:LeadingKeys': [call.partitionKey ?? ''],
                  'dynamodb:Attributes': call.attributes ?? [],
                  ...(call.returnValues === undefined
                    ? {}
                    : { 'dynamodb:ReturnValues': [call.returnValues] }),
                },
              },
            ]
          : action.startsWith('sqs:')
            ? jobs.queues.map((q) => ({ resource: resolve(q.queue.queueArn), context: {} }))
            : action === 'iam:PassRole'
              ? [
                  {
                    resource: resolve(jobs.schedules.role.roleArn),
                    context: { 'iam:PassedToService': ['scheduler.amazonaws.com'] },
                  },
                ]
              : [{ resource: resolve(jobs.schedules.delayedSchedulesArn), context: {} }];
        for (const { resource, context } of required) {
          if (!isAllowed(producer, action, resource, context)) {
            problems.push(
              `${call.command} (${call.partitionKey ?? '-'}, ${(call.attributes ?? []).join(' ')}) needs ${action}`,
            );
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
