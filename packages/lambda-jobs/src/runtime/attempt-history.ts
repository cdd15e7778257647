/**
 * A job's attempt history: one small entry per attempt that ended (succeeded, failed, deferred
 * itself, or was found lost), kept on the record beside the last outcome. It is written by the
 * very conditional write that records the attempt's outcome (no extra request): that write is
 * conditional on the record being this attempt's RUNNING record, so the history it carries,
 * read with the claim, is the one stored, and the store sets the whole bounded list.
 *
 * Bounded in count ({@link ATTEMPT_HISTORY_LIMITS}.entries, the newest kept) and in size (the
 * error's name and message, and a deferral's reason, are cut to a few dozen bytes; the stack
 * stays in the record's `error` only), so an entry is at most about 330 bytes as DynamoDB
 * counts it and the whole history at most about 3.3 KB (see `docs/data-model.md`).
 */
import type { JobRecord, StoredError } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import type { AttemptResult } from './ports.ts';
import { truncateUtf8 } from './stored-error.ts';

/** How an attempt ended, as its history entry names it. */
export type AttemptOutcome =
  | typeof JobStatus.SUCCESSFUL
  | typeof JobStatus.ERRORED
  | typeof JobStatus.RETRYING
  | typeof JobStatus.DEFERRED
  | typeof JobStatus.LOST;

/** One ended attempt. Times are ISO 8601 UTC strings. */
export interface AttemptEntry {
  /** The attempt's number as counted when it ran (an operator's retry counts from 1 again). */
  readonly attempt: number;
  readonly startedAt?: string;
  readonly endedAt: string;
  /** Milliseconds `run` took; absent for a lost attempt (nothing reported it). */
  readonly durationMs?: number;
  readonly outcome: AttemptOutcome;
  /** The error's name, cut to {@link ATTEMPT_HISTORY_LIMITS}.errorNameBytes. */
  readonly errorName?: string;
  /** The error's message, cut to {@link ATTEMPT_HISTORY_LIMITS}.errorMessageBytes. */
  readonly errorMessage?: string;
  /** Why the job deferred itself, cut to {@link ATTEMPT_HISTORY_LIMITS}.errorMessageBytes. */
  readonly reason?: string;
}

/** The bounds of a record's attempt history. */
export const ATTEMPT_HISTORY_LIMITS = {
  /** Entries kept: the newest ones. */
  entries: 10,
  /** UTF-8 bytes of an entry's `errorName`. */
  errorNameBytes: 48,
  /** UTF-8 bytes of an entry's `errorMessage` or `reason`. */
  errorMessageBytes: 150,
} as const;

/** What the history needs of the record the attempt ran on (its claim's answer). */
export type AttemptSource = Pick<JobRecord, 'attempts' | 'startedAt' | 'attemptHistory'>;

/** The entry for an attempt that ended with `result` at `endedAt`. */
export function attemptEntry(
  source: AttemptSource,
  result: AttemptResult,
  endedAt: string,
): AttemptEntry {
  const base = {
    attempt: source.attempts,
    ...(source.startedAt === undefined ? {} : { startedAt: source.startedAt }),
    endedAt,
    durationMs: result.durationMs,
    outcome: result.status,
  };
  if (result.status === JobStatus.DEFERRED) {
    return {
      ...base,
      reason: truncateUtf8(result.reason, ATTEMPT_HISTORY_LIMITS.errorMessageBytes),
    };
  }
  return result.status === JobStatus.SUCCESSFUL ? base : { ...base, ...errorFields(result.error) };
}

/** The entry for an attempt found lost (lease expired, no outcome) at `endedAt`. */
export function lostAttemptEntry(
  source: AttemptSource,
  error: StoredError,
  endedAt: string,
): AttemptEntry {
  return {
    attempt: source.attempts,
    ...(source.startedAt === undefined ? {} : { startedAt: source.startedAt }),
    endedAt,
    outcome: JobStatus.LOST,
    ...errorFields(error),
  };
}

/**
 * The history `source` had, with `entry` appended and only the newest
 * {@link ATTEMPT_HISTORY_LIMITS}.entries kept: what the outcome's write sets.
 *
 * @example
 * ```ts
 * const history = appendAttempt(claimed, attemptEntry(claimed, result, now));
 * ```
 */
export function appendAttempt(source: AttemptSource, entry: AttemptEntry): AttemptEntry[] {
  const before = Array.isArray(source.attemptHistory) ? source.attemptHistory : [];
  return [...before, entry].slice(-ATTEMPT_HISTORY_LIMITS.entries);
}

/**
 * The history an attempt's outcome leaves: {@link appendAttempt} of {@link attemptEntry}.
 *
 * @example
 * ```ts
 * set.attemptHistory = historyAfter(claimed, { status: 'SUCCESSFUL', durationMs: 12 }, now);
 * ```
 */
export function historyAfter(
  source: AttemptSource,
  result: AttemptResult,
  endedAt: string,
): AttemptEntry[] {
  return appendAttempt(source, attemptEntry(source, result, endedAt));
}

/**
 * The history a lost attempt leaves: {@link appendAttempt} of {@link lostAttemptEntry}.
 *
 * @example
 * ```ts
 * set.attemptHistory = lostHistory(running, lostAttemptError(running, true), now);
 * ```
 */
export function lostHistory(
  source: AttemptSource,
  error: StoredError,
  endedAt: string,
): AttemptEntry[] {
  return appendAttempt(source, lostAttemptEntry(source, error, endedAt));
}

function errorFields(error: StoredError): Pick<AttemptEntry, 'errorName' | 'errorMessage'> {
  return {
    errorName: truncateUtf8(error.name, ATTEMPT_HISTORY_LIMITS.errorNameBytes),
    errorMessage: truncateUtf8(error.message, ATTEMPT_HISTORY_LIMITS.errorMessageBytes),
  };
}
