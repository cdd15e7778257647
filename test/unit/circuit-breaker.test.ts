/**
 * The circuit breaker's decisions, on the memory adapter with a clock of its own: the rate
 * over the sliding window, the minimum of attempts, where counts go (the generation), how long
 * a held job waits, one probe, and a state that cannot be read.
 */
import { describe, expect, it } from 'vitest';
import { resolveCircuitBreakers } from '../../packages/lambda-jobs/src/config/circuit-breaker-config.ts';
import { createMemoryCircuitState } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-circuit-state.ts';
import {
  CIRCUIT_COUNT_SHARDS,
  createCircuitBreaker,
} from '../../packages/lambda-jobs/src/runtime/circuit/circuit-breaker.ts';
import type { CircuitStateStore } from '../../packages/lambda-jobs/src/runtime/circuit/circuit-ports.ts';
import {
  slidingWindowCounts,
  windowStartOf,
} from '../../packages/lambda-jobs/src/runtime/circuit/circuit-window.ts';
import { testLogger } from '../monitor/monitor-test-kit.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

const T0 = Date.parse('2026-01-01T00:00:10.000Z');
const settings = resolveCircuitBreakers({
  flaky: { failureRate: 0.5, minAttempts: 10, windowSeconds: 60, coolDownSeconds: 30 },
});

function breakerAt(store: CircuitStateStore = createMemoryCircuitState()) {
  let now = T0;
  const metrics = capturingMetrics();
  const breaker = createCircuitBreaker({
    store,
    settings,
    queue: 'default',
    logger: testLogger(),
    metrics,
    now: () => new Date(now),
    random: () => 0,
    stateCacheMs: 0,
    flushBudgetMs: 60_000,
  });
  return {
    breaker,
    store,
    metrics,
    advance: (ms: number) => {
      now += ms;
    },
    /** One invocation that ran `attempts` jobs of type flaky, `failures` of them failing. */
    async invocation(attempts: number, failures: number) {
      for (let i = 0; i < attempts; i++) {
        expect((await breaker.gate('flaky', `job-${i}`, 60_000)).kind).toBe('run');
        breaker.recordAttempt('flaky', i < failures);
      }
      await breaker.flush();
    },
  };
}

describe('the failure rate', () => {
  it('opens at the rate once the window holds minAttempts, not before (judged on a failure)', async () => {
    const b = breakerAt();

    await b.invocation(9, 9);
    const below = await b.store.read('flaky');
    b.advance(1000);
    await b.invocation(2, 0);
    const noFailure = await b.store.read('flaky');
    b.advance(1000);
    await b.invocation(1, 1);
    const reached = await b.store.read('flaky');

    expect(below.position).toBe('closed');
    expect(noFailure.position).toBe('closed');
    expect(reached).toMatchObject({ position: 'open', attempts: 12, failures: 10 });
    expect(b.metrics.events).toContainEqual({
      queue: 'default',
      type: 'flaky',
      outcome: 'circuit-open',
    });
  });

  it('stays closed below the rate', async () => {
    const b = breakerAt();

    await b.invocation(20, 9);

    expect((await b.store.read('flaky')).position).toBe('closed');
  });

  it('counts the previous window by the share the sliding window still covers', () => {
    expect(windowStartOf(125.4, 60)).toBe(120);
    expect(
      slidingWindowCounts({ attempts: 10, failures: 8 }, { attempts: 20, failures: 0 }, 0.5),
    ).toEqual({ attempts: 20, failures: 8 });
    expect(
      slidingWindowCounts({ attempts: 10, failures: 8 }, { attempts: 20, failures: 20 }, 1),
    ).toEqual({ attempts: 10, failures: 8 });
  });

  it('adds each invocation once per type, to one of the shards', async () => {
    const b = breakerAt();

    await b.invocation(7, 2);

    expect(
      await b.store.readCounts('flaky', 0, [windowStartOf(T0 / 1000, 60)], CIRCUIT_COUNT_SHARDS),
    ).toEqual([{ attempts: 7, failures: 2 }]);
  });
});

describe('an open circuit', () => {
  it('holds until the probe may run, then lets exactly one job probe; its success closes', async () => {
    const b = breakerAt();
    await b.invocation(10, 10);

    const held = await b.breaker.gate('flaky', 'a', 60_000);
    b.advance(30_000);
    const probe = await b.breaker.gate('flaky', 'b', 60_000);
    const other = await b.breaker.gate('flaky', 'c', 60_000);
    await b.breaker.endProbe(
      'flaky',
      probe.kind === 'probe' ? probe.generation : -1,
      'b',
      'succeeded',
    );
    const after = await b.breaker.gate('flaky', 'd', 60_000);

    expect(held).toMatchObject({ kind: 'hold', seconds: 30 });
    expect(probe.kind).toBe('probe');
    // A probe runs: held for a cool-down.
    expect(other).toMatchObject({ kind: 'hold', seconds: 30 });
    expect(after.kind).toBe('run');
    expect(await b.store.read('flaky')).toMatchObject({ position: 'closed', generation: 2 });
  });

  it('starts counting afresh once closed: the failures that opened it do not open it again', async () => {
    const b = breakerAt();
    await b.invocation(10, 10);
    b.advance(30_000);
    const probe = await b.breaker.gate('flaky', 'p', 60_000);
    await b.breaker.endProbe(
      'flaky',
      probe.kind === 'probe' ? probe.generation : -1,
      'p',
      'succeeded',
    );

    b.advance(1000);
    await b.invocation(1, 1);

    expect((await b.store.read('flaky')).position).toBe('closed');
  });

  it('opens again when the probe fails, and gives an unjudged probe’s turn back', async () => {
    const b = breakerAt();
    await b.invocation(10, 10);
    b.advance(30_000);
    const first = await b.breaker.gate('flaky', 'p1', 60_000);
    await b.breaker.endProbe(
      'flaky',
      first.kind === 'probe' ? first.generation : -1,
      'p1',
      'unjudged',
    );
    const second = await b.breaker.gate('flaky', 'p2', 60_000);
    await b.breaker.endProbe(
      'flaky',
      second.kind === 'probe' ? second.generation : -1,
      'p2',
      'failed',
    );

    expect(first.kind).toBe('probe');
    expect(second.kind).toBe('probe');
    expect(await b.store.read('flaky')).toMatchObject({
      position: 'open',
      probeAfter: new Date(T0 + 30_000 + 30_000).toISOString(),
    });
  });

  it('holds a manually opened type for a cool-down at a time, never probing', async () => {
    const b = breakerAt();
    await b.store.setManually('flaky', 'open', new Date(T0).toISOString());

    b.advance(3_600_000);
    const gate = await b.breaker.gate('flaky', 'x', 60_000);

    expect(gate).toMatchObject({ kind: 'hold', seconds: 30 });
  });

  it('lets other types run, and costs nothing for a type without a circuit breaker', async () => {
    const reads: string[] = [];
    const store = createMemoryCircuitState();
    const b = breakerAt({
      ...store,
      read: (type) => {
        reads.push(type);
        return store.read(type);
      },
    });
    await store.setManually('flaky', 'open', new Date(T0).toISOString());

    const other = await b.breaker.gate('steady', 'x', 60_000);
    b.breaker.recordAttempt('steady', true);
    await b.breaker.flush();

    expect(other.kind).toBe('run');
    expect(reads).toEqual([]);
  });
});

describe('the state read', () => {
  it('is shared by the lanes of a batch and cached: ten concurrent gates, one read', async () => {
    let reads = 0;
    const store = createMemoryCircuitState();
    let now = T0;
    const breaker = createCircuitBreaker({
      store: {
        ...store,
        read: (type) => {
          reads += 1;
          return store.read(type);
        },
      },
      settings,
      queue: 'default',
      logger: testLogger(),
      metrics: capturingMetrics(),
      now: () => new Date(now),
    });

    await Promise.all(Array.from({ length: 10 }, (_, i) => breaker.gate('flaky', `j${i}`, 1000)));
    now += 1999;
    await breaker.gate('flaky', 'cached', 1000);
    const withinCache = reads;
    now += 1;
    await breaker.gate('flaky', 'stale', 1000);

    expect(withinCache).toBe(1);
    expect(reads).toBe(2);
  });
});

describe('a state that cannot be read', () => {
  it('runs the type as closed, so the breaker never stops a type on its own failure', async () => {
    const store = createMemoryCircuitState();
    await store.setManually('flaky', 'open', new Date(T0).toISOString());
    const b = breakerAt({
      ...store,
      read: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });

    expect((await b.breaker.gate('flaky', 'x', 60_000)).kind).toBe('run');
  });
});
