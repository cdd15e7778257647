import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { METRIC_DIMENSIONS, MONITOR_METRICS } from '../../../config/metric-names.ts';
import type { MonitorActivitySource } from '../../admin/admin-ports.ts';
import type { ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';
import { getMetricDataInBatches } from './cloudwatch-metric-data.ts';

/** Options for {@link createCloudWatchMonitorHeartbeat}. */
export interface CloudWatchMonitorHeartbeatOptions {
  readonly client: CloudWatchClient;
  readonly namespace: string;
  readonly service: string;
  /** How far back to look, seconds. Default 3 hours. */
  readonly lookbackSeconds?: number;
  readonly retry?: ThrottleRetryOptions;
  readonly now?: () => Date;
}

/**
 * When the monitor last ran, from its MonitorHeartbeat metric (dimension `service` only, one
 * datapoint per run): the newest 1-minute period with a datapoint. Undefined when the window
 * has none (the monitor has not run for that long, or never).
 *
 * @example
 * ```ts
 * const lastRun = await createCloudWatchMonitorHeartbeat({ client, namespace: 'shop', service: 'shop' }).lastRun();
 * ```
 */
export function createCloudWatchMonitorHeartbeat(
  options: CloudWatchMonitorHeartbeatOptions,
): MonitorActivitySource {
  const clock = options.now ?? (() => new Date());
  const lookbackMs = (options.lookbackSeconds ?? 3 * 3600) * 1000;
  return {
    async lastRun() {
      const end = clock();
      const series = await getMetricDataInBatches(
        options.client,
        [
          {
            Id: 'heartbeat',
            MetricStat: {
              Metric: {
                Namespace: options.namespace,
                MetricName: MONITOR_METRICS.heartbeat,
                Dimensions: [{ Name: METRIC_DIMENSIONS.service, Value: options.service }],
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
        ],
        {
          start: new Date(end.getTime() - lookbackMs),
          end,
          ...(options.retry ? { retry: options.retry } : {}),
        },
      );
      const times = (series.get('heartbeat')?.timestamps ?? []).map((t) => t.getTime());
      return times.length === 0 ? undefined : new Date(Math.max(...times));
    },
  };
}
