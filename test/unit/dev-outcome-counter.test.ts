import { describe, expect, it } from 'vitest';
import { createDevOutcomeCounter } from '../../packages/lambda-jobs/src/local/dev-outcome-counter.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { createJobsAdmin } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin-service.ts';
import type { JobMetricEvent } from '../../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';
import { testConfig } from '../support/emulated-resources.ts';

const START = Date.parse('2026-11-22T10:00:30Z');

function counterAt(clock: { now: number }) {
  const counter = createDevOutcomeCounter(['default', 'slow'], () => clock.now);
  const passedOn: JobMetricEvent[] = [];
  const recorder = counter.counting({ record: (e) => passedOn.push(e), flush: () => {} });
  const record = (queue: string, outcome: JobMetricEvent['outcome'], times = 1) => {
    for (let i = 0; i < times; i++) recorder.record({ queue, type: 'echo', outcome });
  };
  return { counter, record, passedOn };
}

describe('dev-mode outcome counter', () => {
  it('counts each outcome per queue and per minute, exact for the last hour and the last day', async () => {
    // Prepare
    const clock = { now: START };
    const { counter, record, passedOn } = counterAt(clock);

    // Act
    record('default', 'succeeded', 600); // 10:00, in the day but not the hour at 11:30
    record('default', 'errored', 2);
    clock.now += 60 * 60_000 + 30_000; // 11:01
    record('default', 'succeeded', 3);
    record('default', 'retried', 4);
    record('slow', 'lost');
    record('default', 'duplicate'); // not an outcome the overview counts
    clock.now += 29 * 60_000; // 11:30
    const hour = await counter.history(60);
    const day = await counter.history(1440);

    // Assess
    expect(hour.totals).toEqual({
      default: { succeeded: 3, errored: 0, retried: 4, lost: 0, rejected: 0, deferred: 0 },
      slow: { succeeded: 0, errored: 0, retried: 0, lost: 1, rejected: 0, deferred: 0 },
    });
    expect(day.totals.default).toMatchObject({ succeeded: 603, errored: 2, retried: 4 });
    expect(hour.periodSeconds).toBe(60);
    expect(day.periodSeconds).toBe(480);
    expect(hour.buckets).toContainEqual({
      at: '2026-11-22T11:01:00.000Z',
      queue: 'default',
      outcome: 'succeeded',
      count: 3,
    });
    expect(passedOn).toHaveLength(611);
  });

  it('leaves out what finished more than a day ago', async () => {
    // Prepare
    const clock = { now: START };
    const { counter, record } = counterAt(clock);
    record('default', 'succeeded', 5);

    // Act
    clock.now += 25 * 3_600_000;
    record('default', 'succeeded');
    const day = await counter.history(1440);

    // Assess
    expect(day.totals.default?.succeeded).toBe(1);
  });

  it('counts as lost the attempts the monitor\u2019s rescue found, and passes its metrics on', async () => {
    // Prepare
    const clock = { now: START };
    const { counter, record } = counterAt(clock);
    const published: unknown[] = [];
    const sink = counter.countingMonitor({ publish: (metrics) => void published.push(metrics) });
    record('default', 'lost');

    // Act
    await sink.publish([
      { name: 'JobsLostRescued', unit: 'Count', value: 2, queue: 'default' },
      { name: 'JobsBacklog', unit: 'Count', value: 40, queue: 'default' },
      { name: 'JobsLostRescued', unit: 'Count', value: 0, queue: 'slow' },
    ]);
    const hour = await counter.history(60);

    // Assess
    expect(hour.totals.default?.lost).toBe(3);
    expect(hour.totals.slow?.lost).toBe(0);
    expect(published).toHaveLength(1);
  });

  it('gives the admin its counts without reading a single job record', async () => {
    // Prepare: a store that fails any read, and 600 jobs counted as the worker finished them.
    const clock = { now: START };
    const { counter, record } = counterAt(clock);
    record('default', 'succeeded', 600);
    record('default', 'errored', 3);
    const store = createMemoryJobStore();
    const refuse = () => {
      throw new Error('the overview must not read job records');
    };
    const admin = createJobsAdmin({
      config: testConfig(),
      queues: { default: { url: 'q', dlqUrl: 'd' } },
      store: { ...store, list: refuse, get: refuse, listExpiredRunning: refuse },
      transport: { send: refuse } as never,
      keys: {} as never,
      client: {} as never,
      messages: {} as never,
      depth: { depth: refuse } as never,
      outcomes: counter,
      now: () => new Date(clock.now),
    });

    // Act
    const hour = await admin.outcomes(60);

    // Assess
    expect(hour.known).toBe(true);
    expect(hour.totals.default).toMatchObject({ succeeded: 600, errored: 3 });
  });
});
