import { MONITOR_METRICS } from '../config/metric-names.ts';
import { samplePeriodSeconds } from '../runtime/adapters/aws/cloudwatch-queue-samples.ts';
import type { BacklogLevelName, QueueSample } from '../runtime/admin/jobs-admin.ts';
import type { MetricsSink, MonitorMetric } from '../runtime/monitor/monitor-ports.ts';

const LEVEL_NAMES: readonly BacklogLevelName[] = ['ok', 'warning', 'critical'];

/** Dev mode's stand-in for CloudWatch: the monitor's metrics kept in memory as samples. */
export interface DevMonitorSamples extends MetricsSink {
  /** Samples of the last `minutes`, oldest first. */
  recent(minutes: number): QueueSample[];
}

/**
 * Keeps one sample per queue per monitor run for `keepMinutes` (default 60; dev mode keeps a
 * day), for the dashboard's charts. Windows over 3 hours are thinned as CloudWatch's are. The monitor publishes to it exactly as it publishes to CloudWatch.
 */
export function createDevMonitorSamples(
  keepMinutes = 60,
  now: () => Date = () => new Date(),
): DevMonitorSamples {
  const samples: QueueSample[] = [];
  return {
    publish(metrics: readonly MonitorMetric[]) {
      const at = now();
      const byQueue = new Map<string, Map<string, number>>();
      for (const metric of metrics) {
        if (!metric.queue) continue;
        const values = byQueue.get(metric.queue) ?? new Map<string, number>();
        values.set(metric.name, metric.value);
        byQueue.set(metric.queue, values);
      }
      for (const [queue, values] of byQueue) {
        const get = (name: string) => values.get(name) ?? 0;
        samples.push({
          at: at.toISOString(),
          queue,
          backlog: get(MONITOR_METRICS.backlog),
          visible: Math.max(0, get(MONITOR_METRICS.requested) - get(MONITOR_METRICS.delayed)),
          inFlight: get(MONITOR_METRICS.processing),
          delayed: get(MONITOR_METRICS.delayed),
          dlqDepth: get(MONITOR_METRICS.dlqDepth),
          oldestAgeSeconds: get(MONITOR_METRICS.oldestAge),
          level: LEVEL_NAMES[get(MONITOR_METRICS.backlogLevel)] ?? 'ok',
        });
      }
      const cutoff = at.getTime() - keepMinutes * 60_000;
      while (samples.length > 0 && Date.parse(samples[0]!.at) < cutoff) samples.shift();
    },
    recent(minutes) {
      const cutoff = now().getTime() - minutes * 60_000;
      const within = samples.filter((s) => Date.parse(s.at) >= cutoff);
      const periodMs = samplePeriodSeconds(minutes) * 1000;
      if (periodMs <= 60_000) return within;
      // As CloudWatch answers a long window: per queue and period, the sample of the highest
      // backlog, so a day stays a few hundred points and a burst is not averaged away.
      const kept = new Map<string, QueueSample>();
      for (const sample of within) {
        const key = `${sample.queue}\u0000${Math.floor(Date.parse(sample.at) / periodMs)}`;
        const held = kept.get(key);
        if (!held || sample.backlog > held.backlog) kept.set(key, sample);
      }
      return [...kept.values()].sort((a, b) => a.at.localeCompare(b.at));
    },
  };
}
