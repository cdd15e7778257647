/**
 * The chaos job type: each job carries a script saying how each of its attempts behaves (throw,
 * throw UnrecoverableJobError, overrun its deadline ignoring the signal, defer once), so the
 * outcome it must end with is known in advance, and a ledger counting what its `run` and
 * `onAborted` really did.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  DeferJobError,
  UnrecoverableJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import {
  createRegistry,
  type JobRegistry,
} from '../../packages/lambda-jobs/src/runtime/registry.ts';
import {
  currentInvocation,
  hangForever,
  type InvocationState,
  isFrozen,
} from './invocation-freeze.ts';

/** Timing of the chaos job: short, so retries and rescues come round within seconds. */
export const CHAOS_JOB = {
  type: 'chaos',
  timeoutSeconds: 0.5,
  retries: 2,
  /** How far past its deadline an overrunning attempt sleeps. */
  overrunMs: 300,
} as const;

export const jobScriptSchema = z.object({
  /** Attempts 1..failAttempts throw a plain Error (retried while attempts are left). */
  failAttempts: z.number().int().min(0),
  /** The first attempt throws UnrecoverableJobError (never retried). */
  unrecoverable: z.boolean(),
  /** The first run throws DeferJobError (no attempt spent). */
  deferFirst: z.boolean(),
  /** This attempt sleeps past its deadline, ignoring the AbortSignal (0: none). */
  overrunAttempt: z.number().int().min(0),
  /** Simulated work per attempt. */
  workMs: z.number().int().min(0).max(1000),
});

/** How one job behaves, attempt by attempt. */
export type JobScript = z.infer<typeof jobScriptSchema>;

/** What a script must end with when no invocation dies under it. */
export type ScriptedOutcome = typeof JobStatus.SUCCESSFUL | typeof JobStatus.ERRORED;

/**
 * The status a script leads to: ERRORED when it is unrecoverable or every attempt fails.
 *
 * @example
 * ```ts
 * scriptedOutcome({ failAttempts: 3, unrecoverable: false, deferFirst: false, overrunAttempt: 0, workMs: 0 }); // 'ERRORED'
 * ```
 */
export function scriptedOutcome(script: JobScript): ScriptedOutcome {
  if (script.unrecoverable) return JobStatus.ERRORED;
  for (let attempt = 1; attempt <= CHAOS_JOB.retries + 1; attempt++) {
    if (attempt > script.failAttempts && attempt !== script.overrunAttempt) {
      return JobStatus.SUCCESSFUL;
    }
  }
  return JobStatus.ERRORED;
}

/** One `run` call that completed. */
export interface CompletedRun {
  readonly at: number;
  /** `ctx.deadline`, epoch ms. */
  readonly deadline: number;
  /** The invocation it ran in; `frozen` tells whether that process died later. */
  readonly by: InvocationState | undefined;
}

/** What the job code itself observed, per job id. */
export interface RunLedger {
  /** `run` calls that began. */
  readonly started: Map<string, number>;
  /**
   * `run` calls that completed: returned normally, before their deadline fired, in an invocation
   * still alive. Work that finished is what "completion" means for a job.
   */
  readonly completed: Map<string, CompletedRun[]>;
  /** `onAborted` calls. */
  readonly aborted: Map<string, number>;
  /**
   * Jobs with an attempt cut short by its deadline although its script did not overrun: the
   * infrastructure (a slow claim) left it too little time. Such an attempt fails as a timeout.
   */
  readonly starved: Set<string>;
  /** Jobs that have deferred once. */
  readonly deferred: Set<string>;
}

/**
 * An empty ledger.
 *
 * @example
 * ```ts
 * const ledger = createRunLedger();
 * const { job } = createChaosJobs(ledger);
 * ```
 */
export function createRunLedger(): RunLedger {
  return {
    started: new Map(),
    completed: new Map(),
    aborted: new Map(),
    deferred: new Set(),
    starved: new Set(),
  };
}

const bump = (counts: Map<string, number>, id: string) => counts.set(id, (counts.get(id) ?? 0) + 1);

/**
 * The chaos job definition and a registry holding it, counting into `ledger`.
 *
 * @example
 * ```ts
 * const ledger = createRunLedger();
 * const { job, registry } = createChaosJobs(ledger);
 * await client.enqueue(job, script);
 * ```
 */
export function createChaosJobs(ledger: RunLedger) {
  const job = defineJob({
    type: CHAOS_JOB.type,
    schema: jobScriptSchema,
    timeoutSeconds: CHAOS_JOB.timeoutSeconds,
    retries: CHAOS_JOB.retries,
    retryDelay: { kind: 'exponential', baseSeconds: 0.5, maxSeconds: 1, jitter: 'full' },
    async run(script, ctx) {
      bump(ledger.started, ctx.jobId);
      if (script.deferFirst && !ledger.deferred.has(ctx.jobId)) {
        ledger.deferred.add(ctx.jobId);
        throw new DeferJobError(0, 'chaos: deferred once');
      }
      if (ctx.attempt === script.overrunAttempt) {
        await sleep(CHAOS_JOB.timeoutSeconds * 1000 + CHAOS_JOB.overrunMs);
      } else {
        await sleep(script.workMs);
        if (ctx.signal.aborted) ledger.starved.add(ctx.jobId);
      }
      if (script.unrecoverable) throw new UnrecoverableJobError('chaos: unrecoverable');
      if (ctx.attempt <= script.failAttempts)
        throw new Error(`chaos: attempt ${ctx.attempt} fails`);
      if (isFrozen()) return hangForever<{ attempt: number }>();
      if (!ctx.signal.aborted) {
        const runs = ledger.completed.get(ctx.jobId) ?? [];
        runs.push({ at: Date.now(), deadline: ctx.deadline.getTime(), by: currentInvocation() });
        ledger.completed.set(ctx.jobId, runs);
      }
      return { attempt: ctx.attempt };
    },
    onAborted(_script, { record }) {
      if (isFrozen()) return hangForever<void>();
      bump(ledger.aborted, record.id);
    },
  });
  const registry: JobRegistry = createRegistry([job]);
  return { job, registry };
}
