import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { createJobMetrics } from '../../../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';

function captureEmf(): {
  metrics: Metrics;
  documents: () => Record<string, unknown>[];
  warnings: () => unknown[];
} {
  const lines: string[] = [];
  const warnings: unknown[] = [];
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  const metrics = new Metrics({
    namespace: 'shop',
    serviceName: 'shop',
    logger: {
      warn: (...args: unknown[]) => warnings.push(args),
      debug: () => {},
      info: () => {},
      error: () => {},
    },
  });
  return {
    metrics,
    documents: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    warnings: () => warnings,
  };
}

describe('job metrics (EMF)', () => {
  it('publishes counts and timings per queue, and per queue and job type, without key collisions', () => {
    const { metrics, documents, warnings } = captureEmf();
    const recorder = createJobMetrics(metrics);
    recorder.record({
      queue: 'default',
      type: 'webhook',
      outcome: 'succeeded',
      durationMs: 12,
      waitMs: 40,
    });
    recorder.record({
      queue: 'default',
      type: 'webhook',
      outcome: 'succeeded',
      durationMs: 8,
      waitMs: 20,
    });
    recorder.record({ queue: 'default', type: 'webhook', outcome: 'errored', durationMs: 3 });
    recorder.flush();
    const docs = documents();
    expect(docs).toHaveLength(2);
    const dimensionsOf = (doc: Record<string, unknown>) =>
      (doc._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]!
        .Dimensions;
    expect(dimensionsOf(docs[0]!)).toEqual([['service', 'queue']]);
    expect(dimensionsOf(docs[1]!)).toEqual([['service', 'queue', 'job_type']]);
    for (const doc of docs) {
      expect(doc).toMatchObject({
        service: 'shop',
        queue: 'default',
        JobsSucceeded: 2,
        JobsErrored: 1,
        JobDuration: [12, 8, 3],
        JobQueueWait: [40, 20],
      });
    }
    expect(docs[1]).toMatchObject({ job_type: 'webhook' });
    expect(warnings()).toEqual([]);
  });

  it('publishes nothing for a batch with no jobs, and clears after each flush', () => {
    const { metrics, documents } = captureEmf();
    const recorder = createJobMetrics(metrics);
    recorder.flush();
    expect(documents()).toHaveLength(0);
    recorder.record({ queue: 'slow', type: 'report', outcome: 'lost' });
    recorder.flush();
    recorder.flush();
    expect(documents()).toHaveLength(2);
    expect(documents()[0]).toMatchObject({ JobsLost: 1, queue: 'slow' });
  });
});
