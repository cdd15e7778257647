import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRIC_DIMENSIONS, WORKER_METRICS } from '../../../config/metric-names.ts';
import {
  COUNTED_OUTCOMES,
  type CountedOutcome,
  type OutcomeCountSource,
  type OutcomeReading,
  outcomeHistory,
  outcomePeriodSeconds,
  windowStart,
} from '../../admin/outcome-counts.ts';
import type { ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';
import { getMetricDataInBatches } from './cloudwatch-metric-data.ts';

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
  readonly now?: () => Date;
}

/** The worker metric each counted outcome is published as. */
const METRIC_OF: Readonly<Record<CountedOutcome, string>> = {
  succeeded: WORKER_METRICS.succeeded,
  errored: WORKER_METRICS.errored,
  retried: WORKER_METRICS.retried,
  lost: WORKER_METRICS.lost,
  rejected: WORKER_METRICS.rejected,
  deferred: WORKER_METRICS.deferred,
};

/**
 * Jobs finished per queue and outcome, read back from the counters the workers publish as EMF
 * (dimensions service + queue): Sum per period of one query per queue and outcome, in
 * `ceil(queues × 6 / 500)` GetMetricData requests (more only if CloudWatch pages) whatever the
 * number of jobs. It never reads job records.
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
  return {
    async history(minutes) {
      const period = outcomePeriodSeconds(minutes);
      const id = (q: number, o: number) => `o${q}_${o}`;
      const queries: MetricDataQuery[] = options.queues.flatMap((queue, q) =>
        COUNTED_OUTCOMES.map((outcome, o) => ({
          Id: id(q, o),
          MetricStat: {
            Metric: {
              Namespace: options.namespace,
              MetricName: METRIC_OF[outcome],
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
        COUNTED_OUTCOMES.forEach((outcome, o) => {
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
    },
  };
}
