import { Duration } from 'aws-cdk-lib';
import { SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlertingConfig } from '../config/config-types.ts';
import { ENV } from '../config/env.ts';
import type { AlertTopics } from './alert-topics.ts';
import type { LogLevel } from './function-environment.ts';
import { JobsFunction } from './jobs-function.ts';
import { grantReadSecretsByName } from './secret-access.ts';

export interface SlackAlertsProps {
  readonly alerting: AlertingConfig;
  readonly topics: AlertTopics;
  readonly chatbotConfigurationName: string;
  readonly notifierFunctionName: string;
  readonly notifierEntry: string;
  readonly projectRoot: string;
  readonly appName: string;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  /** X-Ray active tracing on the function. Default off. */
  readonly xrayTracing?: boolean;
  /** Prefix that turns `docs/runbooks/x.md` into a link, e.g. a repository's blob URL. */
  readonly runbookBaseUrl?: string | undefined;
}

/**
 * Alarm notifications in Slack, one of two ways:
 *
 * - with `alerting.slackChatbot` (workspace and channel ids): an AWS Chatbot Slack channel
 *   configuration subscribed to both topics. Its guardrail is CloudWatch read-only, so nobody
 *   can act on the account from the channel.
 * - otherwise, with `alerting.slackWebhookSecretName`: the notifier function
 *   (`functions/notifier.ts`) subscribed to both topics, posting a readable message to the
 *   Slack incoming webhook whose URL that Secrets Manager secret holds.
 *
 * With neither, nothing is created (email subscriptions may still be configured).
 *
 * @example
 * ```ts
 * new SlackAlerts(this, 'Slack', { alerting: config.alerting, topics, … });
 * ```
 */
export class SlackAlerts extends Construct {
  readonly chatbot: SlackChannelConfiguration | undefined;
  readonly notifier: JobsFunction | undefined;

  constructor(scope: Construct, id: string, props: SlackAlertsProps) {
    super(scope, id);
    const { slackChatbot, slackWebhookSecretName } = props.alerting;
    if (slackChatbot) {
      this.chatbot = new SlackChannelConfiguration(this, 'Chatbot', {
        slackChannelConfigurationName: props.chatbotConfigurationName,
        slackWorkspaceId: slackChatbot.workspaceId,
        slackChannelId: slackChatbot.channelId,
        notificationTopics: [...props.topics.all],
        guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('CloudWatchReadOnlyAccess')],
      });
      this.notifier = undefined;
      return;
    }
    this.chatbot = undefined;
    if (!slackWebhookSecretName) {
      this.notifier = undefined;
      return;
    }
    const notifier = new JobsFunction(this, 'Notifier', {
      entry: props.notifierEntry,
      projectRoot: props.projectRoot,
      functionName: props.notifierFunctionName,
      description: 'Posts lambda-jobs alarms to Slack',
      timeout: Duration.seconds(15),
      memorySize: 256,
      appName: props.appName,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      ...(props.xrayTracing ? { xrayTracing: true } : {}),
      environment: {
        [ENV.slackWebhookSecret]: slackWebhookSecretName,
        ...(props.runbookBaseUrl ? { [ENV.runbookBaseUrl]: props.runbookBaseUrl } : {}),
      },
    });
    grantReadSecretsByName(this, notifier.function, [slackWebhookSecretName]);
    for (const topic of props.topics.all)
      topic.addSubscription(new LambdaSubscription(notifier.function));
    this.notifier = notifier;
  }
}
