import type { AttemptEntry } from './attempt-history.ts';
import type { JobStatus } from './job-status.ts';

/** An error as stored: name, message, and a stack truncated to LIMITS.maxStoredTextBytes. */
export interface StoredError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The input field at fault, for bad input (a malformed envelope, a payload failing its schema). */
  readonly field?: string;
}

/** A running attempt's progress, as `ctx.progress` reported it (written throttled). */
export interface JobProgress {
  /** 0 to 1. */
  readonly fraction: number;
  readonly note?: string;
  /** When it was written. */
  readonly at: string;
  /** The attempt that reported it: shown only while that attempt runs. */
  readonly attempt: number;
}

/**
 * One job's record in the results store. Times are ISO 8601 UTC strings; durations are
 * milliseconds. Bounded in size: stack, output and envelope are truncated or omitted past
 * their limits (see `docs/data-model.md`).
 */
export interface JobRecord {
  readonly id: string;
  readonly type: string;
  readonly queue: string;
  readonly status: JobStatus;
  /** Attempts started and counted (deferrals and deadline-guard returns do not count). */
  readonly attempts: number;
  /** retries + 1. */
  readonly maxAttempts: number;
  readonly enqueuedAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Milliseconds `run` took (last attempt). */
  readonly durationMs?: number;
  /** Milliseconds from enqueue to the start of the first attempt. */
  readonly waitMs?: number;
  /** When the running attempt's deadline passes; used to detect LOST jobs. */
  readonly leaseExpiresAt?: string;
  /** When a RETRYING or DEFERRED job becomes visible again. */
  readonly retryAt?: string;
  readonly deferrals?: number;
  /** Why the job last deferred itself (DeferJobError's message). */
  readonly deferReason?: string;
  readonly error?: StoredError;
  /** `run`'s result, when its JSON fits in LIMITS.maxStoredTextBytes. */
  readonly output?: unknown;
  readonly outputTruncated?: boolean;
  readonly concurrencyKey?: string;
  /** The message body, when it fits in LIMITS.maxStoredEnvelopeBytes. */
  readonly envelope?: string;
  /**
   * The newest ended attempts, oldest first (bounded: see `runtime/attempt-history.ts`), kept
   * across an operator's retry and a redrive.
   */
  readonly attemptHistory?: readonly AttemptEntry[];
  /** Attempts the rescue found lost (lease expired, no outcome): each one counted here. */
  readonly lostAttempts?: number;
  /** Set once the message of an ERRORED (or terminally LOST) job is in the DLQ. */
  readonly deadLetteredAt?: string;
  /** Set when an operator deleted the job's message from the DLQ (`deadLetteredAt` is removed then). */
  readonly deadLetterDeletedAt?: string;
  /** SQS message id of the delivery that last touched the record. */
  readonly messageId?: string;
  /**
   * The job's `MessageGroupId`: its FIFO group (`groupKey`, or the job type) or its fair-queue
   * tenant (`tenantKey`). Absent for a job sent without one.
   */
  readonly messageGroup?: string;
  /** The running attempt's last reported progress (see `ctx.progress`). */
  readonly progress?: JobProgress;
  /** Token of the claim that made the record RUNNING (see ClaimRequest.claimToken). */
  readonly claimToken?: string;
  /** Epoch seconds; DynamoDB TTL removes the record after this. */
  readonly expiresAt: number;
}
