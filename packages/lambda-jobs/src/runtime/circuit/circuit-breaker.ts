import type { Logger } from '@aws-lambda-powertools/logger';
import type { CircuitBreakerSettings } from '../../config/circuit-breaker-config.ts';
import { LIMITS } from '../limits.ts';
import type { JobMetricsRecorder } from '../observability/job-metrics.ts';
import { CircuitPosition, type CircuitState, type CircuitStateStore } from './circuit-ports.ts';
import { slidingWindowCounts, windowStartOf } from './circuit-window.ts';

/**
 * Counter shards per window: one invocation adds its counts to one shard, picked at random, so
 * at 10,000 jobs/s of one type each counter item takes about 63 writes/s in batches of 10 and
 * 625 in batches of 1, below a partition's 1,000 (`docs/circuit-breaker.md`).
 */
export const CIRCUIT_COUNT_SHARDS = 16;
/** How long a container trusts the circuit state it read, ms. */
export const CIRCUIT_STATE_CACHE_MS = 2000;
/** Least time between two judgements of one type's failure rate by one container, ms. */
export const CIRCUIT_EVALUATE_EVERY_MS = 1000;
/** Longest the end of an invocation waits for its circuit writes, ms (within the 2 s margin). */
export const CIRCUIT_FLUSH_BUDGET_MS = 1000;
/** Most seconds added at random to a held job's delay, so held jobs do not all arrive at once. */
export const CIRCUIT_HOLD_SPREAD_SECONDS = 5;

/** What the dispatcher does with a job: run it, run it as the probe, or hold it. */
export type CircuitGate =
  | { readonly kind: 'run' }
  | { readonly kind: 'probe'; readonly generation: number }
  | { readonly kind: 'hold'; readonly seconds: number; readonly state: CircuitState };

/** How a probe ended: success closes, failure re-opens, anything else gives the turn back. */
export type ProbeOutcome = 'succeeded' | 'failed' | 'unjudged';

/** The circuit breakers of one worker, shared by the batches of its container. */
export interface CircuitBreaker {
  /** Decides whether a job of `type` runs; `leaseMs` bounds a probe's turn. Never throws. */
  gate(type: string, jobId: string, leaseMs: number): Promise<CircuitGate>;
  /** Counts one attempt that ran on a closed circuit. */
  recordAttempt(type: string, failed: boolean): void;
  /** Closes, re-opens or frees the circuit after its probe. Never throws. */
  endProbe(type: string, generation: number, jobId: string, outcome: ProbeOutcome): Promise<void>;
  /**
   * Adds the batch's counts (one write per type) and judges the rates, waiting at most
   * {@link CIRCUIT_FLUSH_BUDGET_MS}. Never throws.
   */
  flush(): Promise<void>;
}

/** What {@link createCircuitBreaker} needs. */
export interface CircuitBreakerDeps {
  readonly store: CircuitStateStore;
  /** Circuit breakers by job type (`config.circuitBreakers`); other types always run. */
  readonly settings: Readonly<Record<string, CircuitBreakerSettings>>;
  readonly queue: string;
  readonly logger: Logger;
  readonly metrics: JobMetricsRecorder;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Default {@link CIRCUIT_STATE_CACHE_MS}. */
  readonly stateCacheMs?: number;
  /** Default {@link CIRCUIT_FLUSH_BUDGET_MS}. */
  readonly flushBudgetMs?: number;
}

interface Tally {
  generation: number;
  attempts: number;
  failures: number;
}

/**
 * Creates the circuit breakers of one worker (`docs/circuit-breaker.md`). A type without
 * settings costs nothing. For a type with settings: the state is read at most once per
 * {@link CIRCUIT_STATE_CACHE_MS} per container; each invocation adds its attempts and failures
 * once (one UpdateItem with ADD per type) and, when it saw failures, judges the rate over a
 * sliding window (one BatchGetItem, at most once a second per container). Opening, the probe's
 * turn, closing and re-opening are conditional writes on the generation they were decided on,
 * so concurrent workers open once and probe once.
 *
 * @example
 * ```ts
 * const circuits = createCircuitBreaker({ store, settings: config.circuitBreakers, queue: 'default', logger, metrics });
 * const gate = await circuits.gate('send-email', jobId, 30_000);
 * ```
 */
export function createCircuitBreaker(deps: CircuitBreakerDeps): CircuitBreaker {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const cacheMs = deps.stateCacheMs ?? CIRCUIT_STATE_CACHE_MS;
  const flushBudgetMs = deps.flushBudgetMs ?? CIRCUIT_FLUSH_BUDGET_MS;
  const { store, logger, queue } = deps;
  const cache = new Map<string, { state: CircuitState; readAt: number }>();
  const tallies = new Map<string, Tally>();
  const judgedAt = new Map<string, number>();
  const reading = new Map<string, Promise<CircuitState>>();

  const remember = (state: CircuitState) =>
    cache.set(state.type, { state, readAt: now().getTime() });

  /** The state of `type`: cached, or one read shared by every lane that asks meanwhile. */
  function stateOf(type: string): Promise<CircuitState> {
    const cached = cache.get(type);
    if (cached && now().getTime() - cached.readAt < cacheMs) return Promise.resolve(cached.state);
    let pending = reading.get(type);
    if (!pending) {
      pending = readState(type, cached?.state).finally(() => reading.delete(type));
      reading.set(type, pending);
    }
    return pending;
  }

  async function readState(type: string, last: CircuitState | undefined): Promise<CircuitState> {
    try {
      const state = await store.read(type);
      remember(state);
      return state;
    } catch (error) {
      // Unreadable state must not stop the type on its own: the last state read (closed when
      // none was) applies until the next read.
      logger.warn('Circuit state not read; the last state read (or closed) applies', {
        job_type: type,
        queue,
        error,
      });
      const fallback = last ?? { type, position: CircuitPosition.CLOSED, generation: 0 };
      remember(fallback);
      return fallback;
    }
  }

  function holdSeconds(state: CircuitState, settings: CircuitBreakerSettings): number {
    const spread = Math.floor(
      random() * Math.min(CIRCUIT_HOLD_SPREAD_SECONDS, settings.coolDownSeconds),
    );
    const untilProbe = state.probeAfter
      ? Math.ceil((Date.parse(state.probeAfter) - now().getTime()) / 1000)
      : 0;
    // Before the probe's turn: until then. A probe running, or a manual opening: a cool-down.
    const base = untilProbe > 0 ? untilProbe : settings.coolDownSeconds;
    return Math.min(LIMITS.maxSqsDelaySeconds, base + spread);
  }

  function figures(state: CircuitState, settings: CircuitBreakerSettings) {
    return {
      job_type: state.type,
      queue,
      attempts: state.attempts,
      failures: state.failures,
      failure_rate: settings.failureRate,
      min_attempts: settings.minAttempts,
      window_seconds: settings.windowSeconds,
      cool_down_seconds: settings.coolDownSeconds,
      generation: state.generation,
    };
  }

  async function judge(type: string, tally: Tally, settings: CircuitBreakerSettings) {
    const at = now();
    const last = judgedAt.get(type) ?? Number.NEGATIVE_INFINITY;
    if (at.getTime() - last < CIRCUIT_EVALUATE_EVERY_MS) return;
    judgedAt.set(type, at.getTime());
    const seconds = at.getTime() / 1000;
    const current = windowStartOf(seconds, settings.windowSeconds);
    const previous = current - settings.windowSeconds;
    const [ofCurrent, ofPrevious] = await store.readCounts(
      type,
      tally.generation,
      [current, previous],
      CIRCUIT_COUNT_SHARDS,
    );
    const counts = slidingWindowCounts(
      ofCurrent!,
      ofPrevious!,
      (seconds - current) / settings.windowSeconds,
    );
    if (counts.attempts < settings.minAttempts) return;
    if (counts.failures < settings.failureRate * counts.attempts) return;
    const opened = await store.open(type, tally.generation, {
      at: at.toISOString(),
      probeAfter: new Date(at.getTime() + settings.coolDownSeconds * 1000).toISOString(),
      mode: 'automatic',
      attempts: counts.attempts,
      failures: counts.failures,
    });
    if (!opened) {
      cache.delete(type);
      return;
    }
    remember(opened);
    logger.warn('Circuit opened: the job type fails too often; its jobs are held', {
      ...figures(opened, settings),
      probe_after: opened.probeAfter,
    });
    deps.metrics.record({ queue, type, outcome: 'circuit-open' });
  }

  return {
    async gate(type, jobId, leaseMs) {
      const settings = deps.settings[type];
      if (!settings) return { kind: 'run' };
      const state = await stateOf(type);
      if (state.position === CircuitPosition.CLOSED) return { kind: 'run' };
      const at = now();
      const probeDue =
        state.probeAfter !== undefined && Date.parse(state.probeAfter) <= at.getTime();
      const turnFree =
        state.probeLeaseUntil === undefined || Date.parse(state.probeLeaseUntil) < at.getTime();
      if (probeDue && turnFree) {
        try {
          const taken = await store.takeProbe(
            type,
            state.generation,
            jobId,
            at.toISOString(),
            new Date(at.getTime() + leaseMs).toISOString(),
          );
          cache.delete(type);
          if (taken) {
            logger.info('Circuit half-open: one probe job runs', {
              ...figures(state, settings),
              job_id: jobId,
            });
            return { kind: 'probe', generation: state.generation };
          }
        } catch (error) {
          logger.warn('Probe turn not taken; the job is held', { job_type: type, queue, error });
        }
      }
      deps.metrics.record({ queue, type, outcome: 'circuit-open' });
      return { kind: 'hold', seconds: holdSeconds(state, settings), state };
    },

    recordAttempt(type, failed) {
      if (!deps.settings[type]) return;
      const generation = cache.get(type)?.state.generation ?? 0;
      let tally = tallies.get(type);
      if (!tally || tally.generation !== generation) {
        tally = { generation, attempts: 0, failures: 0 };
        tallies.set(type, tally);
      }
      tally.attempts += 1;
      if (failed) tally.failures += 1;
    },

    async endProbe(type, generation, jobId, outcome) {
      const settings = deps.settings[type];
      if (!settings) return;
      const at = now();
      const end =
        outcome === 'succeeded'
          ? ({ kind: 'close' } as const)
          : outcome === 'failed'
            ? ({
                kind: 'reopen',
                probeAfter: new Date(at.getTime() + settings.coolDownSeconds * 1000).toISOString(),
              } as const)
            : ({ kind: 'release' } as const);
      try {
        const ended = await store.endProbe(type, generation, jobId, end, at.toISOString());
        cache.delete(type);
        if (!ended) {
          logger.info('Probe ended after the circuit moved on; its outcome is not applied', {
            job_type: type,
            queue,
            job_id: jobId,
            outcome,
          });
          return;
        }
        const keys = { job_type: type, queue, job_id: jobId, generation: generation + 1 };
        if (end.kind === 'close') {
          logger.info('Circuit closed: the probe job succeeded', {
            ...keys,
            cool_down_seconds: settings.coolDownSeconds,
          });
        } else if (end.kind === 'reopen') {
          logger.warn('Circuit opened again: the probe job failed', {
            ...keys,
            probe_after: end.probeAfter,
            cool_down_seconds: settings.coolDownSeconds,
          });
          deps.metrics.record({ queue, type, outcome: 'circuit-open' });
        }
      } catch (error) {
        logger.warn('Probe outcome not written; its turn ends with its lease', {
          job_type: type,
          queue,
          job_id: jobId,
          outcome,
          error,
        });
      }
    },

    async flush() {
      const pending = [...tallies.entries()];
      tallies.clear();
      const writes = Promise.all(
        pending.map(async ([type, tally]) => {
          const settings = deps.settings[type];
          if (!settings || tally.attempts === 0) return;
          const seconds = now().getTime() / 1000;
          const windowStart = windowStartOf(seconds, settings.windowSeconds);
          try {
            await store.addCounts(
              {
                type,
                generation: tally.generation,
                windowStart,
                shard: Math.floor(random() * CIRCUIT_COUNT_SHARDS),
              },
              { attempts: tally.attempts, failures: tally.failures },
              // Kept two windows past its own (the sliding window reads one back).
              Math.ceil(windowStart + 3 * settings.windowSeconds),
            );
            if (tally.failures > 0) await judge(type, tally, settings);
          } catch (error) {
            logger.warn('Circuit counts not recorded', {
              job_type: type,
              queue,
              attempts: tally.attempts,
              failures: tally.failures,
              error,
            });
          }
        }),
      );
      // The invocation answers within the dispatcher's recording margin whatever DynamoDB does:
      // writes still running go on in the background (or with the next invocation).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, flushBudgetMs);
      });
      await Promise.race([writes, bound]);
      clearTimeout(timer);
    },
  };
}
