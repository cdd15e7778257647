import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { STACK_OUTPUTS } from '../../packages/lambda-jobs/src/config/stack-outputs.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { findResource, synthesizeStack, testConfig } from './infra-fixtures.ts';

let template: Template;

beforeAll(() => {
  ({ template } = synthesizeStack());
});

/** Logical id of the resource of `type` whose properties match. */
function idOf(type: string, match: Record<string, unknown>): string {
  return findResource(template, type, match).id;
}

function policyStatementsOf(roleLogicalIdPrefix: string): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const found = Object.entries(policies).filter(([id]) => id.startsWith(roleLogicalIdPrefix));
  expect(found).toHaveLength(1);
  const [, policy] = found[0]!;
  return (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties
    .PolicyDocument.Statement;
}

describe('job queues', () => {
  it('creates each queue encrypted, with the visibility timeout, retention and redrive from config', () => {
    // Prepare
    const dlq = idOf('AWS::SQS::Queue', { QueueName: 'shop-slow-dlq' });
    const intake = idOf('AWS::SQS::Queue', { QueueName: 'shop-slow-dlq-intake' });

    // Assess: SQS's redrive goes to the dead-letter intake, and the intake's own to the DLQ
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-slow',
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 300 + 5,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [intake, 'Arn'] }, maxReceiveCount: 8 },
    });
    // The intake keeps a redriven message's receive count: it allows 8 + 10 receives.
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-slow-dlq-intake',
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 300,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 18 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-default',
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 345_600,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 10 }),
    });
  });

  it('keeps dead letters 14 days, longer than any source queue', () => {
    for (const name of ['shop-default-dlq', 'shop-slow-dlq']) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: name,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
  });

  it('refuses requests without TLS on every queue and DLQ', () => {
    // Prepare
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));

    // Assess: two queues, their dead-letter intakes and DLQs, the monitor schedule's DLQ and
    // the delayed-failures queue
    expect(queues).toHaveLength(8);
    for (const queue of queues) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('workers', () => {
  it('runs each worker on Node 24 ARM64 with the timeout and memory from config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-worker-slow',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      MemorySize: 1024,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-worker-default',
      Timeout: 60,
      MemorySize: 512,
    });
  });

  it('gives the worker its queue, the table, every queue URL and the Powertools settings', () => {
    const table = idOf('AWS::DynamoDB::Table', { TableName: 'shop-jobs' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-worker-default',
      Environment: {
        Variables: {
          [ENV.workerQueue]: 'default',
          [ENV.tableName]: { Ref: table },
          [ENV.queueUrls]: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"slow":\\{"url":"')])],
          },
          [ENV.metricsNamespace]: 'shop',
          POWERTOOLS_SERVICE_NAME: 'shop',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('logs each function to its own log group with a retention period', () => {
    for (const name of ['shop-worker-default', 'shop-worker-slow', 'shop-monitor']) {
      const logGroup = idOf('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/${name}` });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/lambda/${name}`,
        RetentionInDays: 30,
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        LoggingConfig: { LogGroup: { Ref: logGroup } },
      });
    }
  });

  it('feeds each worker from its queue with batch size, window, concurrency and partial batch responses', () => {
    const slowQueue = idOf('AWS::SQS::Queue', { QueueName: 'shop-slow' });
    const defaultQueue = idOf('AWS::SQS::Queue', { QueueName: 'shop-default' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [slowQueue, 'Arn'] },
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 3 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [defaultQueue, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('feeds a queue in provisioned mode with its pollers, and no maximum concurrency', () => {
    // Prepare
    const { template: provisioned } = synthesizeStack({
      config: testConfig((input) => ({
        ...input,
        queues: {
          ...input.queues,
          default: {
            functionTimeoutSeconds: 60,
            provisionedPollers: { minimumPollers: 10, maximumPollers: 400 },
          },
        },
      })),
    });
    const queue = findResource(provisioned, 'AWS::SQS::Queue', { QueueName: 'shop-default' }).id;

    // Assess
    provisioned.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      ProvisionedPollerConfig: { MinimumPollers: 10, MaximumPollers: 400 },
      ScalingConfig: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets a worker consume its queue, send to its DLQ and the job queues, and use job items: nothing else', () => {
    // Prepare
    const queue = idOf('AWS::SQS::Queue', { QueueName: 'shop-default' });
    const dlq = idOf('AWS::SQS::Queue', { QueueName: 'shop-default-dlq' });
    const otherQueue = idOf('AWS::SQS::Queue', { QueueName: 'shop-slow' });
    const otherDlq = idOf('AWS::SQS::Queue', { QueueName: 'shop-slow-dlq' });
    const table = idOf('AWS::DynamoDB::Table', { TableName: 'shop-jobs' });
    const logs = idOf('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/shop-worker-default' });
    const schedulerRole = idOf('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('delayed'),
    });

    // Act
    const statements = policyStatementsOf('JobsQueueDefaultWorkerRole');

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logs, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: [
          { 'Fn::GetAtt': [dlq, 'Arn'] },
          { 'Fn::GetAtt': [queue, 'Arn'] },
          { 'Fn::GetAtt': [otherQueue, 'Arn'] },
        ],
      },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byQueueStatus']] },
      },
      {
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':scheduler:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':schedule/shop-delayed/*',
            ],
          ],
        },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        Resource: { 'Fn::GetAtt': [schedulerRole, 'Arn'] },
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain(otherDlq);
  });

  it('gives each function, and the scheduler, a role of its own with no managed policies', () => {
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(5);
    for (const role of Object.values(roles)) {
      expect((role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns).toBe(
        undefined,
      );
    }
  });
});

describe('scheduler roles', () => {
  const sendTargets = (roleId: string) => {
    const role = template.toJSON().Resources[roleId] as {
      Properties: {
        Policies: { PolicyDocument: { Statement: { Action: string; Resource: unknown }[] } }[];
      };
    };
    const statements = role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.map((s) => s.Action)).toEqual(['sqs:SendMessage']);
    return statements[0]!.Resource;
  };
  const queueArn = (name: string) => ({
    'Fn::GetAtt': [idOf('AWS::SQS::Queue', { QueueName: name }), 'Arn'],
  });

  it('lets the role producers pass for one-time schedules send to the job queues and the delayed-failures queue, never to a DLQ', () => {
    // Prepare
    const delayed = idOf('AWS::IAM::Role', { Description: Match.stringLikeRegexp('delayed') });

    // Act
    const targets = sendTargets(delayed);

    // Assess
    expect(targets).toEqual([
      queueArn('shop-default'),
      queueArn('shop-slow'),
      queueArn('shop-delayed-failures'),
    ]);
  });

  it('gives the DLQs only to the cron schedules’ role, which no producer may pass (job-schedules-construct.test.ts: the cron schedules use it)', () => {
    // Prepare
    const cron = idOf('AWS::IAM::Role', { Description: Match.stringLikeRegexp('cron') });

    // Act
    const targets = sendTargets(cron);

    // Assess
    expect(targets).toEqual(
      expect.arrayContaining([
        queueArn('shop-default'),
        queueArn('shop-default-dlq'),
        queueArn('shop-slow'),
        queueArn('shop-slow-dlq'),
      ]),
    );
    expect(targets).toHaveLength(4);
  });
});

describe('job table', () => {
  it('is on demand, with TTL, point-in-time recovery, and one index, byQueueStatus (which lists the concurrency keys too)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'shop-jobs',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      // The table's key and the index's: no attribute of a second index.
      AttributeDefinitions: [
        { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_SCHEMA.byQueueStatus.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_SCHEMA.byQueueStatus.sortKey, AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE_SCHEMA.byQueueStatus.indexName,
          KeySchema: [
            { AttributeName: TABLE_SCHEMA.byQueueStatus.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_SCHEMA.byQueueStatus.sortKey, KeyType: 'RANGE' },
          ],
          // What a list shows, never the envelope, output or error stack: one write unit each.
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [
              'id',
              'type',
              'queue',
              'status',
              'attempts',
              'maxAttempts',
              'enqueuedAt',
              'updatedAt',
              'startedAt',
              'endedAt',
              'durationMs',
              'waitMs',
              'leaseExpiresAt',
              'retryAt',
              'deferrals',
              'lostAttempts',
              'deadLetteredAt',
              'expiresAt',
              'errorSummary',
              'jobId',
              'dueAt',
            ],
          },
        },
      ],
    });
  });

  it('is retained when the stack is deleted', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('monitor', () => {
  it('runs on an EventBridge schedule from config that retries delivery within one period, then dead-letters', () => {
    const monitor = idOf('AWS::Lambda::Function', { FunctionName: 'shop-monitor' });
    const dlq = idOf('AWS::SQS::Queue', { QueueName: 'shop-monitor-schedule-dlq' });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [monitor, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      ],
    });
    // A failed run is not retried (the next one measures afresh); a throttled one waits one period at most.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: monitor },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [monitor, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('reads the table and every queue URL from its environment', () => {
    const table = idOf('AWS::DynamoDB::Table', { TableName: 'shop-jobs' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-monitor',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 60,
      Environment: {
        Variables: Match.objectLike({
          [ENV.tableName]: { Ref: table },
          [ENV.queueUrls]: Match.anyValue(),
          [ENV.metricsNamespace]: 'shop',
        }),
      },
    });
  });

  it('may read queue attributes, send to the queues and DLQs (lost-job rescue), drain the dead-letter intakes, get metric data and use job items: exactly that', () => {
    // Prepare
    const queues = ['shop-default', 'shop-default-dlq', 'shop-slow', 'shop-slow-dlq'].map((name) =>
      idOf('AWS::SQS::Queue', { QueueName: name }),
    );
    const intakes = ['shop-default-dlq-intake', 'shop-slow-dlq-intake'].map((name) =>
      idOf('AWS::SQS::Queue', { QueueName: name }),
    );
    const table = idOf('AWS::DynamoDB::Table', { TableName: 'shop-jobs' });

    // Act
    const statements = policyStatementsOf('JobsMonitorRole');

    // Assess
    expect(statements).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        Resource: expect.arrayContaining(queues.map((q) => ({ 'Fn::GetAtt': [q, 'Arn'] }))),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'],
        Resource: intakes.map((q) => ({ 'Fn::GetAtt': [q, 'Arn'] })),
      },
      {
        Effect: 'Allow',
        Action: ['cloudwatch:GetMetricData', 'lambda:ListEventSourceMappings'],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        // The lost-job rescue and the orphaned-key sweep (keys under KEYS#<shard>) alike.
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/byQueueStatus']] },
      },
    ]);
    expect((statements[1] as { Resource: unknown[] }).Resource).toHaveLength(4);
  });

  it("is told to drain the dead-letter intakes (their URLs follow from the DLQs')", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-monitor',
      Environment: { Variables: Match.objectLike({ LAMBDA_JOBS_DEAD_LETTER_INTAKES: 'on' }) },
    });
  });

  it('is told the workers’ names (a prefix), to tell a paused queue from a stalled one', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-monitor',
      Environment: {
        Variables: Match.objectLike({ LAMBDA_JOBS_WORKER_FUNCTION_PREFIX: 'shop-worker-' }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-worker-default',
    });
  });
});

describe('alert topics', () => {
  it('creates warning and critical topics, KMS-encrypted, TLS only, with the configured emails', () => {
    const key = idOf('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const level of ['warning', 'critical']) {
      const topic = idOf('AWS::SNS::Topic', { TopicName: `shop-alerts-${level}` });
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: `shop-alerts-${level}`,
        KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        TopicArn: { Ref: topic },
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
    }
  });

  it('lets only CloudWatch alarms of this account and region use the topic key', () => {
    const statements = Object.values(template.findResources('AWS::KMS::Key')).flatMap(
      (key) =>
        (key as { Properties: { KeyPolicy: { Statement: Record<string, unknown>[] } } }).Properties
          .KeyPolicy.Statement,
    );
    const forCloudWatch = statements.filter((s) =>
      JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'),
    );
    expect(forCloudWatch).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudwatch:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':alarm:*',
                ],
              ],
            },
          },
        },
      }),
    ]);
  });
});

describe('observability', () => {
  it('builds a dashboard with per-queue depth, age, DLQ, level, outcomes, percentiles and alarm status', () => {
    // Prepare
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(
      (dashboard as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody,
    );

    // Assess
    for (const expected of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
      'ApproximateAgeOfOldestMessage',
      idOf('AWS::SQS::Queue', { QueueName: 'shop-default-dlq' }),
      idOf('AWS::SQS::Queue', { QueueName: 'shop-slow-dlq' }),
      'BacklogLevel',
      'JobsSucceeded',
      'JobsErrored',
      'JobsRetried',
      'JobDuration',
      'JobQueueWait',
      '\\"stat\\":\\"p99\\"',
      '\\"type\\":\\"alarm\\"',
    ]) {
      expect(body).toContain(expected);
    }
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'shop' });
  });

  it('saves the four Logs Insights queries over the right log groups', () => {
    const workerLogs = ['shop-worker-default', 'shop-worker-slow'].map((name) =>
      idOf('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/${name}` }),
    );
    const monitorLogs = idOf('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/shop-monitor' });
    template.resourceCountIs('AWS::Logs::QueryDefinition', 4);
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'shop/failures-by-job-type',
      LogGroupNames: workerLogs.map((id) => ({ Ref: id })),
      QueryString: Match.stringLikeRegexp('stats count\\(\\*\\) as failures.* by job_type'),
    });
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'shop/slowest-jobs',
      QueryString: Match.stringLikeRegexp(
        'filter message = "Jobs succeeded"\n\\| unnest line.jobs into job[\\s\\S]*sort job.duration_ms desc',
      ),
    });
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'shop/job-history',
      LogGroupNames: [...workerLogs, monitorLogs].map((id) => ({ Ref: id })),
      QueryString: Match.stringLikeRegexp('filter job_id = "JOB_ID" or @message like "JOB_ID"'),
    });
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'shop/backlog-events',
      LogGroupNames: [{ Ref: monitorLogs }],
      QueryString: Match.stringLikeRegexp('Job \\(?backlog'),
    });
  });
});

describe('outputs for the CLI', () => {
  it('names every output predictably', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        STACK_OUTPUTS.queueUrls,
        STACK_OUTPUTS.workerFunctionNames,
        STACK_OUTPUTS.tableName,
        STACK_OUTPUTS.warningTopicArn,
        STACK_OUTPUTS.criticalTopicArn,
        STACK_OUTPUTS.monitorFunctionName,
        STACK_OUTPUTS.dashboardName,
        STACK_OUTPUTS.dashboardUrl,
        STACK_OUTPUTS.operatorPolicyArn,
        STACK_OUTPUTS.metricNamespace,
        STACK_OUTPUTS.schedulerGroup,
        STACK_OUTPUTS.schedulerRoleArn,
        STACK_OUTPUTS.schedulerDeadLetterArn,
        'QueueUrlDefault',
        'DlqUrlDefault',
        'WorkerFunctionNameDefault',
        'QueueUrlSlow',
        'DlqUrlSlow',
        'WorkerFunctionNameSlow',
      ].sort(),
    );
  });

  it('gives queue URLs as the same JSON the functions read', () => {
    const queue = idOf('AWS::SQS::Queue', { QueueName: 'shop-default' });
    const dlq = idOf('AWS::SQS::Queue', { QueueName: 'shop-default-dlq' });
    template.hasOutput(STACK_OUTPUTS.queueUrls, {
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith(['{"default":{"url":"', { Ref: queue }, '","dlqUrl":"', { Ref: dlq }]),
        ],
      },
    });
    template.hasOutput('DlqUrlDefault', { Value: { Ref: dlq } });
    const worker = idOf('AWS::Lambda::Function', { FunctionName: 'shop-worker-default' });
    template.hasOutput(STACK_OUTPUTS.workerFunctionNames, {
      Value: { 'Fn::Join': ['', Match.arrayWith(['{"default":"', { Ref: worker }])] },
    });
    template.hasOutput('WorkerFunctionNameDefault', { Value: { Ref: worker } });
    template.hasOutput(STACK_OUTPUTS.monitorFunctionName, {
      Value: { Ref: idOf('AWS::Lambda::Function', { FunctionName: 'shop-monitor' }) },
    });
    template.hasOutput(STACK_OUTPUTS.tableName, {
      Value: { Ref: idOf('AWS::DynamoDB::Table', { TableName: 'shop-jobs' }) },
    });
  });
});
