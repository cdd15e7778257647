import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LambdaJobs } from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import { addSecurityChecks } from '../../packages/lambda-jobs/src/cdk/security-checks.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import {
  CDK_JSON_CONTEXT,
  findResource,
  NO_JOBS,
  type SynthesizedStack,
  securityFindings,
  synthesizeStack,
  testConfig,
  testProps,
} from './infra-fixtures.ts';

let plain: SynthesizedStack;
let withSlack: SynthesizedStack;
let withChatbot: SynthesizedStack;
let withDataKey: SynthesizedStack;

beforeAll(() => {
  plain = synthesizeStack();
  // As `cdk deploy` builds it: a concrete account and region, and a stage.
  withSlack = synthesizeStack(
    {
      env: { account: '123456789012', region: 'eu-west-1' },
      stage: 'staging',
      config: testConfig((input) => ({
        ...input,
        alerting: { emails: [], slackWebhookSecretName: 'shop/slack-webhook' },
        webhooks: {
          signingKeys: {
            partnerB: {
              secret: 'shop/webhook-signing',
              destinations: ['https://b.example.com/hooks/'],
            },
          },
        },
      })),
    },
    { stackName: 'shop-staging' },
  );
  withDataKey = synthesizeStack({
    config: testConfig((input) => ({ ...input, encryption: { dataKey: 'customer-managed' } })),
  });
  withChatbot = synthesizeStack({
    config: testConfig((input) => ({
      ...input,
      alerting: { emails: [], slackChatbot: { workspaceId: 'T012AB3C4', channelId: 'C0123ABCD' } },
    })),
  });
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function allStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

function acknowledgementsUnder(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the default deployment', () => {
    expect(securityFindings(plain.stack)).toEqual([]);
  });

  it('finds nothing unacknowledged with the Slack notifier, a stage and a concrete environment', () => {
    expect(securityFindings(withSlack.stack)).toEqual([]);
  });

  it('finds nothing unacknowledged with AWS Chatbot', () => {
    expect(securityFindings(withChatbot.stack)).toEqual([]);
  });

  it('finds nothing unacknowledged with a customer-managed data key', () => {
    expect(securityFindings(withDataKey.stack)).toEqual([]);
  });

  it('does report findings (the checks are live)', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Careless');
    new Queue(stack, 'Plain');

    // Act
    const findings = securityFindings(stack);

    // Assess
    expect(findings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS4 at Careless\/Plain/)]),
    );
  });

  it('fails the synthesis of an app with a finding, as `npm run synth` does', () => {
    // Prepare
    const app = new App();
    new Queue(new Stack(app, 'Careless'), 'Plain');
    addSecurityChecks(app);

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('acknowledges only the wildcards IAM requires, the delayed-jobs schedule group and the two schedule DLQs, with reasons', () => {
    const scheduleGroup = {
      id: 'Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:eu-west-1:123456789012:schedule/shop-staging-delayed/*]',
      reason: expect.stringContaining(
        'create and delete are allowed on every schedule of the delayed-jobs group, and only there',
      ) as unknown as string,
    };
    expect(acknowledgementsUnder(withSlack.stack)).toEqual([
      { path: 'shop-staging/Jobs/QueueDefault/Worker/Role', ...scheduleGroup },
      { path: 'shop-staging/Jobs/QueueSlow/Worker/Role', ...scheduleGroup },
      {
        path: 'shop-staging/Jobs/Schedules/DelayedFailures',
        id: 'Annotation::AwsSolutions-SQS3',
        reason: expect.stringContaining('is itself a dead-letter queue') as unknown as string,
      },
      {
        path: 'shop-staging/Jobs/Monitor/Monitor',
        id: expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\]$/) as unknown as string,
        reason: expect.stringContaining(
          'support no resource-level permissions',
        ) as unknown as string,
      },
      {
        path: 'shop-staging/Jobs/Monitor/ScheduleDeadLetterQueue',
        id: 'Annotation::AwsSolutions-SQS3',
        reason: expect.stringContaining('is itself a dead-letter queue') as unknown as string,
      },
      {
        path: 'shop-staging/Jobs/Operator/Policy',
        id: 'Annotation::AwsSolutions-IAM5[Resource::*]',
        reason: expect.stringContaining('have no resource-level permissions') as unknown as string,
      },
      { path: 'shop-staging/Jobs/Operator/Policy', ...scheduleGroup },
    ]);
  });

  it('uses a wildcard resource only for the monitor reads IAM scopes no narrower', () => {
    const wildcards = [plain, withSlack, withChatbot]
      .flatMap((s) => allStatements(s.template))
      .filter((s) => JSON.stringify(s.Resource).includes('"*"'));
    const reads = ['cloudwatch:GetMetricData', 'lambda:ListEventSourceMappings'];
    expect(wildcards.map((s) => s.Action)).toEqual([reads, reads, reads]);
  });
});

describe('secrets', () => {
  it('lets job code (workers, the monitor) read only the secrets named for it, by GetSecretValue', () => {
    const statements = allStatements(withSlack.template).filter((s) =>
      JSON.stringify(s.Action).includes('secretsmanager'),
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:eu-west-1:123456789012:secret:shop/webhook-signing-??????',
            ],
          ],
        },
      },
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue' }),
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:eu-west-1:123456789012:secret:shop/slack-webhook-??????',
            ],
          ],
        },
      },
      // The monitor's rescue runs onAborted hooks (job code) with the workers' secrets.
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue' }),
    ]);
  });

  it('gives workers no secret access unless named', () => {
    expect(JSON.stringify(allStatements(plain.template))).not.toContain('secretsmanager');
  });

  it('grants exactly the secrets the webhook config names: current, previous and header secrets', () => {
    // Prepare
    const { stack, jobs, template } = synthesizeStack({
      env: { account: '123456789012', region: 'eu-west-1' },
      config: testConfig((input) => ({
        ...input,
        webhooks: {
          signingKeys: {
            partnerB: {
              secret: 'shop/b-signing',
              previousSecrets: ['shop/b-signing-2025'],
              destinations: ['https://b.example.com/'],
            },
            partnerC: {
              secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/c-AbCdEf',
              destinations: ['https://c.example.com/'],
            },
          },
          secretHeaders: {
            bToken: { secret: 'shop/b-token', destinations: ['https://b.example.com/'] },
          },
        },
      })),
    });

    // Act: the roles holding a secrets statement, and what each statement names.
    const roleOf = (role: IRole) => stack.getLogicalId(role.node.defaultChild as CfnRole);
    const granted = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
      const { Roles, PolicyDocument } = (
        policy as {
          Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
        }
      ).Properties;
      return PolicyDocument.Statement.filter((s) =>
        JSON.stringify(s.Action).includes('secretsmanager'),
      ).map((s) => ({ roles: Roles.map((r) => r.Ref), resource: JSON.stringify(s.Resource) }));
    });

    // Assess: one statement per role that runs job code (each worker; the monitor, whose
    // rescue runs onAborted hooks), each listing the same four secrets and nothing else.
    expect(granted.map((g) => g.roles).sort()).toEqual(
      [
        ...jobs.queues.map((q) => [roleOf(q.worker.role)]),
        [roleOf(jobs.monitor.monitor.role)],
      ].sort(),
    );
    for (const { resource } of granted) {
      expect(resource.match(/secret:[^"]+/g)?.sort()).toEqual([
        'secret:shop/b-signing-2025-??????',
        'secret:shop/b-signing-??????',
        'secret:shop/b-token-??????',
        'secret:shop/c-AbCdEf',
      ]);
    }
  });

  it('adds the workerSecretNames extras to the webhook secrets, for the same roles', () => {
    // Prepare
    const { template } = synthesizeStack({
      env: { account: '123456789012', region: 'eu-west-1' },
      config: testConfig((input) => ({
        ...input,
        webhooks: {
          signingKeys: {
            partnerB: { secret: 'shop/b-signing', destinations: ['https://b.example.com/'] },
          },
        },
      })),
      workerSecretNames: ['shop/report-api', 'shop/b-signing'],
    });

    // Act
    const resources = allStatements(template)
      .filter((s) => JSON.stringify(s.Action).includes('secretsmanager'))
      .map((s) => JSON.stringify(s.Resource));

    // Assess: two workers and the monitor; a name given twice is granted once.
    expect(resources).toHaveLength(3);
    for (const resource of resources) {
      expect(resource.match(/secret:[^"]+/g)?.sort()).toEqual([
        'secret:shop/b-signing-??????',
        'secret:shop/report-api-??????',
      ]);
    }
  });
});

describe('customer-managed data key', () => {
  it('encrypts the table, every queue and every DLQ with one rotated key usable only through SQS and DynamoDB', () => {
    const { template } = withDataKey;
    const keys = template.findResources('AWS::KMS::Key', {
      Properties: { Description: Match.stringLikeRegexp('job table, queues') },
    });
    const [keyId] = Object.keys(keys);
    expect(keyId).toBeDefined();
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { AWS: '*' },
            Condition: {
              StringEquals: {
                'kms:CallerAccount': { Ref: 'AWS::AccountId' },
                'kms:ViaService': [
                  { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                  { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                ],
              },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
    // The delayed-failures queue holds job envelopes too: the same key.
    const jobQueueNames = [
      'shop-default',
      'shop-default-dlq-intake',
      'shop-default-dlq',
      'shop-slow',
      'shop-slow-dlq-intake',
      'shop-slow-dlq',
      'shop-delayed-failures',
    ];
    const queues = Object.values(template.findResources('AWS::SQS::Queue')).map(
      (queue) => (queue as { Properties: Record<string, unknown> }).Properties,
    );
    const jobQueues = queues.filter((q) => jobQueueNames.includes(q.QueueName as string));
    expect(jobQueues).toHaveLength(7);
    for (const queue of jobQueues) {
      expect(queue.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    // The only other queue keeps the monitor's undelivered schedule events, which hold no job
    // data: SQS-managed encryption.
    expect(queues.filter((q) => !jobQueueNames.includes(q.QueueName as string))).toEqual([
      expect.objectContaining({
        QueueName: 'shop-monitor-schedule-dlq',
        SqsManagedSseEnabled: true,
      }),
    ]);
  });

  it('is off by default: SQS-managed queue keys, no data key', () => {
    for (const queue of Object.values(plain.template.findResources('AWS::SQS::Queue'))) {
      expect(
        (queue as { Properties: Record<string, unknown> }).Properties.SqsManagedSseEnabled,
      ).toBe(true);
    }
    expect(
      Object.keys(
        plain.template.findResources('AWS::KMS::Key', {
          Properties: { Description: Match.stringLikeRegexp('job table, queues') },
        }),
      ),
    ).toEqual([]);
  });
});

describe('grant helpers for producers', () => {
  let producer: Template;
  let jobsTemplate: Template;

  beforeAll(() => {
    // Prepare: a producer function in another stack of the same app.
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const jobsStack = new Stack(app, 'shop');
    const jobs = new LambdaJobs(jobsStack, 'Jobs', testProps({ registry: NO_JOBS }));
    const api = new Stack(app, 'Api');
    const checkout = new LambdaFunction(api, 'Checkout', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
    });

    // Act
    jobs.bindEnqueue(checkout);
    producer = Template.fromStack(api);
    jobsTemplate = Template.fromStack(jobsStack);
  });

  it('allows sending to the job queues and writing QUEUED records and keys, nothing more', () => {
    // Prepare
    const statements = allStatements(producer);
    const exported = (name: string) =>
      JSON.stringify(statements).includes(
        findResource(jobsTemplate, 'AWS::SQS::Queue', { QueueName: name }).id,
      );

    // Assess
    expect(statements).toHaveLength(5);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'sqs:SendMessage' });
    expect(statements[0]!.Resource).toHaveLength(2);
    expect(exported('shop-default')).toBe(true);
    expect(exported('shop-slow')).toBe(true);
    expect(exported('shop-default-dlq')).toBe(false);
    // The table: PutItem only (no DeleteItem, no reads, no updates), per key prefix only the
    // attribute names enqueue writes (never the worker's `trusted`), and no ReturnValues.
    const tableArn = { 'Fn::ImportValue': expect.stringContaining('JobsTable') };
    expect(statements[1]).toEqual({
      Effect: 'Allow',
      Action: 'dynamodb:PutItem',
      Resource: tableArn,
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOB#*'] },
        'ForAllValues:StringEquals': {
          'dynamodb:Attributes': [
            'pk',
            'gsi1pk',
            'gsi1sk',
            'id',
            'type',
            'queue',
            'status',
            'attempts',
            'maxAttempts',
            'enqueuedAt',
            'updatedAt',
            'concurrencyKey',
            'retryAt',
            'envelope',
            'expiresAt',
          ],
        },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
      },
    });
    expect(statements[2]).toEqual({
      Effect: 'Allow',
      Action: 'dynamodb:PutItem',
      Resource: tableArn,
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KEY#*'] },
        'ForAllValues:StringEquals': {
          'dynamodb:Attributes': [
            'pk',
            'jobId',
            'expiresAt',
            'gsi1pk',
            'gsi1sk',
            // The previous layout's names: a producer updated after its policy still acquires.
            'keyShard',
            'keyTakenAt',
          ],
        },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
      },
    });
    expect(JSON.stringify(statements)).not.toContain('DeleteItem');
    expect(JSON.stringify(statements)).not.toContain(TABLE_SCHEMA.trustedAttribute);
    // Long delays and runAt: one-time schedules in the delayed-jobs group, and the scheduler's
    // role passed to EventBridge Scheduler only.
    expect(statements[3]).toMatchObject({
      Effect: 'Allow',
      Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
    });
    expect(JSON.stringify(statements[3]!.Resource)).toContain(':schedule/shop-delayed/*');
    expect(statements[4]).toMatchObject({
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });

  it('sets the table and queue URLs the job client reads', () => {
    const [fn] = Object.values(producer.findResources('AWS::Lambda::Function'));
    const variables = (
      fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }
    ).Properties.Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(
      [
        ENV.queueUrls,
        ENV.tableName,
        'LAMBDA_JOBS_SCHEDULER_GROUP',
        'LAMBDA_JOBS_SCHEDULER_ROLE_ARN',
        'LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN',
      ].sort(),
    );
    expect(JSON.stringify(variables[ENV.queueUrls])).toContain('Fn::ImportValue');
  });
});
