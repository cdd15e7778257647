import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  parseAlarmDescription,
  RUNBOOKS,
  runbookPath,
} from '../../packages/lambda-jobs/src/config/alarm-descriptions.ts';
import { findResource, NO_JOBS, synthesizeStack, testConfig } from './infra-fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');

let template: Template;
/** A deployment where no threshold is configured for queue `default` (the opt-in case). */
let unsetTemplate: Template;

beforeAll(() => {
  ({ template } = synthesizeStack({ runbookBaseUrl: 'https://git.example.com/shop/blob/main/' }));
  ({ template: unsetTemplate } = synthesizeStack({
    config: testConfig((input) => ({
      appName: input.appName,
      queues: { default: {} },
      settings: { JOBS_DLQ_WARNING: 3 },
    })),
    registry: NO_JOBS,
  }));
});

type AlarmProperties = Record<string, unknown> & {
  AlarmName: string;
  AlarmDescription: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
};

function alarmsOf(t: Template): AlarmProperties[] {
  return Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
    (r) => (r as { Properties: AlarmProperties }).Properties,
  );
}

function alarm(name: string, t: Template = template): AlarmProperties {
  const found = alarmsOf(t).find((a) => a.AlarmName === name);
  if (!found) throw new Error(`No alarm named ${name}`);
  return found;
}

function topicRef(level: 'warning' | 'critical', t: Template = template): { Ref: string } {
  return { Ref: findResource(t, 'AWS::SNS::Topic', { TopicName: `shop-alerts-${level}` }).id };
}

function queueAttr(queueName: string): string {
  return findResource(template, 'AWS::SQS::Queue', { QueueName: queueName }).id;
}

const OWN_DIMENSIONS = (queue: string) => [
  { Name: 'queue', Value: queue },
  { Name: 'service', Value: 'shop' },
];

describe('queue alarms', () => {
  it('alarms on backlog warning and critical from the monitor metric, per queue thresholds', () => {
    expect(alarm('shop-slow-backlog-warning')).toMatchObject({
      Namespace: 'shop',
      MetricName: 'JobsBacklog',
      Dimensions: OWN_DIMENSIONS('slow'),
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'ignore',
      AlarmActions: [topicRef('warning')],
      OKActions: [topicRef('warning')],
    });
    expect(alarm('shop-slow-backlog-critical')).toMatchObject({
      MetricName: 'JobsBacklog',
      Threshold: 500,
      AlarmActions: [topicRef('critical')],
    });
    expect(alarm('shop-default-backlog-warning')).toMatchObject({ Threshold: 500 });
    expect(alarm('shop-default-backlog-critical')).toMatchObject({ Threshold: 1000 });
  });

  it('alarms on the oldest message age from AWS/SQS', () => {
    expect(alarm('shop-default-oldest-age-warning')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueAttr('shop-default'), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef('warning')],
    });
    expect(alarm('shop-default-oldest-age-critical')).toMatchObject({
      Threshold: 900,
      AlarmActions: [topicRef('critical')],
    });
  });

  it('alarms when the DLQ holds messages, from its visible count', () => {
    expect(alarm('shop-slow-dlq-not-empty')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueAttr('shop-slow-dlq'), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef('warning')],
    });
    expect(alarm('shop-default-dlq-not-empty')).toMatchObject({ Threshold: 1 });
  });

  it('alarms when a dead-letter intake keeps a message for an hour: the monitor is not reconciling it', () => {
    expect(alarm('shop-slow-dead-letter-intake-stuck')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [queueAttr('shop-slow-dlq-intake'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef('warning')],
    });
  });

  it('alarms when processing stalls, from the monitor metric', () => {
    expect(alarm('shop-default-processing-stalled')).toMatchObject({
      Namespace: 'shop',
      MetricName: 'ProcessingStalled',
      Dimensions: OWN_DIMENSIONS('default'),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [topicRef('critical')],
    });
  });

  it('alarms when fewer than 90 % of jobs succeed over 10 minutes', () => {
    // Prepare
    const found = alarm('shop-default-success-rate-low');
    const metrics = found.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData: boolean;
      MetricStat?: {
        Metric: { MetricName: string; Dimensions: unknown };
        Period: number;
        Stat: string;
      };
    }[];

    // Assess
    expect(found).toMatchObject({
      Threshold: 90,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef('warning')],
    });
    const expression = metrics.find((m) => m.Expression !== undefined)!;
    expect(expression.ReturnData).toBe(true);
    expect(expression.Expression).toContain(
      '100 * FILL(succeeded, 0) / (FILL(succeeded, 0) + FILL(errored, 0))',
    );
    const inputs = metrics.filter((m) => m.MetricStat);
    expect(
      inputs.map((m) => [
        m.Id,
        m.MetricStat!.Metric.MetricName,
        m.MetricStat!.Period,
        m.MetricStat!.Stat,
      ]),
    ).toEqual([
      ['succeeded', 'JobsSucceeded', 600, 'Sum'],
      ['errored', 'JobsErrored', 600, 'Sum'],
    ]);
    for (const input of inputs)
      expect(input.MetricStat!.Metric.Dimensions).toEqual(OWN_DIMENSIONS('default'));
  });

  it('alarms on worker function errors and throttles', () => {
    const worker = findResource(template, 'AWS::Lambda::Function', {
      FunctionName: 'shop-worker-slow',
    }).id;
    for (const [kind, metric] of [
      ['worker-errors', 'Errors'],
      ['worker-throttles', 'Throttles'],
    ] as const) {
      expect(alarm(`shop-slow-${kind}`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: worker } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef('warning')],
      });
    }
  });

  it('creates no threshold alarm for a threshold left unset', () => {
    const names = alarmsOf(unsetTemplate)
      .map((a) => a.AlarmName)
      .sort();
    expect(names).toEqual([
      'shop-default-dead-letter-intake-stuck',
      'shop-default-dlq-not-empty',
      'shop-default-processing-stalled',
      'shop-default-success-rate-low',
      'shop-default-worker-errors',
      'shop-default-worker-throttles',
      'shop-delayed-delivery-failed',
      'shop-monitor-not-reporting',
      'shop-monitor-schedule-dlq-not-empty',
    ]);
    expect(alarm('shop-default-dlq-not-empty', unsetTemplate)).toMatchObject({ Threshold: 3 });
  });
});

describe('monitor alarm', () => {
  it('alarms when the monitor heartbeat is missing, treating missing data as breaching', () => {
    expect(alarm('shop-monitor-not-reporting')).toMatchObject({
      Namespace: 'shop',
      MetricName: 'MonitorHeartbeat',
      Dimensions: [{ Name: 'service', Value: 'shop' }],
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [topicRef('critical')],
      OKActions: [topicRef('critical')],
    });
  });
});

describe('dead-letter alarms of the schedules', () => {
  it('alarms when the monitor schedule DLQ holds an event EventBridge could not deliver', () => {
    expect(alarm('shop-monitor-schedule-dlq-not-empty')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [queueAttr('shop-monitor-schedule-dlq'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef('warning')],
    });
    expect(alarm('shop-monitor-schedule-dlq-not-empty').AlarmDescription).toContain(
      'docs/runbooks/monitor-schedule-dead-letters.md',
    );
  });

  it('alarms when a one-time schedule dead-lettered a delayed job to the delayed-failures queue', () => {
    expect(alarm('shop-delayed-delivery-failed')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [queueAttr('shop-delayed-failures'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef('critical')],
    });
    expect(alarm('shop-delayed-delivery-failed').AlarmDescription).toContain(
      'docs/runbooks/delayed-delivery-failures.md',
    );
  });
});

describe('alarm descriptions and runbooks', () => {
  it('gives every alarm a deliberate missing-data behaviour and both ALARM and OK notifications', () => {
    for (const found of alarmsOf(template)) {
      expect(['ignore', 'notBreaching', 'breaching', 'missing']).toContain(found.TreatMissingData);
      expect(found.AlarmActions).toHaveLength(1);
      expect(found.OKActions).toEqual(found.AlarmActions);
    }
  });

  it('names the queue and links a runbook that exists in every description', () => {
    // Prepare
    const alarms = alarmsOf(template);

    // Assess: 10 per queue (two queues), the monitor heartbeat, the two schedule DLQs
    expect(alarms).toHaveLength(23);
    for (const found of alarms) {
      const description = parseAlarmDescription(found.AlarmDescription);
      expect(description.summary.length).toBeGreaterThan(20);
      expect(description.runbook).toMatch(
        /^https:\/\/git\.example\.com\/shop\/blob\/main\/docs\/runbooks\/[a-z-]+\.md$/,
      );
      const file = description.runbook!.replace('https://git.example.com/shop/blob/main/', '');
      expect(existsSync(path.join(root, file)), file).toBe(true);
      const appWide = [
        'shop-monitor-not-reporting',
        'shop-monitor-schedule-dlq-not-empty',
        'shop-delayed-delivery-failed',
      ];
      if (!appWide.includes(found.AlarmName)) {
        expect(found.AlarmName).toContain(`-${description.queue}-`);
      }
    }
    expect(alarm('shop-default-backlog-critical').AlarmDescription).toMatch(
      /at or above the critical threshold of 1000 jobs/,
    );
  });

  it('has a runbook for every alarm kind, with assess, diagnose and mitigate steps using the CLI', () => {
    for (const name of Object.values(RUNBOOKS)) {
      const text = readFileSync(path.join(root, runbookPath(name)), 'utf8');
      expect(text, name).toMatch(/^# Runbook: /);
      expect(text, name).toMatch(/## Assess/);
      expect(text, name).toMatch(/## Diagnos/);
      expect(text, name).toMatch(/## Mitigat/);
      expect(text, name).toMatch(/npx lambda-jobs (doctor|queues)/);
    }
  });

  it('uses plain runbook paths when no base URL is given', () => {
    expect(
      parseAlarmDescription(alarm('shop-default-worker-errors', unsetTemplate).AlarmDescription),
    ).toEqual({
      summary: expect.stringContaining('queue "default"') as unknown as string,
      queue: 'default',
      runbook: 'docs/runbooks/worker-errors.md',
    });
  });
});

describe('alarm wiring', () => {
  it('notifies only the two alert topics', () => {
    const topics = [topicRef('warning'), topicRef('critical')];
    for (const found of alarmsOf(template)) {
      expect(topics).toContainEqual(found.AlarmActions[0]);
    }
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shop-default-backlog-warning',
      AlarmActions: Match.exact([topicRef('warning')]),
    });
  });
});
