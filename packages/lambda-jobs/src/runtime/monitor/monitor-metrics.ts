/**
 * The metrics one run publishes, as data: per queue (dimensions service + queue) and per run
 * (service only). Names are `config/metric-names.ts` MONITOR_METRICS, shared with the alarms.
 */
import { MONITOR_METRICS } from '../../config/metric-names.ts';
import type { QueueEvaluation } from './backlog-evaluation.ts';
import type { MonitorMetric } from './monitor-ports.ts';

/**
 * One queue's metrics. A value that could not be measured is left out (no datapoint, so an
 * alarm treats it as missing data rather than as a misleading zero). `lostRescued` is
 * undefined when the rescue failed for this queue.
 *
 * @example
 * ```ts
 * sink.publish(queueMetrics(evaluation, 0));
 * ```
 */
export function queueMetrics(
  evaluation: QueueEvaluation,
  lostRescued: number | undefined,
): MonitorMetric[] {
  const queue = evaluation.queue;
  const metrics: MonitorMetric[] = [];
  const add = (name: string, unit: MonitorMetric['unit'], value: number | undefined) => {
    if (value !== undefined) metrics.push({ name, unit, value, queue });
  };
  add(MONITOR_METRICS.backlog, 'Count', evaluation.counts?.jobsBacklog);
  add(MONITOR_METRICS.requested, 'Count', evaluation.counts?.jobsRequested);
  add(MONITOR_METRICS.processing, 'Count', evaluation.counts?.jobsProcessing);
  add(MONITOR_METRICS.delayed, 'Count', evaluation.counts?.jobsDelayed);
  add(MONITOR_METRICS.oldestAge, 'Seconds', evaluation.oldestAgeSeconds);
  add(MONITOR_METRICS.dlqDepth, 'Count', evaluation.dlqDepth);
  add(MONITOR_METRICS.backlogLevel, 'None', evaluation.level);
  add(MONITOR_METRICS.drainSeconds, 'Seconds', evaluation.drainSeconds);
  add(
    MONITOR_METRICS.stalled,
    'Count',
    evaluation.stalled === undefined ? undefined : Number(evaluation.stalled),
  );
  add(MONITOR_METRICS.lostRescued, 'Count', lostRescued);
  return metrics;
}

/**
 * The run's own metrics: the heartbeat (1, every run), how many queues could not be fully
 * read or rescued, and, when the orphaned-key sweep ran, how many keys it released.
 *
 * @example
 * ```ts
 * sink.publish(runMetrics(failedQueues.size));
 * ```
 */
export function runMetrics(queueErrors: number, keysReleased?: number): MonitorMetric[] {
  return [
    { name: MONITOR_METRICS.heartbeat, unit: 'Count', value: 1 },
    { name: MONITOR_METRICS.queueErrors, unit: 'Count', value: queueErrors },
    ...(keysReleased === undefined
      ? []
      : [{ name: MONITOR_METRICS.keysReleased, unit: 'Count' as const, value: keysReleased }]),
  ];
}
