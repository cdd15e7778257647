/**
 * Dev mode's stand-in for the workers' CloudWatch counters: the same metric events the worker
 * publishes as EMF (and the monitor's JobsLostRescued), counted in this process per queue, per
 * outcome and per minute, kept for a day. The overview's cards and its throughput chart read these, as they read CloudWatch on AWS.
 */

import { MONITOR_METRICS } from '../config/metric-names.ts';
import {
  COUNTED_OUTCOMES,
  type CountedOutcome,
  type OutcomeCountSource,
  type OutcomeReading,
  outcomeHistory,
} from '../runtime/admin/outcome-counts.ts';
import type { MetricsSink } from '../runtime/monitor/monitor-ports.ts';
import type { JobMetricsRecorder } from '../runtime/observability/job-metrics.ts';

/** Minute buckets are kept this long: the longest window the dashboard shows, and a minute. */
const KEPT_MS = 24 * 3600 * 1000 + 60_000;

const COUNTED = new Set<string>(COUNTED_OUTCOMES);

export interface DevOutcomeCounter extends OutcomeCountSource {
  /** `recorder`, also counting each event it records. */
  counting(recorder: JobMetricsRecorder): JobMetricsRecorder;
  /** `sink`, also counting the attempts the monitor's rescue found lost (JobsLostRescued). */
  countingMonitor(sink: MetricsSink): MetricsSink;
}

/**
 * @param queues the configured queue names: every one appears in the totals, others are ignored.
 * @example
 * ```ts
 * const outcomes = createDevOutcomeCounter(Object.keys(config.queues));
 * createWorker({ ...deps, metricsRecorder: outcomes.counting(createJobMetrics(metrics)) });
 * const lastHour = await outcomes.history(60);
 * ```
 */
export function createDevOutcomeCounter(
  queues: readonly string[],
  clock: () => number = Date.now,
): DevOutcomeCounter {
  /** minute start (ms) → "queue\0outcome" → count; minutes in ascending order of insertion. */
  const minutes = new Map<number, Map<string, number>>();
  const forget = (now: number) => {
    for (const minute of minutes.keys()) {
      if (minute >= now - KEPT_MS) break;
      minutes.delete(minute);
    }
  };
  const add = (queue: string, outcome: CountedOutcome, count: number) => {
    const now = clock();
    const minute = now - (now % 60_000);
    let counts = minutes.get(minute);
    if (!counts) {
      forget(now);
      counts = new Map();
      minutes.set(minute, counts);
    }
    const key = `${queue}\u0000${outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + count);
  };
  return {
    counting(recorder) {
      return {
        record(event) {
          if (COUNTED.has(event.outcome)) add(event.queue, event.outcome as CountedOutcome, 1);
          recorder.record(event);
        },
        flush: () => recorder.flush(),
      };
    },
    countingMonitor(sink) {
      return {
        publish(metrics) {
          for (const metric of metrics) {
            if (metric.name === MONITOR_METRICS.lostRescued && metric.queue && metric.value > 0) {
              add(metric.queue, 'lost', metric.value);
            }
          }
          return sink.publish(metrics);
        },
      };
    },
    async history(windowMinutes) {
      const now = clock();
      function* readings(): Generator<OutcomeReading> {
        for (const [minute, counts] of minutes) {
          for (const [key, count] of counts) {
            const [queue, outcome] = key.split('\u0000') as [string, CountedOutcome];
            yield { at: minute, queue, outcome, count };
          }
        }
      }
      return outcomeHistory({
        minutes: windowMinutes,
        now: new Date(now),
        queues,
        readings: readings(),
      });
    },
  };
}
