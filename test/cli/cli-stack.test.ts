/**
 * `--stack NAME` end to end, with CloudFormation and CloudWatch answered by mocks and SQS and
 * DynamoDB by the emulators (the stack's outputs point at the scenario's queues and table).
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandInput,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../packages/lambda-jobs/src/config/stack-outputs.ts';
import { createAwsJobRuntime } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { echo } from '../support/test-jobs.ts';
import { emptyProjectFolder, runCli } from './cli-test-kit.ts';

const cloudformation = mockClient(CloudFormationClient);
const cloudwatch = mockClient(CloudWatchClient);
const lambda = mockClient(LambdaClient);
const WARNING_TOPIC = 'arn:aws:sns:us-east-1:123456789012:shop-alerts-warning';
const scheduler = mockClient(SchedulerClient);
const SCHEDULER_ROLE = 'arn:aws:iam::123456789012:role/shop-scheduler';
const DELAYED_FAILURES = 'arn:aws:sqs:us-east-1:123456789012:shop-delayed-failures';

let s: AdminScenario;
let cwd: string;

beforeAll(async () => {
  s = await startAdminScenario();
  cwd = await emptyProjectFolder();
});

/** The ARN a Lambda mapping names its queue by: the queue's name ends it. */
const queueArn = (url: string) => `arn:aws:sqs:us-east-1:123456789012:${url.split('/').at(-1)}`;

beforeEach(() => {
  cloudformation.reset();
  cloudwatch.reset();
  lambda.reset();
  scheduler.reset();
  lambda
    .on(ListEventSourceMappingsCommand, { FunctionName: 'shop-default-worker' })
    .resolves({
      EventSourceMappings: [
        {
          UUID: 'a1b2c3',
          EventSourceArn: queueArn(s.queues.default!.url),
          State: 'Enabled',
          BatchSize: 10,
          MaximumBatchingWindowInSeconds: 0,
          ScalingConfig: { MaximumConcurrency: 5 },
        },
      ],
    })
    .on(ListEventSourceMappingsCommand, { FunctionName: 'shop-slow-worker' })
    .resolves({
      EventSourceMappings: [
        {
          UUID: 'other-queue',
          EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:another-queue',
          State: 'Enabled',
        },
        {
          UUID: 'd4e5f6',
          EventSourceArn: queueArn(s.queues.slow!.url),
          State: 'Disabled',
          StateTransitionReason: 'USER_INITIATED',
          BatchSize: 1,
          MaximumBatchingWindowInSeconds: 0,
          ScalingConfig: { MaximumConcurrency: 10 },
        },
      ],
    });
  cloudformation.on(DescribeStacksCommand).callsFake((input: DescribeStacksCommandInput) => {
    if (input.StackName !== 'shop') {
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        name: 'ValidationError',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      Stacks: [
        {
          StackName: 'shop',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: STACK_OUTPUTS.queueUrls, OutputValue: JSON.stringify(s.queues) },
            { OutputKey: STACK_OUTPUTS.tableName, OutputValue: s.resources.tableName },
            { OutputKey: STACK_OUTPUTS.warningTopicArn, OutputValue: WARNING_TOPIC },
            { OutputKey: STACK_OUTPUTS.schedulerGroup, OutputValue: 'shop-delayed' },
            { OutputKey: STACK_OUTPUTS.schedulerRoleArn, OutputValue: SCHEDULER_ROLE },
            { OutputKey: STACK_OUTPUTS.schedulerDeadLetterArn, OutputValue: DELAYED_FAILURES },
            {
              OutputKey: STACK_OUTPUTS.workerFunctionNames,
              OutputValue: JSON.stringify({
                default: 'shop-default-worker',
                slow: 'shop-slow-worker',
              }),
            },
          ],
        },
      ],
    };
  });
  const heartbeatAt = new Date(Date.now() - 60_000);
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      StatusCode: 'Complete',
      Values: q.Id === 'heartbeat' ? [1] : [],
      Timestamps: q.Id === 'heartbeat' ? [heartbeatAt] : [],
    })),
  }));
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'shop-default-backlog-critical',
        AlarmDescription:
          'Backlog ≥ 1000.\nQueue: default\nRunbook: docs/runbooks/job-queue-backlog.md',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed',
        AlarmActions: [WARNING_TOPIC],
      },
      {
        AlarmName: 'shop-staging-default-backlog-critical',
        StateValue: 'ALARM',
        AlarmActions: ['arn:aws:sns:us-east-1:123456789012:shop-staging-alerts-critical'],
      },
    ],
  });
});

describe('lambda-jobs --stack', () => {
  it('reads the queues and table from the stack outputs', async () => {
    // Act
    const run = await runCli(['queues', '--stack', 'shop', '--json'], cwd, s);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).queues.map((q: { name: string }) => q.name)).toEqual([
      'default',
      'slow',
    ]);
  });

  it("doctor lists this stack's alarms in ALARM (not another stage's) and the monitor heartbeat", async () => {
    // Act
    const run = await runCli(['doctor', '--stack', 'shop'], cwd, s);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Alarms in ALARM: shop-default-backlog-critical\n');
    expect(run.stdout).toMatch(
      /✗ Alarm shop-default-backlog-critical is in ALARM: Backlog ≥ 1000\./,
    );
    expect(run.stdout).not.toContain('shop-staging');
    expect(run.stdout).toMatch(/Monitor: last run \S+ \(1m( \d+s)? ago\), every 1m/);
    expect(run.stdout).toContain('Event sources: default Enabled, slow Disabled\n');
    expect(run.stdout).toContain(
      '! slow: Paused: the event source of shop-slow-worker is Disabled (state set by: USER_INITIATED), so its jobs wait in the queue. Resume it: lambda-jobs queues resume slow (with the --stack given here)',
    );
    expect(run.stdout).toMatch(/\nslow\s.*\sPAUSED\n/);
    expect(run.stdout).toContain(
      '! default: The event source runs with maximum concurrency 5, the config says 10: deploy again to apply the config.',
    );
    expect(run.stdout).not.toContain('Not checked');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({
      AlarmNamePrefix: 'shop-',
      StateValue: 'ALARM',
    });
  });

  it('queues pause and resume disable and enable the mapping from that queue, and queues shows it paused', async () => {
    // Prepare
    lambda.on(UpdateEventSourceMappingCommand).callsFake((input) => ({
      UUID: input.UUID,
      State: input.Enabled ? 'Enabling' : 'Disabling',
    }));

    // Act
    const pause = await runCli(['queues', 'pause', 'slow', '--stack', 'shop'], cwd, s);
    const resume = await runCli(
      ['queues', 'resume', 'default', '--stack', 'shop', '--json'],
      cwd,
      s,
    );
    const listed = await runCli(['queues', '--stack', 'shop', '--json'], cwd, s);
    const table = await runCli(['queues', '--stack', 'shop'], cwd, s);
    const unknown = await runCli(['queues', 'pause', 'nope', '--stack', 'shop'], cwd, s);

    // Assess
    expect(pause.code).toBe(0);
    expect(pause.stdout).toContain(
      'Queue slow is paused (shop-slow-worker: Disabling): its messages wait in the queue',
    );
    expect(
      lambda.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input),
    ).toEqual([
      { UUID: 'd4e5f6', Enabled: false },
      { UUID: 'a1b2c3', Enabled: true },
    ]);
    expect(JSON.parse(resume.stdout)).toMatchObject({
      queue: 'default',
      paused: false,
      eventSource: { uuid: 'a1b2c3', state: 'Enabling' },
    });
    expect(
      JSON.parse(listed.stdout).queues.map((q: { name: string; paused: boolean }) => [
        q.name,
        q.paused,
      ]),
    ).toEqual([
      ['default', false],
      ['slow', true],
    ]);
    expect(table.stdout.split('\n')[0]).toMatch(/\sLEVEL\s+DELIVERY$/);
    expect(table.stdout).toMatch(/\nslow\s.*\sPAUSED\n/);
    expect(table.stdout).toMatch(/\ndefault\s.*\srunning\n/);
    expect(unknown.code).toBe(3);
    expect(lambda.commandCalls(UpdateEventSourceMappingCommand)).toHaveLength(2);
  });

  it('jobs cancel deletes the one-time schedule of a job waiting for a long delay, in the stack’s group', async () => {
    // Prepare: a producer enqueued it with a one-hour delay (its schedule is on EventBridge).
    scheduler.on(DeleteScheduleCommand).resolves({});
    const producer = createAwsJobRuntime({
      registry: adminRegistry,
      config: s.config,
      env: s.env,
      ...emulatorClients(),
      delayedDelivery: { schedule: async () => {}, cancel: async () => false },
    });
    const id = (await producer.client.enqueue(echo, { n: 4 }, { delay: 3600 }))!;

    // Act
    const run = await runCli(['jobs', 'cancel', id, '--stack', 'shop'], cwd, s);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: id,
      GroupName: 'shop-delayed',
    });
  });

  it('answers exit 3 for a stack that does not exist', async () => {
    // Act
    const run = await runCli(['queues', '--stack', 'nope', '--region', 'eu-west-1'], cwd, s);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Stack "nope" does not exist');
  });
});
