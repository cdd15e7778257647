import { Aws, Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { QueueConfig } from '../config/config-types.ts';
import { MONITOR_METRICS, WORKER_METRICS } from '../config/metric-names.ts';
import type { JobQueue } from './job-queue.ts';
import { ONE_MINUTE, type QueueMetrics } from './queue-metrics.ts';

export interface JobsDashboardProps {
  readonly dashboardName: string;
  readonly queues: readonly { readonly config: QueueConfig; readonly jobQueue: JobQueue }[];
  readonly metrics: QueueMetrics;
  readonly alarms: readonly Alarm[];
  readonly monitorPeriod: Duration;
}

const WIDTH = 8;
const HEIGHT = 6;

function thresholdLines(levels: {
  readonly warning?: number | undefined;
  readonly critical?: number | undefined;
}): HorizontalAnnotation[] {
  const lines: HorizontalAnnotation[] = [];
  if (levels.warning !== undefined) {
    lines.push({ value: levels.warning, label: 'warning', color: '#ff7f0e' });
  }
  if (levels.critical !== undefined) {
    lines.push({ value: levels.critical, label: 'critical', color: '#d62728' });
  }
  return lines;
}

/**
 * The deployment's CloudWatch dashboard: the status of every alarm on top, then one section
 * per queue: depth (visible, in flight, delayed) with the backlog and its thresholds, the
 * oldest message's age, the DLQ depth, the backlog level (0 ok, 1 warning, 2 critical),
 * throughput by outcome, job duration p50/p95/p99 and queue wait p50/p95/p99.
 *
 * @example
 * ```ts
 * const dashboard = new JobsDashboard(this, 'Dashboard', { dashboardName: 'shop', queues, metrics, alarms, monitorPeriod });
 * ```
 */
export class JobsDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** Console URL of the dashboard (resolved at deploy time). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: JobsDashboardProps) {
    super(scope, id);
    const { metrics } = props;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.url = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${props.dashboardName}`;
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: 24,
        height: Math.max(3, Math.ceil(props.alarms.length / 4) + 1),
      }),
    );
    const minute = { period: ONE_MINUTE };
    const perRun = { period: props.monitorPeriod };
    for (const { config, jobQueue } of props.queues) {
      const name = config.name;
      const job = (metric: (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS], label: string) =>
        metrics.worker(metric, name, { statistic: 'Sum', ...minute, label });
      const percentiles = (metric: (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS]) =>
        ['p50', 'p95', 'p99'].map((statistic) =>
          metrics.worker(metric, name, { statistic, ...minute, label: statistic }),
        );
      this.dashboard.addWidgets(
        new TextWidget({
          markdown: `## Queue \`${name}\`\nBatch ${config.batchSize}, ${config.provisionedPollers ? `${config.provisionedPollers.minimumPollers}–${config.provisionedPollers.maximumPollers} provisioned pollers` : `up to ${config.maxConcurrency} concurrent workers`}, function timeout ${config.functionTimeoutSeconds} s, DLQ after ${config.maxReceiveCount} receives.`,
          width: 24,
          height: 2,
        }),
      );
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: depth`,
          width: WIDTH,
          height: HEIGHT,
          stacked: true,
          left: [
            metrics.sqs('ApproximateNumberOfMessagesVisible', jobQueue.queue, {
              statistic: 'Maximum',
              ...minute,
              label: 'visible',
            }),
            metrics.sqs('ApproximateNumberOfMessagesNotVisible', jobQueue.queue, {
              statistic: 'Maximum',
              ...minute,
              label: 'in flight',
            }),
            metrics.sqs('ApproximateNumberOfMessagesDelayed', jobQueue.queue, {
              statistic: 'Maximum',
              ...minute,
              label: 'delayed',
            }),
          ],
        }),
        new GraphWidget({
          title: `${name}: backlog (monitor)`,
          width: WIDTH,
          height: HEIGHT,
          left: [
            metrics.monitor(MONITOR_METRICS.backlog, name, {
              statistic: 'Maximum',
              ...perRun,
              label: 'backlog',
            }),
          ],
          leftAnnotations: thresholdLines(config.thresholds.backlog),
          right: [
            metrics.monitor(MONITOR_METRICS.backlogLevel, name, {
              statistic: 'Maximum',
              ...perRun,
              label: 'level (0 ok, 1 warning, 2 critical)',
            }),
          ],
          rightYAxis: { min: 0, max: 2 },
        }),
        new GraphWidget({
          title: `${name}: oldest message age (s)`,
          width: WIDTH,
          height: HEIGHT,
          left: [
            metrics.sqs('ApproximateAgeOfOldestMessage', jobQueue.queue, {
              statistic: 'Maximum',
              ...minute,
              label: 'oldest age',
            }),
          ],
          leftAnnotations: thresholdLines(config.thresholds.oldestAgeSeconds),
        }),
      );
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: DLQ depth`,
          width: WIDTH,
          height: HEIGHT,
          left: [
            metrics.sqs('ApproximateNumberOfMessagesVisible', jobQueue.deadLetterQueue, {
              statistic: 'Maximum',
              ...minute,
              label: 'dead letters',
            }),
          ],
          leftAnnotations:
            config.thresholds.dlqDepth === undefined
              ? []
              : [{ value: config.thresholds.dlqDepth, label: 'alarm', color: '#ff7f0e' }],
        }),
        new GraphWidget({
          title: `${name}: jobs by outcome (per minute)`,
          width: WIDTH,
          height: HEIGHT,
          stacked: true,
          left: [
            job(WORKER_METRICS.succeeded, 'succeeded'),
            job(WORKER_METRICS.errored, 'errored'),
            job(WORKER_METRICS.retried, 'retried'),
            job(WORKER_METRICS.deferred, 'deferred'),
            job(WORKER_METRICS.rejected, 'rejected'),
            job(WORKER_METRICS.lost, 'lost'),
          ],
        }),
        new GraphWidget({
          title: `${name}: duration and queue wait (ms)`,
          width: WIDTH,
          height: HEIGHT,
          left: percentiles(WORKER_METRICS.duration).map((m) =>
            m.with({ label: `run ${m.statistic}` }),
          ),
          right: percentiles(WORKER_METRICS.queueWait).map((m) =>
            m.with({ label: `wait ${m.statistic}` }),
          ),
        }),
      );
    }
  }
}
