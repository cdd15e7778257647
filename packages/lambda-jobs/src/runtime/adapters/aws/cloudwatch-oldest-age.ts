import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MonitoredQueue, OldestAgeSource } from '../../monitor/monitor-ports.ts';
import { queueNameFromUrl } from '../../monitor/queue-url.ts';
import type { ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';
import {
  createSharedMetricDataReader,
  type MetricDataReader,
  newestValue,
} from './cloudwatch-metric-data.ts';

/** Options for {@link createCloudWatchOldestAgeSource}. */
export interface CloudWatchOldestAgeOptions {
  readonly client: CloudWatchClient;
  /**
   * How far back to look for the newest 1-minute datapoint, seconds. SQS publishes every
   * minute, a little late; an idle queue publishes nothing (age 0). Default 300.
   */
  readonly lookbackSeconds?: number;
  /** Throttling retries of the reader this source makes (a given `reader` has its own). */
  readonly retry?: ThrottleRetryOptions;
  /**
   * Shares GetMetricData requests with other readers of the same run (the monitor passes one
   * to both of its CloudWatch sources). Default: a reader of its own.
   */
  readonly reader?: MetricDataReader;
}

/**
 * Oldest-message ages from CloudWatch: `AWS/SQS ApproximateAgeOfOldestMessage`, statistic
 * Maximum, 1-minute period, one query per queue (dimension `QueueName`, the physical name in
 * the queue URL), all queues batched into `ceil(queues / 500)` GetMetricData requests. The
 * newest datapoint wins; a queue without one (idle: SQS stops publishing) is 0.
 *
 * @example
 * ```ts
 * const source = createCloudWatchOldestAgeSource({ client: new CloudWatchClient({}) });
 * const ages = await source.oldestAges(queues, new Date());
 * ```
 */
export function createCloudWatchOldestAgeSource(
  options: CloudWatchOldestAgeOptions,
): OldestAgeSource {
  const lookbackMs = (options.lookbackSeconds ?? 300) * 1000;
  const reader = options.reader ?? createSharedMetricDataReader(options.client, options.retry);
  return {
    async oldestAges(queues: readonly MonitoredQueue[], now: Date) {
      const queries: MetricDataQuery[] = queues.map((queue, i) => ({
        Id: `age${i}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: queueNameFromUrl(queue.url) }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      }));
      const series = await reader.read(queries, {
        start: new Date(now.getTime() - lookbackMs),
        end: now,
      });
      return new Map(
        queues.map((queue, i) => {
          const newest = newestValue(series.get(`age${i}`));
          return [queue.name, newest === undefined ? 0 : Math.max(0, Math.floor(newest))] as const;
        }),
      );
    },
  };
}
