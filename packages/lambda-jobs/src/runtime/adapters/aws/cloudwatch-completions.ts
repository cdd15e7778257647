import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRIC_DIMENSIONS, WORKER_METRICS } from '../../../config/metric-names.ts';
import type { CompletionSource, MonitoredQueue } from '../../monitor/monitor-ports.ts';
import type { ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';
import { createSharedMetricDataReader, type MetricDataReader } from './cloudwatch-metric-data.ts';

/** Options for {@link createCloudWatchCompletionSource}. */
export interface CloudWatchCompletionOptions {
  readonly client: CloudWatchClient;
  /** The namespace the worker publishes to (POWERTOOLS_METRICS_NAMESPACE, else the app name). */
  readonly namespace: string;
  /** The worker's `service` dimension (the app name). */
  readonly service: string;
  /** Throttling retries of the reader this source makes (a given `reader` has its own). */
  readonly retry?: ThrottleRetryOptions;
  /**
   * Shares GetMetricData requests with other readers of the same run (the monitor passes one
   * to both of its CloudWatch sources). Default: a reader of its own.
   */
  readonly reader?: MetricDataReader;
}

const FINISHED_METRICS = [WORKER_METRICS.succeeded, WORKER_METRICS.errored] as const;

/**
 * Completions from the worker's own metrics: Sum of JobsSucceeded + JobsErrored (dimensions
 * service + queue, 1-minute periods) over the window, two queries per queue, batched with
 * {@link getMetricDataInBatches}. No datapoints means no completions (0). Cheap at any volume:
 * it never reads job records.
 *
 * @example
 * ```ts
 * const source = createCloudWatchCompletionSource({ client, namespace: 'shop', service: 'shop' });
 * const done = await source.completions(queues, 600, new Date());
 * ```
 */
export function createCloudWatchCompletionSource(
  options: CloudWatchCompletionOptions,
): CompletionSource {
  const reader = options.reader ?? createSharedMetricDataReader(options.client, options.retry);
  return {
    async completions(queues: readonly MonitoredQueue[], windowSeconds: number, now: Date) {
      const queries: MetricDataQuery[] = queues.flatMap((queue, i) =>
        FINISHED_METRICS.map((metricName, m) => ({
          Id: `done${i}_${m}`,
          MetricStat: {
            Metric: {
              Namespace: options.namespace,
              MetricName: metricName,
              Dimensions: [
                { Name: METRIC_DIMENSIONS.service, Value: options.service },
                { Name: METRIC_DIMENSIONS.queue, Value: queue.name },
              ],
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: true,
        })),
      );
      const series = await reader.read(queries, {
        start: new Date(now.getTime() - windowSeconds * 1000),
        end: now,
      });
      return new Map(
        queues.map((queue, i) => {
          let total = 0;
          for (let m = 0; m < FINISHED_METRICS.length; m++) {
            for (const value of series.get(`done${i}_${m}`)?.values ?? []) total += value;
          }
          return [queue.name, Math.round(total)] as const;
        }),
      );
    },
  };
}
