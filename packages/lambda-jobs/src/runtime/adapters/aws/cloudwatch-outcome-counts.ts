import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  METRIC_DIMENSIONS,
  MONITOR_METRICS,
  WORKER_METRICS,
} from '../../../config/metric-names.ts';
import {
  COUNTED_OUTCOMES,
  type CountedOutcome,
  type OutcomeCountSource,
  type OutcomeHistory,
  type OutcomeReading,
  outcomeHistory,
  outcomePeriodSeconds,
  windowStart,
} from '../../admin/outcome-counts.ts';
import type { ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';
import { getMetricDataInBatches } from './cloudwatch-metric-data.ts';

/** The worker metric each counted outcome is published as. */
const WORKER_METRIC_OF: Readonly<Record<CountedOutcome, string>> = {
  succeeded: WORKER_METRICS.succeeded,
  errored: WORKER_METRICS.errored,
  retried: WORKER_METRICS.retried,
  lost: WORKER_METRICS.lost,
  rejected: WORKER_METRICS.rejected,
  deferred: WORKER_METRICS.deferred,
};

/** Options for {@link createCloudWatchOutcomeCountSource}. */
export interface CloudWatchOutcomeCountOptions {
  readonly client: CloudWatchClient;
  /** The namespace the workers publish to (POWERTOOLS_METRICS_NAMESPACE, else the app name). */
  readonly namespace: string;
  /** The workers' `service` dimension. */
  readonly service: string;
  /** Configured queue names (the `queue` dimension). */
  readonly queues: readonly string[];
  readonly retry?: ThrottleRetryOptions;
  /**
   * An answer is reused for this long (default 30 s; 0: never): the counters have 1-minute
   * resolution, and a dashboard refreshing every 5 s need not pay for a GetMetricData each time.
   */
  readonly maxAgeSeconds?: number;
  readonly now?: () => Date;
}

/**
 * The counters each outcome is read from: the worker's, plus the monitor's JobsLostRescued
 * (attempts whose worker died, found by the monitor's rescue rather than by a worker).
 */
const COUNTERS: readonly (readonly [CountedOutcome, string])[] = [
  ...COUNTED_OUTCOMES.map((outcome) => [outcome, WORKER_METRIC_OF[outcome]] as const),
  ['lost', MONITOR_METRICS.lostRescued],
];

/**
 * Jobs finished per queue and outcome, read back from the counters the workers publish as EMF
 * (dimensions service + queue) and the monitor's JobsLostRescued: Sum per period of one query per
 * queue and counter, in `ceil(queues × 7 / 500)` GetMetricData requests (more only if
 * CloudWatch pages) whatever the number of jobs, and none while an answer is younger than
 * `maxAgeSeconds`. It never reads job records.
 *
 * @example
 * ```ts
 * const source = createCloudWatchOutcomeCountSource({ client, namespace: 'shop', service: 'shop', queues: ['default'] });
 * const { totals } = await source.history(1440);
 * ```
 */
export function createCloudWatchOutcomeCountSource(
  options: CloudWatchOutcomeCountOptions,
): OutcomeCountSource {
  const clock = options.now ?? (() => new Date());
  const maxAgeMs = (options.maxAgeSeconds ?? 30) * 1000;
  /** window minutes → the answer and when it was asked (windows are 1–1440: bounded). */
  const recent = new Map<
    number,
    { readonly at: number; readonly answer: Promise<OutcomeHistory> }
  >();
  async function read(minutes: number): Promise<OutcomeHistory> {
    const period = outcomePeriodSeconds(minutes);
    const id = (q: number, o: number) => `o${q}_${o}`;
    const queries: MetricDataQuery[] = options.queues.flatMap((queue, q) =>
      COUNTERS.map(([, metricName], o) => ({
        Id: id(q, o),
        MetricStat: {
          Metric: {
            Namespace: options.namespace,
            MetricName: metricName,
            Dimensions: [
              { Name: METRIC_DIMENSIONS.service, Value: options.service },
              { Name: METRIC_DIMENSIONS.queue, Value: queue },
            ],
          },
          Period: period,
          Stat: 'Sum',
        },
        ReturnData: true,
      })),
    );
    const now = clock();
    const start = windowStart(now, minutes);
    const series = await getMetricDataInBatches(options.client, queries, {
      start,
      end: now,
      ...(options.retry ? { retry: options.retry } : {}),
    });
    const readings: OutcomeReading[] = [];
    options.queues.forEach((queue, q) => {
      COUNTERS.forEach(([outcome], o) => {
        const found = series.get(id(q, o));
        found?.timestamps.forEach((at, i) => {
          readings.push({
            // CloudWatch answers only for the range asked; a period it labels before the
            // start (aligned its own way) still counts, in the first bucket.
            at: Math.max(at.getTime(), start.getTime()),
            queue,
            outcome,
            count: Math.round(found.values[i] ?? 0),
          });
        });
      });
    });
    return outcomeHistory({ minutes, now, queues: options.queues, readings });
  }
  return {
    history(minutes) {
      const at = clock().getTime();
      const kept = recent.get(minutes);
      if (kept && at - kept.at < maxAgeMs) return kept.answer;
      const answer = read(minutes);
      recent.set(minutes, { at, answer });
      // A failed read is not kept: the next refresh asks again.
      answer.catch(() => recent.delete(minutes));
      return answer;
    },
  };
}
