import type { SNSEvent } from 'aws-lambda';

/**
 * CloudWatch alarm notifications as SNS delivers them to a Lambda subscriber: the alarm's JSON
 * is the string `Sns.Message`. Shapes and wording follow real notifications (threshold alarm,
 * metric-math alarm, a breaching gap in the data, the return to OK).
 */

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

export const BACKLOG_CRITICAL = {
  AlarmName: 'shop-default-backlog-critical',
  AlarmDescription:
    'Backlog (jobs requested + processing) of queue "default" has been at or above the critical threshold of 1000 jobs for 3 monitor runs (3 min): workers are not keeping up.\nQueue: default\nRunbook: docs/runbooks/job-queue-backlog.md',
  AWSAccountId: ACCOUNT,
  AlarmConfigurationUpdatedTimestamp: '2026-11-20T09:00:00.000+0000',
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: 3 out of the last 3 datapoints [1204.0 (22/11/26 10:02:00), 1150.0 (22/11/26 10:01:00), 1032.0 (22/11/26 10:00:00)] were greater than or equal to the threshold (1000.0) (minimum 3 datapoints for OK -> ALARM transition).',
  StateChangeTime: '2026-11-22T10:03:12.123+0000',
  Region: 'EU (Ireland)',
  AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:shop-default-backlog-critical`,
  OldStateValue: 'OK',
  OKActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:shop-alerts-critical`],
  AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:shop-alerts-critical`],
  InsufficientDataActions: [],
  Trigger: {
    MetricName: 'JobsBacklog',
    Namespace: 'shop',
    StatisticType: 'Statistic',
    Statistic: 'MAXIMUM',
    Unit: null,
    Dimensions: [
      { value: 'default', name: 'queue' },
      { value: 'shop', name: 'service' },
    ],
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1000.0,
    TreatMissingData: 'ignore',
    EvaluateLowSampleCountPercentile: '',
  },
};

export const SUCCESS_RATE_OK = {
  AlarmName: 'shop-slow-success-rate-low',
  AlarmDescription:
    'Fewer than 90 % of the jobs that finished on queue "slow" in the last 10 min succeeded (JobsSucceeded / (JobsSucceeded + JobsErrored)).\nQueue: slow\nRunbook: https://git.example.com/shop/blob/main/docs/runbooks/job-success-rate.md',
  AWSAccountId: ACCOUNT,
  NewStateValue: 'OK',
  NewStateReason:
    'Threshold Crossed: 1 datapoint [97.5 (22/11/26 10:10:00)] was not less than the threshold (90.0).',
  StateChangeTime: '2026-11-22T10:20:00.000+0000',
  Region: 'EU (Ireland)',
  AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:shop-slow-success-rate-low`,
  OldStateValue: 'ALARM',
  Trigger: {
    Period: 600,
    EvaluationPeriods: 1,
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 90.0,
    TreatMissingData: 'notBreaching',
    EvaluateLowSampleCountPercentile: '',
    Metrics: [
      {
        Expression:
          'IF((FILL(succeeded, 0) + FILL(errored, 0)) > 0, 100 * FILL(succeeded, 0) / (FILL(succeeded, 0) + FILL(errored, 0)))',
        Id: 'expr_1',
        Label: 'Success rate % (slow)',
        ReturnData: true,
      },
      {
        Id: 'succeeded',
        MetricStat: {
          Metric: {
            Dimensions: [
              { value: 'slow', name: 'queue' },
              { value: 'shop', name: 'service' },
            ],
            MetricName: 'JobsSucceeded',
            Namespace: 'shop',
          },
          Period: 600,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
    ],
  },
};

export const MONITOR_SILENT = {
  AlarmName: 'shop-monitor-not-reporting',
  AlarmDescription:
    'The backlog monitor has not reported for 3 runs (3 min): backlog, stalled and lost-job checks are blind.\nRunbook: docs/runbooks/monitor-not-reporting.md',
  AWSAccountId: ACCOUNT,
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].',
  StateChangeTime: '2026-11-22T11:00:00.000+0000',
  Region: 'EU (Ireland)',
  AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:shop-monitor-not-reporting`,
  OldStateValue: 'OK',
  Trigger: {
    MetricName: 'MonitorHeartbeat',
    Namespace: 'shop',
    StatisticType: 'Statistic',
    Statistic: 'SAMPLE_COUNT',
    Unit: null,
    Dimensions: [{ value: 'shop', name: 'service' }],
    Period: 60,
    EvaluationPeriods: 3,
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 1.0,
    TreatMissingData: 'breaching',
  },
};

export const DLQ_FROM_SQS = {
  AlarmName: 'hand-made-dlq-alarm',
  AlarmDescription: null,
  NewStateValue: 'ALARM',
  OldStateValue: 'INSUFFICIENT_DATA',
  NewStateReason:
    'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/11/26 12:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
  AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:hand-made-dlq-alarm`,
  Trigger: {
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Namespace: 'AWS/SQS',
    Dimensions: [{ value: 'shop-default-dlq', name: 'QueueName' }],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1.0,
  },
};

/** An SNS event delivering `bodies` (objects are serialized as CloudWatch does). */
export function snsEvent(
  bodies: readonly (string | object)[],
  subject = 'ALARM: "shop-default-backlog-critical" in EU (Ireland)',
): SNSEvent {
  const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:shop-alerts-critical`;
  return {
    Records: bodies.map((body, index) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
      Sns: {
        Type: 'Notification',
        MessageId: `95df01b4-ee98-5cb9-9903-4c221d41eb5${index}`,
        TopicArn: topic,
        Subject: subject,
        Message: typeof body === 'string' ? body : JSON.stringify(body),
        Timestamp: '2026-11-22T10:03:12.345Z',
        SignatureVersion: '1',
        Signature:
          'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
        SigningCertUrl:
          'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
        UnsubscribeUrl: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        MessageAttributes: {},
      },
    })),
  };
}
