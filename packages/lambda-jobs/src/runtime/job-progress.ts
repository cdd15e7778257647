import type { Logger } from '@aws-lambda-powertools/logger';
import { JobInputError, JobStateConflictError } from './errors.ts';
import type { JobProgress, JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import type { AttemptRef, JobStore } from './ports.ts';

/**
 * How often a running attempt's progress is written: at most one write per interval and a
 * bounded number per attempt, whatever `ctx.progress` is called with (each write is one
 * conditional UpdateItem of the record; see docs/data-model.md).
 */
export const PROGRESS_LIMITS = {
  /** Least time between two writes of one attempt's progress, ms. */
  minIntervalMs: 5_000,
  /** Writes per attempt; later reports are dropped (the outcome write follows anyway). */
  maxWritesPerAttempt: 20,
  /** Characters of the note kept with the fraction. */
  maxNoteLength: 200,
} as const;

/** Reports one attempt's progress to its record, throttled. */
export interface ProgressReporter {
  /**
   * Records `fraction` (0 to 1) and an optional note. Written at once when the last write is
   * older than the interval, else once the interval has passed (the latest report wins).
   * Throws {@link JobInputError} for a fraction outside 0–1 or a note too long; a write that
   * fails is logged, never thrown into the job.
   */
  report(fraction: number, note?: string): Promise<void>;
  /** The attempt ended: nothing more is written. */
  close(): void;
}

/** What {@link createProgressReporter} needs. */
export interface ProgressReporterDeps {
  readonly store: Pick<JobStore, 'recordProgress'>;
  /** The running attempt; every write is conditional on it. */
  readonly attempt: AttemptRef;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Default {@link PROGRESS_LIMITS.minIntervalMs}. */
  readonly minIntervalMs?: number;
}

function checkProgress(fraction: number, note: string | undefined): void {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new JobInputError(
      'progress.fraction',
      '0 to 1',
      `ctx.progress takes a fraction from 0 to 1; got ${String(fraction)}`,
    );
  }
  if (
    note !== undefined &&
    (typeof note !== 'string' || note.length > PROGRESS_LIMITS.maxNoteLength)
  ) {
    throw new JobInputError(
      'progress.note',
      `${PROGRESS_LIMITS.maxNoteLength} characters`,
      `ctx.progress takes a note of at most ${PROGRESS_LIMITS.maxNoteLength} characters; got ${typeof note === 'string' ? note.length : typeof note}`,
    );
  }
}

/**
 * Creates the reporter behind `ctx.progress` for one attempt.
 *
 * @example
 * ```ts
 * const progress = createProgressReporter({ store, attempt: claimed, logger });
 * await progress.report(0.5, 'half the rows');
 * progress.close();
 * ```
 */
export function createProgressReporter(deps: ProgressReporterDeps): ProgressReporter {
  const now = deps.now ?? (() => new Date());
  const intervalMs = deps.minIntervalMs ?? PROGRESS_LIMITS.minIntervalMs;
  const keys = { job_id: deps.attempt.id, attempt: deps.attempt.attempts };
  let latest: { fraction: number; note?: string } | undefined;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let writes = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const write = async (): Promise<void> => {
    if (closed || !latest || writes >= PROGRESS_LIMITS.maxWritesPerAttempt) return;
    const at = now();
    const progress: JobProgress = {
      ...latest,
      at: at.toISOString(),
      attempt: deps.attempt.attempts,
    };
    latest = undefined;
    lastWriteAt = at.getTime();
    writes += 1;
    try {
      await deps.store.recordProgress(deps.attempt, progress);
    } catch (error) {
      if (error instanceof JobStateConflictError) {
        // The record moved on (an outcome, or the rescue): this attempt's progress is moot.
        closed = true;
        deps.logger.debug('Progress not recorded: the attempt is over', { ...keys, error });
        return;
      }
      deps.logger.warn('Progress not recorded', { ...keys, error });
    }
  };

  return {
    async report(fraction, note) {
      checkProgress(fraction, note);
      if (closed) return;
      latest = note === undefined ? { fraction } : { fraction, note };
      const waitMs = lastWriteAt + intervalMs - now().getTime();
      if (waitMs <= 0) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        await write();
        return;
      }
      if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          void write();
        }, waitMs);
        timer.unref();
      }
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * The progress to show for a record: its running attempt's, or none (a finished job, or a
 * progress left by an earlier attempt).
 *
 * @example
 * ```ts
 * const progress = runningProgress(record);
 * if (progress) console.log(`${Math.round(progress.fraction * 100)} %`);
 * ```
 */
export function runningProgress(record: JobRecord): JobProgress | undefined {
  const { progress } = record;
  return record.status === JobStatus.RUNNING && progress?.attempt === record.attempts
    ? progress
    : undefined;
}

/**
 * A progress as people read it: `40 % (copying rows)`.
 *
 * @example
 * ```ts
 * describeProgress({ fraction: 0.4, note: 'copying rows', at, attempt: 1 }); // '40 % (copying rows)'
 * ```
 */
export function describeProgress(progress: JobProgress): string {
  const percent = `${Math.round(progress.fraction * 100)} %`;
  return progress.note ? `${percent} (${progress.note})` : percent;
}
