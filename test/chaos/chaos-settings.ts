/**
 * The size, odds and timings of a chaos run. The CI run is small; `CHAOS_JOBS` (e.g. 20000,
 * as `npm run test:chaos` sets) makes it large, and `CHAOS_SEED` repeats a run's draws.
 */
import type { FaultRates } from './fault-plan.ts';

export interface ChaosSettings {
  /** Distinct jobs enqueued through the job client. */
  readonly jobs: number;
  readonly seed: number;
  readonly rates: FaultRates;
  /** Share of jobs enqueued a second time with the same id (a second SQS message). */
  readonly duplicateEnqueueShare: number;
  /** Share of jobs enqueued with a concurrency key (each its own key). */
  readonly keyedShare: number;
  /** Messages that are not runnable jobs, per job: half broken JSON, half an unknown type. */
  readonly malformedShare: number;
  /** Worker invocations at once, as the event source mapping's maxConcurrency. */
  readonly maxConcurrency: number;
  readonly functionTimeoutSeconds: number;
  /** Short on purpose (the config would ask for 6 × function timeout): returns come fast. */
  readonly visibilityTimeoutSeconds: number;
  /** SQS's own redrive, kept above every path a job can take under these odds. */
  readonly maxReceiveCount: number;
  readonly lostGraceSeconds: number;
  /** How often the monitor runs (its rescue marks LOST), ms. */
  readonly monitorEveryMs: number;
  /** Faults stop once this share of the expected records are final... */
  readonly faultsUntilShareFinal: number;
  /** ...or after this long from the start, whichever comes first, ms. */
  readonly faultsAtMostMs: number;
  /** Bound on the wait for the tail to converge once faults stop, ms. */
  readonly settleWithinMs: number;
}

const DEFAULT_JOBS = 1000;

/** Default odds: per SDK call for SDK faults, per invocation for invocation faults. */
export const DEFAULT_RATES: FaultRates = {
  'ddb-throttle-surfaced': 0.01,
  'ddb-response-lost-surfaced': 0.01,
  'ddb-throttle-sdk-retried': 0.02,
  'ddb-response-lost-sdk-retried': 0.01,
  'sqs-throttle-surfaced': 0.01,
  'sqs-response-lost-surfaced': 0.01,
  'sqs-throttle-sdk-retried': 0.02,
  'sqs-response-lost-sdk-retried': 0.01,
  'invocation-crash': 0.04,
  'invocation-duplicate': 0.03,
  // A stall blocks the whole process, every invocation in it, for seconds: chaosSettings sets
  // its odds by the run's size, so that a run sees about as many stalls at any size.
  'invocation-stall': 0.025,
};

/** About how many invocations draw the event-loop stall in one run, whatever its size. */
const STALLS_PER_RUN = 25;

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive whole number; got ${JSON.stringify(raw)}`);
  }
  return value;
}

function scaled(rates: FaultRates, scale: number): FaultRates {
  return Object.fromEntries(
    Object.entries(rates).map(([kind, rate]) => [kind, Math.min(1, rate * scale)]),
  ) as FaultRates;
}

/**
 * Settings from the environment: `CHAOS_JOBS` (default 1,000), `CHAOS_SEED` (default random)
 * and `CHAOS_FAULT_SCALE` (a whole number multiplying every fault rate, default 1).
 *
 * @example
 * ```ts
 * const settings = chaosSettings(process.env); // CHAOS_JOBS=20000 → a 20,000-job run
 * ```
 */
export function chaosSettings(env: NodeJS.ProcessEnv): ChaosSettings {
  const jobs = positiveInteger(env, 'CHAOS_JOBS', DEFAULT_JOBS);
  return {
    jobs,
    seed: positiveInteger(env, 'CHAOS_SEED', 1 + Math.floor(Math.random() * 2_147_483_646)),
    rates: scaled(
      {
        ...DEFAULT_RATES,
        'invocation-stall': Math.min(DEFAULT_RATES['invocation-stall'], STALLS_PER_RUN / jobs),
      },
      positiveInteger(env, 'CHAOS_FAULT_SCALE', 1),
    ),
    duplicateEnqueueShare: 0.03,
    keyedShare: 0.1,
    malformedShare: 0.01,
    maxConcurrency: 20,
    functionTimeoutSeconds: 3,
    visibilityTimeoutSeconds: 5,
    maxReceiveCount: 30,
    lostGraceSeconds: 1,
    monitorEveryMs: 1000,
    faultsUntilShareFinal: 0.95,
    faultsAtMostMs: 30_000 + jobs * 50,
    settleWithinMs: 30_000 + jobs * 2,
  };
}
