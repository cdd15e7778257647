import { describe, expect, it } from 'vitest';
import { createDevCompletionCounter } from '../../packages/lambda-jobs/src/local/dev-completion-counter.ts';
import type { JobMetricEvent } from '../../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';

describe('dev-mode completion counter', () => {
  it('counts succeeded and errored jobs per queue inside the window, and passes every event on', async () => {
    // Prepare
    let clock = Date.parse('2026-11-22T10:00:00Z');
    const counter = createDevCompletionCounter(() => clock);
    const passedOn: JobMetricEvent[] = [];
    const recorder = counter.counting({ record: (e) => passedOn.push(e), flush: () => {} });
    const event = (queue: string, outcome: JobMetricEvent['outcome']) =>
      recorder.record({ queue, type: 'echo', outcome });

    // Act
    event('default', 'succeeded'); // 10:00, outside a 5-minute window at 10:06
    clock += 3 * 60_000;
    event('default', 'succeeded');
    event('default', 'errored');
    event('default', 'retried');
    event('default', 'duplicate');
    event('slow', 'succeeded');
    clock += 3 * 60_000;
    const counts = await counter.completions(
      [
        { name: 'default', url: 'u1', dlqUrl: 'd1' },
        { name: 'slow', url: 'u2', dlqUrl: 'd2' },
        { name: 'idle', url: 'u3', dlqUrl: 'd3' },
      ],
      300,
      new Date(clock),
    );

    // Assess
    expect(Object.fromEntries(counts)).toEqual({ default: 2, slow: 1, idle: 0 });
    expect(passedOn).toHaveLength(6);
  });
});
