import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { STACK_OUTPUTS } from '../../packages/lambda-jobs/src/config/stack-outputs.ts';
import { findResource, synthesizeStack, testConfig } from './infra-fixtures.ts';

let chatbot: Template;
let notifier: Template;
let neither: Template;

beforeAll(() => {
  ({ template: chatbot } = synthesizeStack({
    config: testConfig((input) => ({
      ...input,
      alerting: {
        emails: [],
        slackChatbot: { workspaceId: 'T012AB3C4', channelId: 'C0123ABCD' },
        slackWebhookSecretName: 'shop/slack-webhook',
      },
    })),
  }));
  ({ template: notifier } = synthesizeStack({
    config: testConfig((input) => ({
      ...input,
      alerting: { emails: [], slackWebhookSecretName: 'shop/slack-webhook' },
    })),
    runbookBaseUrl: 'https://git.example.com/shop/blob/main/',
  }));
  ({ template: neither } = synthesizeStack());
});

function topicIds(template: Template): string[] {
  return ['warning', 'critical'].map(
    (level) => findResource(template, 'AWS::SNS::Topic', { TopicName: `shop-alerts-${level}` }).id,
  );
}

describe('with AWS Chatbot ids', () => {
  it('subscribes a Slack channel configuration to both topics, read-only guardrail', () => {
    chatbot.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'shop-alerts',
      SlackWorkspaceId: 'T012AB3C4',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: topicIds(chatbot).map((id) => ({ Ref: id })),
      GuardrailPolicies: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess'],
          ],
        },
      ],
    });
  });

  it('creates no notifier function even when a webhook secret is configured too', () => {
    chatbot.resourceCountIs('AWS::Lambda::Function', 3);
    chatbot.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(Object.keys(chatbot.toJSON().Outputs)).not.toContain(STACK_OUTPUTS.notifierFunctionName);
  });
});

describe('with a webhook secret and no Chatbot ids', () => {
  it('runs the notifier on Node 24 with the secret name and runbook base URL', () => {
    notifier.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-slack-notifier',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          [ENV.slackWebhookSecret]: 'shop/slack-webhook',
          [ENV.runbookBaseUrl]: 'https://git.example.com/shop/blob/main/',
          POWERTOOLS_SERVICE_NAME: 'shop',
        }),
      },
    });
    notifier.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  it('subscribes the notifier to both topics and lets SNS invoke it', () => {
    const fn = findResource(notifier, 'AWS::Lambda::Function', {
      FunctionName: 'shop-slack-notifier',
    }).id;
    for (const topic of topicIds(notifier)) {
      notifier.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: { Ref: topic },
        Endpoint: { 'Fn::GetAtt': [fn, 'Arn'] },
      });
      notifier.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
        Principal: 'sns.amazonaws.com',
        SourceArn: { Ref: topic },
      });
    }
  });

  it('lets the notifier read that one secret and write its logs, nothing more', () => {
    // Prepare
    const [, policy] = Object.entries(notifier.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('JobsSlackNotifierRole'),
    )!;
    const statements = (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } })
      .Properties.PolicyDocument.Statement;

    // Assess
    expect(statements).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':secret:shop/slack-webhook-??????',
            ],
          ],
        },
      },
    ]);
  });

  it('outputs the notifier function name', () => {
    notifier.hasOutput(STACK_OUTPUTS.notifierFunctionName, {
      Value: {
        Ref: findResource(notifier, 'AWS::Lambda::Function', {
          FunctionName: 'shop-slack-notifier',
        }).id,
      },
    });
  });

  it('links runbooks by URL in alarm descriptions', () => {
    notifier.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shop-default-dlq-not-empty',
      AlarmDescription: Match.stringLikeRegexp(
        'Runbook: https://git\\.example\\.com/shop/blob/main/docs/runbooks/job-dead-letters\\.md$',
      ),
    });
  });
});

describe('with no Slack settings', () => {
  it('creates neither Chatbot nor notifier; emails still subscribe', () => {
    neither.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    neither.resourceCountIs('AWS::Lambda::Function', 3);
    neither.resourceCountIs('AWS::SNS::Subscription', 2);
  });
});
