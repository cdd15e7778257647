import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_DIMENSIONS, WORKER_METRICS } from '../../config/metric-names.ts';

/** What happened to one delivery, as counted in metrics. */
export type JobOutcome =
  | 'succeeded'
  | 'errored'
  | 'retried'
  | 'deferred'
  | 'rejected'
  | 'lost'
  | 'duplicate'
  /** A job held by its type's open circuit, or the circuit opening. */
  | 'circuit-open';

const COUNTER_FOR: Record<JobOutcome, string> = {
  succeeded: WORKER_METRICS.succeeded,
  errored: WORKER_METRICS.errored,
  retried: WORKER_METRICS.retried,
  deferred: WORKER_METRICS.deferred,
  rejected: WORKER_METRICS.rejected,
  lost: WORKER_METRICS.lost,
  duplicate: WORKER_METRICS.duplicateDeliveries,
  'circuit-open': WORKER_METRICS.circuitOpen,
};

export interface JobMetricEvent {
  readonly queue: string;
  readonly type: string;
  readonly outcome: JobOutcome;
  readonly durationMs?: number;
  readonly waitMs?: number;
}

/** Collects a batch's job metrics and publishes them as one EMF line per queue and job type. */
export interface JobMetricsRecorder {
  record(event: JobMetricEvent): void;
  /** Publishes and clears what was recorded. */
  flush(): void;
}

interface Group {
  readonly queue: string;
  readonly type: string;
  readonly counts: Map<string, number>;
  readonly durations: number[];
  readonly waits: number[];
}

/**
 * Aggregates per (queue, job type) and writes EMF through Powertools Metrics, once with the
 * dimensions `[service, queue]` (what the alarms read) and once with `[service, queue, job_type]`.
 *
 * @example
 * ```ts
 * const recorder = createJobMetrics(new Metrics({ namespace: 'shop', serviceName: 'shop' }));
 * recorder.record({ queue: 'default', type: 'webhook', outcome: 'succeeded', durationMs: 12 });
 * recorder.flush();
 * ```
 */
export function createJobMetrics(metrics: Metrics): JobMetricsRecorder {
  const groups = new Map<string, Group>();
  return {
    record(event) {
      const key = `${event.queue}\u0000${event.type}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          queue: event.queue,
          type: event.type,
          counts: new Map(),
          durations: [],
          waits: [],
        };
        groups.set(key, group);
      }
      const counter = COUNTER_FOR[event.outcome];
      group.counts.set(counter, (group.counts.get(counter) ?? 0) + 1);
      if (event.durationMs !== undefined) group.durations.push(event.durationMs);
      if (event.waitMs !== undefined) group.waits.push(event.waitMs);
    },
    flush() {
      for (const group of groups.values()) {
        // Two EMF documents rather than two dimension sets in one: both sets share `queue`,
        // which Powertools reports as a key collision.
        for (const withType of [false, true]) {
          metrics.addDimension(METRIC_DIMENSIONS.queue, group.queue);
          if (withType) metrics.addDimension(METRIC_DIMENSIONS.jobType, group.type);
          for (const [name, count] of group.counts)
            metrics.addMetric(name, MetricUnit.Count, count);
          for (const ms of group.durations) {
            metrics.addMetric(WORKER_METRICS.duration, MetricUnit.Milliseconds, ms);
          }
          for (const ms of group.waits) {
            metrics.addMetric(WORKER_METRICS.queueWait, MetricUnit.Milliseconds, ms);
          }
          metrics.publishStoredMetrics();
        }
      }
      groups.clear();
    },
  };
}
