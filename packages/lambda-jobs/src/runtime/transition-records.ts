import { historyAfter } from './attempt-history.ts';
import { JobStateConflictError } from './errors.ts';
import type { JobRecord, StoredError } from './job-record.ts';
import { JOB_LOST_ERROR_NAME, JobStatus } from './job-status.ts';
import type {
  AttemptRef,
  AttemptResult,
  ClaimRequest,
  LostAttempt,
  LostAttemptRetry,
  SuccessfulAttempt,
  SuccessWrite,
} from './ports.ts';

/**
 * The whole records that store transitions write, and how a store recognises its own earlier
 * write, shared by every store so that they behave exactly alike.
 */

/**
 * Whether `current`, which refused a claim, is that very claim's earlier try (applied, its
 * answer lost): RUNNING under the request's claim token.
 *
 * @example
 * ```ts
 * if (isEarlierTryOfClaim(request, current)) return { kind: 'claimed', record: current };
 * ```
 */
export function isEarlierTryOfClaim(request: ClaimRequest, current: JobRecord): boolean {
  return (
    request.claimToken !== undefined &&
    current.status === JobStatus.RUNNING &&
    current.claimToken === request.claimToken
  );
}

/**
 * The RUNNING record a claim writes when there is no record, or only a pristine QUEUED one
 * (never run, same `enqueuedAt` and concurrency key), to keep anything from: attempt 1,
 * the wait since `enqueuedAt`, and what the delivery carries (envelope, concurrency key,
 * message id, claim token). A claim by update of any other record keeps its attempts count,
 * `enqueuedAt`, first wait and other fields over this.
 *
 * @example
 * ```ts
 * const record = claimedRecord(request, expiresAt);
 * ```
 */
export function claimedRecord(request: ClaimRequest, expiresAt: number): JobRecord {
  return {
    id: request.id,
    type: request.type,
    queue: request.queue,
    status: JobStatus.RUNNING,
    attempts: 1,
    maxAttempts: request.maxAttempts,
    enqueuedAt: request.enqueuedAt,
    waitMs: Math.max(0, Date.parse(request.now) - Date.parse(request.enqueuedAt)),
    startedAt: request.now,
    leaseExpiresAt: request.leaseExpiresAt,
    updatedAt: request.now,
    ...(request.envelope === undefined ? {} : { envelope: request.envelope }),
    ...(request.concurrencyKey === undefined ? {} : { concurrencyKey: request.concurrencyKey }),
    ...(request.messageId === undefined ? {} : { messageId: request.messageId }),
    ...(request.messageGroup === undefined ? {} : { messageGroup: request.messageGroup }),
    ...(request.claimToken === undefined ? {} : { claimToken: request.claimToken }),
    expiresAt,
  };
}

/**
 * The record a successful attempt leaves: the claimed RUNNING record without its lease, the
 * previous attempt's error and retry time, with the outcome, `endedAt`/`updatedAt` = `now`, the
 * new `expiresAt` and the attempt appended to its history. Every store writes exactly this, one
 * by one (an update) or in a group (a put of this record).
 *
 * @example
 * ```ts
 * const record = succeededRecord({ claimed, result: { status: 'SUCCESSFUL', durationMs: 12 }, now }, expiresAt);
 * ```
 */
export function succeededRecord(attempt: SuccessfulAttempt, expiresAt: number): JobRecord {
  const { leaseExpiresAt: _lease, error: _error, retryAt: _retryAt, ...kept } = attempt.claimed;
  const { result, now } = attempt;
  return {
    ...kept,
    status: JobStatus.SUCCESSFUL,
    endedAt: now,
    durationMs: result.durationMs,
    updatedAt: now,
    expiresAt,
    attemptHistory: historyAfter(attempt.claimed, result, now),
    ...(result.output === undefined ? {} : { output: result.output }),
    ...(result.outputTruncated === undefined ? {} : { outputTruncated: result.outputTruncated }),
  };
}

/**
 * Whether `current` is this attempt's own, still running: RUNNING, the same attempt count and,
 * when the attempt carries a claim token, the same token. The condition of every write that
 * ends an attempt (`finishAttempt`, `recordSuccesses`).
 *
 * @example
 * ```ts
 * if (!isRunningAttempt(attempt, current)) throw new JobStateConflictError(id, 'finish', current?.status);
 * ```
 */
export function isRunningAttempt(attempt: AttemptRef, current: JobRecord | undefined): boolean {
  return (
    current?.status === JobStatus.RUNNING &&
    current.attempts === attempt.attempts &&
    (attempt.claimToken === undefined || current.claimToken === attempt.claimToken)
  );
}

/**
 * Whether `current`, which refused a write ending an attempt, already holds that very outcome
 * (an earlier try of the write, applied, its answer lost): the same status, the attempt count
 * the outcome leaves (a deferral gives its attempt back), the same `endedAt` and claim token.
 *
 * @example
 * ```ts
 * if (isEarlierTryOfOutcome(attempt, 'SUCCESSFUL', now, current)) return current;
 * ```
 */
export function isEarlierTryOfOutcome(
  attempt: AttemptRef,
  status: AttemptResult['status'],
  now: string,
  current: JobRecord | undefined,
): boolean {
  const attempts = status === JobStatus.DEFERRED ? attempt.attempts - 1 : attempt.attempts;
  return (
    current?.status === status &&
    current.attempts === attempts &&
    current.endedAt === now &&
    (attempt.claimToken === undefined || current.claimToken === attempt.claimToken)
  );
}

/**
 * What a store answers for a success write its condition refused, the record no longer being
 * the attempt's running one: `written` when it already holds this very outcome (an earlier try
 * of the write, applied, its answer lost), else a conflict naming the record's status.
 *
 * @example
 * ```ts
 * if (current) return refusedSuccess(attempt, current); // { kind: 'conflict', error } once rescued as LOST
 * ```
 */
export function refusedSuccess(attempt: SuccessfulAttempt, current: JobRecord): SuccessWrite {
  const { claimed, now } = attempt;
  if (isEarlierTryOfOutcome(claimed, JobStatus.SUCCESSFUL, now, current))
    return { kind: 'written' };
  return {
    kind: 'conflict',
    error: new JobStateConflictError(
      claimed.id,
      `finish attempt ${claimed.attempts} as ${JobStatus.SUCCESSFUL}`,
      current.status,
    ),
  };
}

/**
 * The instant a record sorts by in the `byQueueStatus` index (`gsi1sk` = `<instant>#<id>`):
 * a RUNNING record by its lease (so the lost-job sweep reads only expired leases, with a key
 * condition), every other status by `updatedAt` (lists are newest first).
 *
 * @example
 * ```ts
 * indexSortInstant({ status: 'RUNNING', updatedAt: t0, leaseExpiresAt: t30 }) === t30;
 * ```
 */
export function indexSortInstant(
  record: Pick<JobRecord, 'status' | 'updatedAt' | 'leaseExpiresAt'>,
): string {
  return record.status === JobStatus.RUNNING && record.leaseExpiresAt !== undefined
    ? record.leaseExpiresAt
    : record.updatedAt;
}

/**
 * The error `markLost` records for a lost attempt: which attempt, when its lease expired, and
 * whether the job will run again. Every store writes exactly this.
 *
 * @example
 * ```ts
 * lostAttemptError({ id, queue, attempts: 2, leaseExpiresAt }, true).message;
 * // 'attempt 2 lost: lease expired at 2030-01-01T00:01:00.000Z …; it will be retried'
 * ```
 */
export function lostAttemptError(attempt: LostAttempt, willRetry: boolean): StoredError {
  const lease = attempt.leaseExpiresAt ?? 'an unknown time';
  return {
    name: JOB_LOST_ERROR_NAME,
    message: `attempt ${attempt.attempts} lost: lease expired at ${lease} with no outcome recorded (worker crash, out of memory, hard timeout, or a store error); ${willRetry ? 'it will be retried' : 'no attempts left'}`,
  };
}

/**
 * How a lost attempt goes on (plain.jobs): retried at once while attempts remain, else none
 * (the lost attempt is the last, and terminal). The rule of both rescues, the monitor's sweep
 * and a redelivery that finds the attempt past its lease.
 *
 * @example
 * ```ts
 * await store.markLost(record, expiredBefore, at, lostAttemptRetry(record, at));
 * ```
 */
export function lostAttemptRetry(
  record: Pick<JobRecord, 'attempts' | 'maxAttempts'>,
  at: string,
): LostAttemptRetry | undefined {
  return record.attempts < record.maxAttempts ? { retryAt: at } : undefined;
}

/**
 * Whether `current`, which refused `markLost`, already holds that very write (an earlier try,
 * applied, its answer lost): the status it writes (RETRYING or LOST), the same attempt and
 * `endedAt`.
 *
 * @example
 * ```ts
 * if (isEarlierTryOfLost(attempt, 'LOST', now, current)) return current;
 * ```
 */
export function isEarlierTryOfLost(
  attempt: AttemptRef,
  status: JobRecord['status'],
  now: string,
  current: JobRecord,
): boolean {
  return (
    current.status === status && current.attempts === attempt.attempts && current.endedAt === now
  );
}
