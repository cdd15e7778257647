import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MONITOR_METRICS,
  WORKER_METRICS,
} from '../../packages/lambda-jobs/src/config/metric-names.ts';
import { createCloudWatchAlarmSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-alarms.ts';
import { createCloudWatchMonitorHeartbeat } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-monitor-heartbeat.ts';
import { createCloudWatchOutcomeCountSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-outcome-counts.ts';
import {
  createCloudWatchQueueSampleSource,
  samplePeriodSeconds,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-queue-samples.ts';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1' });
const now = new Date('2026-11-22T10:00:00.000Z');
const minute = (n: number) => new Date(now.getTime() - n * 60_000);

beforeEach(() => cloudwatch.reset());

describe('CloudWatch queue samples', () => {
  it('joins the monitor metrics of each queue by minute into samples, oldest first', async () => {
    // Prepare: backlog and level at two minutes for `default`, nothing for `slow`.
    const values: Record<string, number[]> = {
      [MONITOR_METRICS.backlog]: [12, 30],
      [MONITOR_METRICS.requested]: [10, 25],
      [MONITOR_METRICS.delayed]: [1, 0],
      [MONITOR_METRICS.processing]: [2, 5],
      [MONITOR_METRICS.backlogLevel]: [0, 1],
    };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const queue = q.MetricStat!.Metric!.Dimensions!.find((d) => d.Name === 'queue')!.Value;
        const found = queue === 'default' ? (values[q.MetricStat!.Metric!.MetricName!] ?? []) : [];
        return {
          Id: q.Id,
          StatusCode: 'Complete',
          Values: found,
          Timestamps: found.map((_, i) => minute(i + 1)),
        };
      }),
    }));
    const source = createCloudWatchQueueSampleSource({
      client,
      namespace: 'shop',
      service: 'shop',
      queues: ['default', 'slow'],
      now: () => now,
    });

    // Act
    const samples = await source.recent(60);

    // Assess
    expect(samples).toEqual([
      {
        at: minute(2).toISOString(),
        queue: 'default',
        backlog: 30,
        visible: 25,
        inFlight: 5,
        delayed: 0,
        dlqDepth: 0,
        oldestAgeSeconds: 0,
        level: 'warning',
      },
      {
        at: minute(1).toISOString(),
        queue: 'default',
        backlog: 12,
        visible: 9,
        inFlight: 2,
        delayed: 1,
        dlqDepth: 0,
        oldestAgeSeconds: 0,
        level: 'ok',
      },
    ]);
    const queries =
      cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!;
    expect(queries).toHaveLength(14);
    expect(queries[0]!.MetricStat).toMatchObject({ Period: 60, Stat: 'Maximum' });
  });

  it('widens the period for long windows', () => {
    // Act + Assess
    expect([samplePeriodSeconds(60), samplePeriodSeconds(180), samplePeriodSeconds(1440)]).toEqual([
      60, 60, 480,
    ]);
  });
});

describe('CloudWatch alarms and heartbeat', () => {
  it("lists alarms in ALARM that notify the deployment's topics, following pages", async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [{ AlarmName: 'shop-default-dlq', AlarmActions: ['arn:topic:shop-warning'] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricAlarms: [
          { AlarmName: 'shop-staging-default-dlq', AlarmActions: ['arn:topic:staging-warning'] },
        ],
        CompositeAlarms: [{ AlarmName: 'shop-monitor', AlarmActions: ['arn:topic:shop-critical'] }],
      });
    const alarms = createCloudWatchAlarmSource({
      client,
      alarmNamePrefix: 'shop-',
      topicArns: ['arn:topic:shop-warning', 'arn:topic:shop-critical'],
    });

    // Act
    const firing = await alarms.firing();

    // Assess
    expect(firing.map((a) => a.name)).toEqual(['shop-default-dlq', 'shop-monitor']);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[1]!.args[0].input.NextToken).toBe(
      'page-2',
    );
  });

  it('reads the newest heartbeat, and none when the window has no datapoint', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'heartbeat',
            StatusCode: 'Complete',
            Values: [1, 1],
            Timestamps: [minute(5), minute(2)],
          },
        ],
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'heartbeat', StatusCode: 'Complete', Values: [], Timestamps: [] },
        ],
      });
    const heartbeat = createCloudWatchMonitorHeartbeat({
      client,
      namespace: 'shop',
      service: 'shop',
      now: () => now,
    });

    // Act
    const seen = await heartbeat.lastRun();
    const none = await heartbeat.lastRun();

    // Assess
    expect(seen).toEqual(minute(2));
    expect(none).toBeUndefined();
  });
});

describe('CloudWatch outcome counts', () => {
  it('sums the workers\u2019 counters per queue and outcome in one GetMetricData request, whatever the volume', async () => {
    // Prepare: 600 successes and 3 errors on `default` spread over two minutes, nothing on `slow`.
    const sums: Record<string, number[]> = {
      [WORKER_METRICS.succeeded]: [250, 350],
      [WORKER_METRICS.errored]: [3],
      [WORKER_METRICS.retried]: [7],
      [WORKER_METRICS.lost]: [1],
      [MONITOR_METRICS.lostRescued]: [2],
    };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const queue = q.MetricStat!.Metric!.Dimensions!.find((d) => d.Name === 'queue')!.Value;
        const found = queue === 'default' ? (sums[q.MetricStat!.Metric!.MetricName!] ?? []) : [];
        return {
          Id: q.Id,
          StatusCode: 'Complete',
          Values: found,
          Timestamps: found.map((_, i) => minute(i + 1)),
        };
      }),
    }));
    const source = createCloudWatchOutcomeCountSource({
      client,
      namespace: 'shop',
      service: 'shop',
      queues: ['default', 'slow'],
      now: () => now,
    });

    // Act
    const hour = await source.history(60);

    // Assess
    expect(hour.totals).toEqual({
      default: { succeeded: 600, errored: 3, retried: 7, lost: 3, rejected: 0, deferred: 0 },
      slow: { succeeded: 0, errored: 0, retried: 0, lost: 0, rejected: 0, deferred: 0 },
    });
    expect(hour.buckets).toContainEqual({
      at: minute(2).toISOString(),
      queue: 'default',
      outcome: 'succeeded',
      count: 350,
    });
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.MetricDataQueries).toHaveLength(14);
    expect(input.MetricDataQueries?.every((q) => q.MetricStat?.Stat === 'Sum')).toBe(true);
    expect(input.MetricDataQueries?.every((q) => q.MetricStat?.Period === 60)).toBe(true);
    expect(input.StartTime).toEqual(minute(60));
  });

  it('reads a day in periods of 8 minutes, with the same number of requests', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const source = createCloudWatchOutcomeCountSource({
      client,
      namespace: 'shop',
      service: 'shop',
      queues: ['default'],
      now: () => now,
    });

    // Act
    const day = await source.history(1440);

    // Assess
    expect(day.periodSeconds).toBe(480);
    expect(day.totals.default?.succeeded).toBe(0);
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(480);
  });

  it('answers a refresh within 30 s from the last read, and reads again after', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    let clock = now;
    const source = createCloudWatchOutcomeCountSource({
      client,
      namespace: 'shop',
      service: 'shop',
      queues: ['default'],
      now: () => clock,
    });

    // Act
    await source.history(60);
    clock = new Date(now.getTime() + 5_000);
    await source.history(60);
    await source.history(1440);
    clock = new Date(now.getTime() + 31_000);
    await source.history(60);

    // Assess
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(3);
  });
});
