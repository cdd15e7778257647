/**
 * How a message that SQS's own redrive dead-lettered (delivered `maxReceiveCount` times with
 * no outcome recorded) is reconciled with its job's record: one rule, shared by every store,
 * so that they judge alike. The monitor's dead-letter intake applies it
 * (`runtime/monitor/dead-letter-intake.ts`).
 */
import type { JobRecord, StoredError } from './job-record.ts';
import { JobStatus } from './job-status.ts';

/**
 * What a dead-lettered message means for its job, judged from the record the worker (or an
 * operator) wrote last — never from a producer's:
 *
 * - `end`: nothing else will finish the job: no record of ours (`from` undefined: never
 *   claimed, e.g. every delivery was throttled or crashed before its claim), this message's
 *   own attempt found RUNNING past its lease plus the grace, or the job waiting
 *   (QUEUED/RETRYING/DEFERRED) on this very message. It ends ERRORED.
 * - `move`: ERRORED or LOST, but its message never reached the DLQ (`deadLetteredAt` unset):
 *   this message is it.
 * - `running`: this message's attempt is RUNNING and its lease has not run out: it may still
 *   write its own outcome; judge the message again later.
 * - `duplicate`: another message carries the job (its RUNNING attempt or pending retry was
 *   claimed by, or sent as, another message), or the job is over and its message already in
 *   the DLQ (SUCCESSFUL, CANCELLED, ERRORED/LOST with `deadLetteredAt`). `terminal` tells
 *   whether the job is over (then its key, if still held, can be released).
 */
export type DeadLetterVerdict =
  | { readonly kind: 'end'; readonly from: JobRecord | undefined }
  | { readonly kind: 'move'; readonly record: JobRecord }
  | { readonly kind: 'running'; readonly record: JobRecord }
  | { readonly kind: 'duplicate'; readonly record: JobRecord; readonly terminal: boolean };

/** A store's answer to {@link judgeDeadLetter}, after writing the `end` it called for. */
export type DeadLetterReconciliation =
  | { readonly kind: 'ended'; readonly record: JobRecord }
  | Exclude<DeadLetterVerdict, { readonly kind: 'end' }>;

/** What the intake asks a store to reconcile (see `JobStore.reconcileDeadLetter`). */
export interface DeadLetterRequest {
  /** The dead-lettered message's SQS id (SQS keeps it when its redrive moves a message). */
  readonly messageId: string;
  /** The ERRORED record to write when there is no record of ours (built from the message). */
  readonly fresh: JobRecord;
  /** Why the job ended (a `RedriveLimitError`). */
  readonly error: StoredError;
  /** ISO 8601. */
  readonly now: string;
  /** A RUNNING attempt whose lease expired before this instant is over (as the rescue's rule). */
  readonly leaseExpiredBefore: string;
}

/**
 * Judges a dead-lettered message against `current`, the record as the worker or an operator
 * last wrote it (undefined when there is none, or only a producer's).
 *
 * @example
 * ```ts
 * const verdict = judgeDeadLetter(await readTrusted(id), message.messageId, expiredBefore);
 * if (verdict.kind === 'end') await writeErrored(deadLetteredRecord(verdict.from, request));
 * ```
 */
export function judgeDeadLetter(
  current: JobRecord | undefined,
  messageId: string,
  leaseExpiredBefore: string,
): DeadLetterVerdict {
  if (!current) return { kind: 'end', from: undefined };
  const own = current.messageId === messageId;
  switch (current.status) {
    case JobStatus.SUCCESSFUL:
    case JobStatus.CANCELLED:
      return { kind: 'duplicate', record: current, terminal: true };
    case JobStatus.ERRORED:
    case JobStatus.LOST:
      return current.deadLetteredAt
        ? { kind: 'duplicate', record: current, terminal: true }
        : { kind: 'move', record: current };
    case JobStatus.RUNNING: {
      if (!own) return { kind: 'duplicate', record: current, terminal: false };
      const leaseOver = (current.leaseExpiresAt ?? '') < leaseExpiredBefore;
      return leaseOver ? { kind: 'end', from: current } : { kind: 'running', record: current };
    }
    default:
      // QUEUED, RETRYING, DEFERRED: waiting for a delivery. Only this message's own job ends.
      return own
        ? { kind: 'end', from: current }
        : { kind: 'duplicate', record: current, terminal: false };
  }
}

/**
 * The ERRORED record an `end` verdict writes: the record as it stood (attempts, timings, key,
 * envelope kept) or, without one, the request's fresh record; no lease, no `retryAt`, no
 * `deadLetteredAt` yet (set once the message is in the DLQ).
 *
 * @example
 * ```ts
 * const errored = deadLetteredRecord(verdict.from, request);
 * ```
 */
export function deadLetteredRecord(
  from: JobRecord | undefined,
  request: DeadLetterRequest,
): JobRecord {
  if (!from)
    return { ...request.fresh, error: request.error, endedAt: request.now, updatedAt: request.now };
  const { leaseExpiresAt: _lease, retryAt: _retry, deadLetteredAt: _dlq, ...kept } = from;
  return {
    ...kept,
    status: JobStatus.ERRORED,
    error: request.error,
    endedAt: request.now,
    updatedAt: request.now,
    messageId: request.messageId,
  };
}
