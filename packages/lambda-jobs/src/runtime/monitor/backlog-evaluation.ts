/**
 * The monitor's arithmetic, free of I/O: what one queue's readings mean against its
 * thresholds. Semantics follow the plain.jobs backlog proposal: jobs_backlog = requested +
 * processing; critical when backlog ≥ critical, else warning when ≥ warning; an unset
 * threshold is off.
 */
import type { LevelThresholds, QueueThresholds } from '../../config/config-types.ts';
import { BacklogLevel, type QueueDepth, type QueueMonitorState } from './monitor-ports.ts';

/**
 * The level of `value` against a warning / critical pair; unset thresholds never fire.
 *
 * @example
 * ```ts
 * levelFor(700, { warning: 500, critical: 1000 }); // 1 (warning)
 * levelFor(700, {}); // 0: no thresholds, no level
 * ```
 */
export function levelFor(value: number, thresholds: LevelThresholds): BacklogLevel {
  // Stryker disable next-line ConditionalExpression: `value >= undefined` is false, so the guard (→ true) changes nothing
  if (thresholds.critical !== undefined && value >= thresholds.critical) {
    return BacklogLevel.critical;
  }
  // Stryker disable next-line ConditionalExpression: `value >= undefined` is false, so the guard (→ true) changes nothing
  if (thresholds.warning !== undefined && value >= thresholds.warning) return BacklogLevel.warning;
  return BacklogLevel.ok;
}

/**
 * The threshold a level was reached against (the event's `threshold` field).
 *
 * @example
 * ```ts
 * thresholdFor(BacklogLevel.critical, { warning: 500, critical: 1000 }); // 1000
 * ```
 */
export function thresholdFor(level: BacklogLevel, thresholds: LevelThresholds): number | undefined {
  if (level === BacklogLevel.critical) return thresholds.critical;
  if (level === BacklogLevel.warning) return thresholds.warning;
  return undefined;
}

/** The proposal's counts, from SQS's three approximate numbers. */
export interface BacklogCounts {
  /** Waiting to run: visible + delayed. */
  readonly jobsRequested: number;
  /** Being run: in flight. */
  readonly jobsProcessing: number;
  readonly jobsDelayed: number;
  /** requested + processing. */
  readonly jobsBacklog: number;
}

/**
 * @example
 * ```ts
 * backlogCounts({ visible: 90, inFlight: 10, delayed: 5 });
 * // { jobsRequested: 95, jobsProcessing: 10, jobsDelayed: 5, jobsBacklog: 105 }
 * ```
 */
export function backlogCounts(depth: QueueDepth): BacklogCounts {
  const jobsRequested = depth.visible + depth.delayed;
  return {
    jobsRequested,
    jobsProcessing: depth.inFlight,
    jobsDelayed: depth.delayed,
    jobsBacklog: jobsRequested + depth.inFlight,
  };
}

/**
 * Seconds to work through `backlog` at the rate of `completions` per `windowSeconds`:
 * 0 for an empty backlog, undefined when nothing completed (no rate to extrapolate from).
 *
 * @example
 * ```ts
 * estimateDrainSeconds(1200, 600, 600); // 1200: 1 job/s, 1,200 jobs
 * estimateDrainSeconds(10, 0, 600); // undefined
 * ```
 */
export function estimateDrainSeconds(
  backlog: number,
  completions: number,
  windowSeconds: number,
): number | undefined {
  if (backlog <= 0) return 0;
  if (completions <= 0) return undefined;
  return Math.ceil((backlog * windowSeconds) / completions);
}

/** What the monitor measured for one queue this run; a field is absent when its read failed. */
export interface QueueReading {
  readonly queue: string;
  readonly depth?: QueueDepth;
  readonly dlqDepth?: number;
  readonly oldestAgeSeconds?: number;
  /** SUCCESSFUL + ERRORED during the stalled window. */
  readonly completions?: number;
  /** Its delivery is paused (`queues pause`); undefined when that could not be read. */
  readonly paused?: boolean;
}

/** What {@link evaluateQueue} needs beside the reading. */
export interface EvaluationContext {
  readonly thresholds: QueueThresholds;
  /** The state saved by the previous run; undefined when there is none (or it was unreadable). */
  readonly previous: QueueMonitorState | undefined;
  /** False when the state could not be read: then nothing is compared with it or saved. */
  readonly previousKnown: boolean;
  /** config.monitor.stalledAfterSeconds: also the completion-rate window. */
  readonly stalledAfterSeconds: number;
  readonly now: Date;
}

/** The verdict on one queue. Fields that depend on a failed read are undefined. */
export interface QueueEvaluation {
  readonly queue: string;
  readonly counts?: BacklogCounts;
  readonly oldestAgeSeconds?: number;
  readonly dlqDepth?: number;
  readonly completions?: number;
  readonly drainSeconds?: number;
  readonly backlogLevel?: BacklogLevel;
  readonly oldestAgeLevel?: BacklogLevel;
  /** Worst of the known levels: the BacklogLevel metric. Undefined when neither is known. */
  readonly level?: BacklogLevel;
  /** DLQ depth at or above its threshold. */
  readonly dlqOverThreshold: boolean;
  /** Backlog above zero for the whole window and no completions in it, the queue not paused. */
  readonly stalled?: boolean;
  /** The queue's delivery is paused: its backlog waits by intent, and is never "stalled". */
  readonly paused?: true;
  /** How long the backlog has been above zero, seconds (when it is). */
  readonly backlogForSeconds?: number;
  /** The previous run was over a threshold and this one, fully measured, is under all. */
  readonly returnedBelow: boolean;
  /** The level the queue returned from (when {@link returnedBelow}). */
  readonly previousLevel: BacklogLevel;
  /** The previous run found processing stalled and this one, fully measured, does not. */
  readonly stalledCleared: boolean;
  /** The previous run found the DLQ at or above its threshold and this one finds it under. */
  readonly dlqCleared: boolean;
  /** State to save; undefined when nothing changed or the previous state is unknown. */
  readonly nextState?: QueueMonitorState;
}

const worst = (...levels: (BacklogLevel | undefined)[]): BacklogLevel | undefined => {
  const known = levels.filter((l): l is BacklogLevel => l !== undefined);
  return known.length === 0 ? undefined : (Math.max(...known) as BacklogLevel);
};

function sameState(a: QueueMonitorState | undefined, b: QueueMonitorState): boolean {
  return (
    (a?.backlogLevel ?? BacklogLevel.ok) === b.backlogLevel &&
    (a?.oldestAgeLevel ?? BacklogLevel.ok) === b.oldestAgeLevel &&
    a?.backlogSince === b.backlogSince &&
    (a?.stalled ?? false) === (b.stalled ?? false) &&
    (a?.dlqOverThreshold ?? false) === (b.dlqOverThreshold ?? false)
  );
}

/**
 * Evaluates one queue: counts, levels against its thresholds, drain time, stalled, and how it
 * compares with the previous run. Pure: the same inputs always give the same verdict.
 *
 * @example
 * ```ts
 * const verdict = evaluateQueue(
 *   { queue: 'default', depth: { visible: 600, inFlight: 10, delayed: 0 }, oldestAgeSeconds: 30 },
 *   { thresholds: config.queues.default.thresholds, previous: undefined, previousKnown: true,
 *     stalledAfterSeconds: 600, now: new Date() },
 * );
 * verdict.backlogLevel; // 1 with JOBS_BACKLOG_WARNING = 500
 * ```
 */
export function evaluateQueue(reading: QueueReading, context: EvaluationContext): QueueEvaluation {
  const { thresholds, previous, previousKnown, now } = context;
  const counts = reading.depth ? backlogCounts(reading.depth) : undefined;
  const backlogLevel = counts ? levelFor(counts.jobsBacklog, thresholds.backlog) : undefined;
  const oldestAgeLevel =
    reading.oldestAgeSeconds === undefined
      ? undefined
      : levelFor(reading.oldestAgeSeconds, thresholds.oldestAgeSeconds);
  const level = worst(backlogLevel, oldestAgeLevel);

  const backlogSince = counts
    ? counts.jobsBacklog > 0
      ? (previous?.backlogSince ?? now.toISOString())
      : undefined
    : previous?.backlogSince;
  const backlogForSeconds =
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with no backlog backlogSince is undefined, with one it is always set
    counts && counts.jobsBacklog > 0 && backlogSince !== undefined
      ? Math.max(0, Math.floor((now.getTime() - Date.parse(backlogSince)) / 1000))
      : undefined;
  const stalled = reading.paused
    ? false
    : counts === undefined || reading.completions === undefined
      ? undefined
      : counts.jobsBacklog > 0 &&
        reading.completions === 0 &&
        (backlogForSeconds ?? 0) >= context.stalledAfterSeconds;
  const drainSeconds =
    counts === undefined || reading.completions === undefined
      ? undefined
      : estimateDrainSeconds(counts.jobsBacklog, reading.completions, context.stalledAfterSeconds);

  const previousLevel = worst(previous?.backlogLevel, previous?.oldestAgeLevel) ?? BacklogLevel.ok;
  const returnedBelow =
    previousKnown &&
    previousLevel > BacklogLevel.ok &&
    backlogLevel === BacklogLevel.ok &&
    oldestAgeLevel === BacklogLevel.ok;
  const dlqOverThreshold =
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a comparison with an undefined side is false, so the guards (→ true, or either of them) change nothing
    thresholds.dlqDepth !== undefined &&
    // Stryker disable next-line ConditionalExpression: as above
    reading.dlqDepth !== undefined &&
    reading.dlqDepth >= thresholds.dlqDepth;
  // Unknown this run (a read failed): keep what the previous run found, so a cleared line is
  // written only by a run that measured the condition gone.
  const stalledNow = stalled ?? previous?.stalled ?? false;
  const dlqOverNow =
    reading.dlqDepth === undefined ? (previous?.dlqOverThreshold ?? false) : dlqOverThreshold;
  // Pausing a stalled queue clears the condition but recovers nothing: no "recovered" line.
  const stalledCleared =
    previousKnown && previous?.stalled === true && stalled === false && !reading.paused;
  const dlqCleared =
    previousKnown &&
    previous?.dlqOverThreshold === true &&
    reading.dlqDepth !== undefined &&
    !dlqOverThreshold;
  const candidate: QueueMonitorState = {
    backlogLevel: backlogLevel ?? previous?.backlogLevel ?? BacklogLevel.ok,
    oldestAgeLevel: oldestAgeLevel ?? previous?.oldestAgeLevel ?? BacklogLevel.ok,
    ...(backlogSince === undefined ? {} : { backlogSince }),
    ...(stalledNow ? { stalled: true } : {}),
    ...(dlqOverNow ? { dlqOverThreshold: true } : {}),
    updatedAt: now.toISOString(),
  };
  const nextState = previousKnown && !sameState(previous, candidate) ? candidate : undefined;

  return {
    queue: reading.queue,
    ...(counts ? { counts } : {}),
    ...(reading.oldestAgeSeconds === undefined
      ? {}
      : { oldestAgeSeconds: reading.oldestAgeSeconds }),
    ...(reading.dlqDepth === undefined ? {} : { dlqDepth: reading.dlqDepth }),
    ...(reading.completions === undefined ? {} : { completions: reading.completions }),
    ...(drainSeconds === undefined ? {} : { drainSeconds }),
    ...(backlogLevel === undefined ? {} : { backlogLevel }),
    ...(oldestAgeLevel === undefined ? {} : { oldestAgeLevel }),
    ...(level === undefined ? {} : { level }),
    dlqOverThreshold,
    ...(stalled === undefined ? {} : { stalled }),
    ...(reading.paused ? { paused: true as const } : {}),
    ...(backlogForSeconds === undefined ? {} : { backlogForSeconds }),
    returnedBelow,
    previousLevel,
    stalledCleared,
    dlqCleared,
    ...(nextState ? { nextState } : {}),
  };
}
