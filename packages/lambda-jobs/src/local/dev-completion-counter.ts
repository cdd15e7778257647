/**
 * Dev mode's completion counts, read from the workers' own metric events as CloudWatch reads
 * them on AWS (JobsSucceeded + JobsErrored per queue): the monitor's stalled check and drain
 * time then work the same way whatever the tracking level (under `minimal`, SUCCESSFUL records
 * are not listed, so they cannot be counted from the store).
 */

import type { CompletionSource } from '../runtime/monitor/monitor-ports.ts';
import type { JobMetricEvent, JobMetricsRecorder } from '../runtime/observability/job-metrics.ts';

/** Completions are kept this long, enough for any monitor window dev mode uses. */
const KEPT_MS = 6 * 3600 * 1000;

export interface DevCompletionCounter extends CompletionSource {
  /** `recorder`, also counting each finished job it records. */
  counting(recorder: JobMetricsRecorder): JobMetricsRecorder;
}

/**
 * @example
 * ```ts
 * const counter = createDevCompletionCounter();
 * createWorker({ ...deps, metricsRecorder: counter.counting(createJobMetrics(metrics)) });
 * createMonitor({ ...deps, completions: counter });
 * ```
 */
export function createDevCompletionCounter(clock: () => number = Date.now): DevCompletionCounter {
  const finished = new Map<string, number[]>();
  const note = (event: JobMetricEvent) => {
    if (event.outcome !== 'succeeded' && event.outcome !== 'errored') return;
    const times = finished.get(event.queue) ?? [];
    const now = clock();
    times.push(now);
    while (times.length > 0 && times[0]! < now - KEPT_MS) times.shift();
    finished.set(event.queue, times);
  };
  return {
    counting(recorder) {
      return {
        record(event) {
          note(event);
          recorder.record(event);
        },
        flush: () => recorder.flush(),
      };
    },
    async completions(queues, windowSeconds, now) {
      const since = now.getTime() - windowSeconds * 1000;
      return new Map(
        queues.map((queue) => [
          queue.name,
          (finished.get(queue.name) ?? []).filter((at) => at >= since).length,
        ]),
      );
    },
  };
}
