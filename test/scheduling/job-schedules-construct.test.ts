import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  JobSchedules,
  type JobSchedulesProps,
  SCHEDULED_TIME_ATTRIBUTE,
} from '../../packages/lambda-jobs/src/cdk/job-schedules.ts';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import type { ScheduleConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { parseEnvelope } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { cronFiringJobId } from '../../packages/lambda-jobs/src/runtime/schedule-firing.ts';
import { securityFindings } from '../infra/infra-fixtures.ts';

const NIGHTLY: ScheduleConfig = {
  name: 'nightly-report',
  job: 'generate-report',
  cron: '30 2 * * MON-FRI',
  payload: { period: 'day', formats: ['pdf'] },
  timeZone: 'Europe/Paris',
};
const HOURLY: ScheduleConfig = { name: 'hourly.ping', job: 'webhook', cron: '@hourly' };

interface Built {
  readonly stack: Stack;
  readonly schedules: JobSchedules;
  readonly template: Template;
  /** Logical ids of the queues: default, default DLQ, slow, slow DLQ. */
  readonly ids: Record<'default' | 'defaultDlq' | 'slow' | 'slowDlq', string>;
}

function build(
  overrides: Partial<JobSchedulesProps> = {},
  options: { kms?: boolean; grant?: boolean } = {},
): Built {
  const app = new App();
  const stack = new Stack(app, 'Schedules', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const encryption = options.kms
    ? { encryption: QueueEncryption.KMS, encryptionMasterKey: new Key(stack, 'QueueKey') }
    : { encryption: QueueEncryption.SQS_MANAGED };
  const queuePair = (name: string) => {
    const deadLetterQueue = new Queue(stack, `${name}Dlq`, { ...encryption, enforceSSL: true });
    const queue = new Queue(stack, name, {
      ...encryption,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    return { queue, deadLetterQueue };
  };
  const queues = { default: queuePair('Default'), slow: queuePair('Slow') };
  const schedules = new JobSchedules(stack, 'Jobs', {
    appName: 'shop',
    schedules: [NIGHTLY, HOURLY],
    queues,
    jobQueueOf: { 'generate-report': 'slow', webhook: 'default' },
    ...overrides,
  });
  if (options.grant) {
    schedules.grantLongDelays(
      new Role(stack, 'Producer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
    );
    schedules.bindLongDelays(
      new LambdaFunction(stack, 'Api', {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async () => {};'),
      }),
    );
  }
  const id = (queue: Queue) => stack.getLogicalId(queue.node.defaultChild as never);
  return {
    stack,
    schedules,
    template: Template.fromStack(stack),
    ids: {
      default: id(queues.default.queue),
      defaultDlq: id(queues.default.deadLetterQueue),
      slow: id(queues.slow.queue),
      slowDlq: id(queues.slow.deadLetterQueue),
    },
  };
}

function scheduleNamed(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(
    template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } }),
  );
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

function synthError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected synth to fail');
}

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

let plain: Built;
let granted: Built;
let withKms: Built;
beforeAll(() => {
  plain = build();
  granted = build({}, { grant: true });
  withKms = build({}, { kms: true });
});

describe('JobSchedules: one EventBridge schedule per config schedule', () => {
  it('fires in the schedule time zone with the converted expression, no flexible window', () => {
    // Prepare
    const { template } = plain;

    // Act
    const nightly = scheduleNamed(template, 'nightly-report');
    const hourly = scheduleNamed(template, 'hourly.ping');

    // Assess
    expect(nightly).toMatchObject({
      ScheduleExpression: 'cron(30 2 ? * 2-6 *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    expect(hourly).toMatchObject({
      ScheduleExpression: 'cron(0 * * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
    });
  });

  it('puts the cron schedules in their own group, apart from the one-time schedules', () => {
    // Prepare
    const { template, schedules, stack } = plain;

    // Act
    const groups = Object.values(template.findResources('AWS::Scheduler::ScheduleGroup')).map(
      (group) => (group as { Properties: { Name: string } }).Properties.Name,
    );

    // Assess
    expect(groups.sort()).toEqual(['shop-cron', 'shop-delayed']);
    const groupId = stack.getLogicalId(schedules.group.node.defaultChild as never);
    const [nightly] = Object.values(
      template.findResources('AWS::Scheduler::Schedule', {
        Properties: { Name: 'nightly-report' },
      }),
    ) as { Properties: { GroupName: string }; DependsOn: string[] }[];
    expect(nightly!.Properties.GroupName).toBe('shop-cron');
    expect(nightly!.DependsOn).toContain(groupId);
  });

  it('targets the queue of the job type, retries, then dead-letters to that queue’s DLQ', () => {
    // Prepare
    const { template, ids, schedules, stack } = plain;

    // Act
    const nightly = scheduleNamed(template, 'nightly-report');
    const hourly = scheduleNamed(template, 'hourly.ping');

    // Assess
    expect(nightly.Target).toMatchObject({
      Arn: arnOf(ids.slow),
      RoleArn: arnOf(stack.getLogicalId(schedules.cronRole.node.defaultChild as never)),
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      DeadLetterConfig: { Arn: arnOf(ids.slowDlq) },
    });
    expect(hourly.Target).toMatchObject({
      Arn: arnOf(ids.default),
      DeadLetterConfig: { Arn: arnOf(ids.defaultDlq) },
    });
  });

  it('sends an envelope the worker parses, with the firing id and time filled in by the scheduler', () => {
    // Prepare
    const { template } = plain;
    const input = (scheduleNamed(template, 'nightly-report').Target as { Input: string }).Input;
    const scheduledTime = '2025-03-03T01:30:00Z';

    // Act
    const envelope = parseEnvelope(input.replaceAll(SCHEDULED_TIME_ATTRIBUTE, scheduledTime));

    // Assess
    expect(envelope).toEqual({
      version: 1,
      id: cronFiringJobId('nightly-report', new Date(scheduledTime)),
      type: 'generate-report',
      queue: 'slow',
      payload: { period: 'day', formats: ['pdf'] },
      enqueuedAt: scheduledTime,
    });
    expect(envelope.id).toBe('nightly-report-2025-03-03T01:30:00Z');
  });

  it('sends an empty payload when the schedule has none', () => {
    // Prepare
    const { template } = plain;
    const input = (scheduleNamed(template, 'hourly.ping').Target as { Input: string }).Input;

    // Act
    const envelope = parseEnvelope(
      input.replaceAll(SCHEDULED_TIME_ATTRIBUTE, '2025-03-03T01:00:00Z'),
    );

    // Assess
    expect(envelope.payload).toEqual({});
    expect(envelope.id).toBe('hourly.ping-2025-03-03T01:00:00Z');
  });
});

describe('JobSchedules: the scheduler roles', () => {
  /** The statements of the role `pick` chooses from the construct. */
  const statementsOf = (pick: (s: JobSchedules) => Role) => {
    const { template, schedules, stack } = plain;
    const role = template.toJSON().Resources[
      stack.getLogicalId(pick(schedules).node.defaultChild as never)
    ] as { Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] } };
    return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
  };

  it('are two, each assumed by EventBridge Scheduler of this account only', () => {
    // Prepare
    const { template } = plain;

    // Act
    const roles = Object.values(template.findResources('AWS::IAM::Role'));

    // Assess
    expect(roles).toHaveLength(2);
    for (const role of roles) {
      expect(role).toMatchObject({
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [
              {
                Action: 'sts:AssumeRole',
                Effect: 'Allow',
                Principal: { Service: 'scheduler.amazonaws.com' },
                Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
              },
            ],
          },
        },
      });
    }
  });

  it('let the cron schedules send only to the job queues and their DLQs', () => {
    // Prepare
    const { template, ids } = plain;

    // Act
    const statements = statementsOf((s) => s.cronRole);

    // Assess
    expect(statements).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: [arnOf(ids.default), arnOf(ids.defaultDlq), arnOf(ids.slow), arnOf(ids.slowDlq)],
      },
    ]);
    expect(template.findResources('AWS::IAM::Policy')).toEqual({});
  });

  it('let one-time schedules (the role producers pass) send only to the job queues and the delayed-failures queue, never a job DLQ', () => {
    // Prepare
    const { ids, stack, schedules } = plain;
    const failures = stack.getLogicalId(schedules.delayedFailures.node.defaultChild as never);

    // Act
    const statements = statementsOf((s) => s.role);

    // Assess
    expect(statements).toEqual([
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: [arnOf(ids.default), arnOf(ids.slow), arnOf(failures)],
      },
    ]);
  });

  it('may also use the queues’ KMS key when they are encrypted with one', () => {
    // Prepare
    const { template } = withKms;
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0]!;

    // Act
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as {
      Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] };
    };

    // Assess
    expect(role.Properties.Policies[0]!.PolicyDocument.Statement).toContainEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Resource: arnOf(keyId),
    });
  });
});

describe('JobSchedules: the delayed-failures queue', () => {
  it('is encrypted, TLS-only and keeps messages 14 days, as the DLQs do', () => {
    // Prepare
    const { template } = plain;

    // Act
    const queue = template.findResources('AWS::SQS::Queue', {
      Properties: { QueueName: 'shop-delayed-failures' },
    });

    // Assess
    expect(Object.values(queue)).toEqual([
      expect.objectContaining({
        Properties: {
          QueueName: 'shop-delayed-failures',
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 1_209_600,
        },
      }),
    ]);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
    expect(
      policies.some((p) =>
        JSON.stringify(p).includes(
          plain.stack.getLogicalId(plain.schedules.delayedFailures.node.defaultChild as never),
        ),
      ),
    ).toBe(true);
  });

  it('uses the job queues’ customer-managed key when one is given, and the role may use it', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Keyed', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const key = new Key(stack, 'DataKey');
    const queue = new Queue(stack, 'Q', { enforceSSL: true });
    const schedules = new JobSchedules(stack, 'Jobs', {
      appName: 'shop',
      schedules: [],
      queues: { default: { queue, deadLetterQueue: queue } },
      jobQueueOf: {},
      encryptionKey: key,
    });

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const keyId = stack.getLogicalId(key.node.defaultChild as never);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-delayed-failures',
      KmsMasterKeyId: arnOf(keyId),
    });
    const role = template.toJSON().Resources[
      stack.getLogicalId(schedules.role.node.defaultChild as never)
    ] as { Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] } };
    expect(role.Properties.Policies[0]!.PolicyDocument.Statement).toContainEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Resource: arnOf(keyId),
    });
  });
});

describe('JobSchedules: long delays for producers', () => {
  it('lets a producer create and delete one-time schedules in the delayed group and pass the role', () => {
    // Prepare
    const { template, schedules, stack } = granted;
    const roleId = stack.getLogicalId(schedules.role.node.defaultChild as never);

    // Act
    const policy = Object.values(template.findResources('AWS::IAM::Policy'))[0] as {
      Properties: { PolicyDocument: { Statement: unknown[] } };
    };

    // Assess
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':scheduler:eu-west-1:123456789012:schedule/shop-delayed/*',
            ],
          ],
        },
      },
      {
        Action: 'iam:PassRole',
        Effect: 'Allow',
        Resource: arnOf(roleId),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
  });

  it('sets the scheduler group, role and dead-letter (delayed-failures) ARN on a bound function', () => {
    // Prepare
    const { template, schedules, stack } = granted;

    // Act
    const fn = template.findResources('AWS::Lambda::Function');

    // Assess
    expect(Object.values(fn)[0]).toMatchObject({
      Properties: {
        Environment: {
          Variables: {
            [ENV.schedulerGroup]: 'shop-delayed',
            [ENV.schedulerRoleArn]: arnOf(
              stack.getLogicalId(schedules.role.node.defaultChild as never),
            ),
            [ENV.schedulerDeadLetterArn]: arnOf(
              stack.getLogicalId(schedules.delayedFailures.node.defaultChild as never),
            ),
          },
        },
      },
    });
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged in the construct or the grant', () => {
    // Prepare
    const { stack } = granted;

    // Act
    const findings = securityFindings(stack).filter((finding) =>
      / at Schedules\/(Jobs|Producer|Api\/ServiceRole\/DefaultPolicy)\//.test(finding),
    );

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('JobSchedules: synth errors name the schedule', () => {
  it('refuses a schedule whose job type is not registered', () => {
    // Act
    const error = synthError(() =>
      build({ schedules: [{ name: 'cleanup', job: 'purge-carts', cron: '@daily' }] }),
    );

    // Assess
    expect(error.problems).toEqual([
      {
        field: 'schedules[0].job',
        value: 'purge-carts',
        rule: expect.stringContaining('schedule "cleanup" names a job type that is not registered'),
      },
    ]);
    expect(error.message).toContain('generate-report, webhook');
  });

  it('refuses a cron expression EventBridge Scheduler cannot express, saying why', () => {
    // Act
    const error = synthError(() =>
      build({ schedules: [{ name: 'first-or-monday', job: 'webhook', cron: '0 9 1 * MON' }] }),
    );

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ field: 'schedules[0].cron', value: '0 9 1 * MON' });
    expect(error.problems[0]!.rule).toMatch(/schedule "first-or-monday": .*Use two schedules/);
  });

  it('refuses a job whose queue is not among the queues given', () => {
    // Act
    const error = synthError(() =>
      build({ jobQueueOf: { 'generate-report': 'reports', webhook: 'default' } }),
    );

    // Assess
    expect(error.problems).toEqual([
      {
        field: 'schedules[0].job',
        value: 'generate-report',
        rule: expect.stringContaining('queue "reports", which is not configured'),
      },
    ]);
  });

  it('refuses a fixed payload too large for a message', () => {
    // Act
    const error = synthError(() =>
      build({
        schedules: [{ ...HOURLY, payload: { blob: 'x'.repeat(262_144) } }],
      }),
    );

    // Assess
    expect(error.problems[0]).toMatchObject({ field: 'schedules[0].payload' });
  });

  it('creates nothing when there are problems', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Broken');

    // Act
    synthError(
      () =>
        new JobSchedules(stack, 'Jobs', {
          appName: 'shop',
          schedules: [{ name: 'x', job: 'nope', cron: '@daily' }],
          queues: {},
          jobQueueOf: {},
        }),
    );

    // Assess
    expect(stack.node.findAll().filter((c) => c.node.path.startsWith('Broken/Jobs/'))).toEqual([]);
  });
});
