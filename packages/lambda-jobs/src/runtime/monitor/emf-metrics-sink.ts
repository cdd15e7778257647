import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_DIMENSIONS } from '../../config/metric-names.ts';
import type { MetricsSink, MonitorMetric, MonitorMetricUnit } from './monitor-ports.ts';

const UNITS: Record<MonitorMetricUnit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  None: MetricUnit.NoUnit,
};

/**
 * Publishes through Powertools Metrics as CloudWatch Embedded Metric Format: one JSON line per
 * queue (dimensions `service` + `queue`) and one for the run (`service` only), written to
 * stdout, which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics. No API
 * call, no `cloudwatch:PutMetricData` permission, nothing to throttle, the same mechanism as
 * the worker's metrics, and in dev mode the lines are plain JSON on stdout.
 *
 * @example
 * ```ts
 * const sink = createEmfMetricsSink(new Metrics({ namespace: 'shop', serviceName: 'shop' }));
 * sink.publish([{ name: 'JobsBacklog', unit: 'Count', value: 12, queue: 'default' }]);
 * ```
 */
export function createEmfMetricsSink(metrics: Metrics): MetricsSink {
  return {
    publish(points: readonly MonitorMetric[]) {
      const byQueue = new Map<string | undefined, MonitorMetric[]>();
      for (const point of points) {
        const group = byQueue.get(point.queue) ?? [];
        group.push(point);
        byQueue.set(point.queue, group);
      }
      for (const [queue, group] of byQueue) {
        // Powertools flushes by itself at 100 metrics, dropping the dimension; a queue has ~10.
        if (queue !== undefined) metrics.addDimension(METRIC_DIMENSIONS.queue, queue);
        for (const point of group) metrics.addMetric(point.name, UNITS[point.unit], point.value);
        metrics.publishStoredMetrics();
      }
    },
  };
}
