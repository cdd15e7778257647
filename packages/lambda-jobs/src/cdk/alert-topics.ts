import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlertLevel } from './deployment-names.ts';

export interface AlertTopicsProps {
  readonly topicName: (level: AlertLevel) => string;
  /** Subscribed to both topics; each address confirms by email. */
  readonly emails: readonly string[];
}

/**
 * Two SNS topics, `warning` (look during working hours) and `critical` (act now), that every
 * alarm notifies. Both are encrypted with a customer-managed KMS key (rotated yearly) whose
 * policy lets CloudWatch alarms of this account and region publish (the AWS-managed SNS key
 * does not allow it; `aws:SourceAccount` and `aws:SourceArn` keep other accounts' alarms from
 * using it: the confused-deputy guard), and both refuse requests without TLS.
 *
 * @example
 * ```ts
 * const topics = new AlertTopics(this, 'Alerts', { topicName: (l) => `shop-alerts-${l}`, emails: [] });
 * alarm.addAlarmAction(new SnsAction(topics.critical));
 * ```
 */
export class AlertTopics extends Construct {
  readonly warning: Topic;
  readonly critical: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the lambda-jobs alert topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccountPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.warning = this.topic('Warning', props.topicName('warning'));
    this.critical = this.topic('Critical', props.topicName('critical'));
    for (const email of props.emails) {
      for (const topic of this.all) topic.addSubscription(new EmailSubscription(email));
    }
  }

  /** Both topics, warning first. */
  get all(): readonly Topic[] {
    return [this.warning, this.critical];
  }

  /** The topic for a level. */
  forLevel(level: AlertLevel): Topic {
    return level === 'critical' ? this.critical : this.warning;
  }

  private topic(id: string, topicName: string): Topic {
    return new Topic(this, id, {
      topicName,
      displayName: topicName,
      masterKey: this.key,
      enforceSSL: true,
    });
  }
}
