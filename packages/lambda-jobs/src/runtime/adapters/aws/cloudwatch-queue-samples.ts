import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRIC_DIMENSIONS, MONITOR_METRICS } from '../../../config/metric-names.ts';
import type { QueueSampleSource } from '../../admin/admin-ports.ts';
import type { BacklogLevelName, QueueSample } from '../../admin/jobs-admin.ts';
import type { ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';
import { getMetricDataInBatches, type MetricSeries } from './cloudwatch-metric-data.ts';

/** Options for {@link createCloudWatchQueueSampleSource}. */
export interface CloudWatchQueueSampleOptions {
  readonly client: CloudWatchClient;
  /** The namespace the monitor publishes to (the app name unless the stack says otherwise). */
  readonly namespace: string;
  /** The monitor's `service` dimension (the app name). */
  readonly service: string;
  /** Configured queue names (the `queue` dimension). */
  readonly queues: readonly string[];
  readonly retry?: ThrottleRetryOptions;
  readonly now?: () => Date;
}

/** The metrics one sample is built from, by QueueSample field. */
const SAMPLE_METRICS = {
  backlog: MONITOR_METRICS.backlog,
  requested: MONITOR_METRICS.requested,
  inFlight: MONITOR_METRICS.processing,
  delayed: MONITOR_METRICS.delayed,
  dlqDepth: MONITOR_METRICS.dlqDepth,
  oldestAgeSeconds: MONITOR_METRICS.oldestAge,
  level: MONITOR_METRICS.backlogLevel,
} as const;

type SampleField = keyof typeof SAMPLE_METRICS;
const FIELDS = Object.keys(SAMPLE_METRICS) as SampleField[];
const LEVEL_NAMES: readonly BacklogLevelName[] = ['ok', 'warning', 'critical'];

/** At most this many points per series: the period grows with the window. */
const MAX_POINTS = 180;

/**
 * The period for a window: 1 minute up to 3 hours, then a whole number of minutes keeping a
 * series under {@link MAX_POINTS} points.
 *
 * @example `samplePeriodSeconds(60) === 60`, `samplePeriodSeconds(1440) === 480`
 */
export function samplePeriodSeconds(minutes: number): number {
  return Math.max(1, Math.ceil(minutes / MAX_POINTS)) * 60;
}

function valuesByTime(series: MetricSeries | undefined): Map<number, number> {
  const map = new Map<number, number>();
  if (!series) return map;
  series.timestamps.forEach((at, i) => {
    const value = series.values[i];
    if (value !== undefined) map.set(at.getTime(), value);
  });
  return map;
}

/**
 * The monitor's samples read back from CloudWatch (what dev mode keeps in memory): per queue,
 * Maximum of each monitor metric per period, joined by timestamp into {@link QueueSample}s,
 * oldest first. Seven queries per queue, batched by {@link getMetricDataInBatches}. A minute
 * in which the monitor did not run has no sample.
 *
 * @example
 * ```ts
 * const samples = createCloudWatchQueueSampleSource({ client, namespace: 'shop', service: 'shop', queues: ['default'] });
 * const lastHour = await samples.recent(60);
 * ```
 */
export function createCloudWatchQueueSampleSource(
  options: CloudWatchQueueSampleOptions,
): QueueSampleSource {
  const clock = options.now ?? (() => new Date());
  return {
    async recent(minutes: number): Promise<QueueSample[]> {
      const period = samplePeriodSeconds(minutes);
      const queries: MetricDataQuery[] = options.queues.flatMap((queue, q) =>
        FIELDS.map((field, f) => ({
          Id: `s${q}_${f}`,
          MetricStat: {
            Metric: {
              Namespace: options.namespace,
              MetricName: SAMPLE_METRICS[field],
              Dimensions: [
                { Name: METRIC_DIMENSIONS.service, Value: options.service },
                { Name: METRIC_DIMENSIONS.queue, Value: queue },
              ],
            },
            Period: period,
            Stat: 'Maximum',
          },
          ReturnData: true,
        })),
      );
      const end = clock();
      const series = await getMetricDataInBatches(options.client, queries, {
        start: new Date(end.getTime() - minutes * 60_000),
        end,
        ...(options.retry ? { retry: options.retry } : {}),
      });
      const samples: QueueSample[] = [];
      options.queues.forEach((queue, q) => {
        const byField = new Map(
          FIELDS.map((field, f) => [field, valuesByTime(series.get(`s${q}_${f}`))] as const),
        );
        const times = [...(byField.get('backlog')?.keys() ?? [])].sort((a, b) => a - b);
        for (const time of times) {
          const get = (field: SampleField) => byField.get(field)?.get(time) ?? 0;
          samples.push({
            at: new Date(time).toISOString(),
            queue,
            backlog: get('backlog'),
            visible: Math.max(0, get('requested') - get('delayed')),
            inFlight: get('inFlight'),
            delayed: get('delayed'),
            dlqDepth: get('dlqDepth'),
            oldestAgeSeconds: get('oldestAgeSeconds'),
            level: LEVEL_NAMES[Math.round(get('level'))] ?? 'ok',
          });
        }
      });
      return samples.sort((a, b) => a.at.localeCompare(b.at) || a.queue.localeCompare(b.queue));
    },
  };
}
