/**
 * The small interfaces the core talks to. The AWS adapters (`runtime/adapters/aws/`) implement
 * them for SQS, DynamoDB and EventBridge Scheduler, which also serve dev mode through local
 * emulators; `runtime/adapters/memory/` implements them in memory for fast unit tests. One
 * contract test suite runs against every adapter.
 */
import type { DeadLetterReconciliation, DeadLetterRequest } from './dead-letter-reconciliation.ts';
import type { JobStateConflictError } from './errors.ts';
import type { JobProgress, JobRecord, StoredError } from './job-record.ts';
import type { JobStatus } from './job-status.ts';
import type { MessageRouting } from './message-group.ts';

type Successful = 'SUCCESSFUL';
type Errored = 'ERRORED';
type Retrying = 'RETRYING';
type Deferred = 'DEFERRED';

// ── Queues ──────────────────────────────────────────────────────────────────────────────────

export interface SendEntry {
  /** Caller's id for the entry, unique within one batch. */
  readonly entryId: string;
  readonly body: string;
  readonly delaySeconds?: number;
  /** `MessageGroupId`: the FIFO group, or the fair-queue tenant (runtime/message-group.ts). */
  readonly groupId?: string;
  /** `MessageDeduplicationId` (FIFO queues only). */
  readonly deduplicationId?: string;
}

export type SendOutcome =
  | { readonly entryId: string; readonly ok: true; readonly messageId: string }
  | {
      readonly entryId: string;
      readonly ok: false;
      readonly code: string;
      readonly message: string;
    };

/** Sends and steers messages: what producers and the dispatcher need from SQS. */
export interface QueueTransport {
  /**
   * `attributes`: SQS message attributes of type String (name → value). `routing`: group and
   * deduplication ids; a FIFO send without them gets the defaults of `sendRouting`.
   */
  send(
    queueUrl: string,
    body: string,
    delaySeconds?: number,
    attributes?: Readonly<Record<string, string>>,
    routing?: MessageRouting,
  ): Promise<{ messageId: string }>;
  /** Up to 10 entries; reports every entry's outcome (never throws for per-entry failures). */
  sendBatch(queueUrl: string, entries: readonly SendEntry[]): Promise<SendOutcome[]>;
  /** Hides a received message for `seconds` (0 makes it visible at once). */
  changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void>;
}

// ── Job records ─────────────────────────────────────────────────────────────────────────────

export interface ClaimRequest {
  readonly id: string;
  readonly type: string;
  readonly queue: string;
  readonly enqueuedAt: string;
  readonly maxAttempts: number;
  readonly leaseExpiresAt: string;
  readonly now: string;
  readonly envelope?: string;
  readonly concurrencyKey?: string;
  readonly messageId?: string;
  /** The delivery's `MessageGroupId` (FIFO group or fair-queue tenant), kept on the record. */
  readonly messageGroup?: string;
  /**
   * Unique per delivery attempt. A claim whose response was lost can be retried with the same
   * token: finding RUNNING with this token means the earlier try won, and it is ours.
   */
  readonly claimToken?: string;
  /**
   * False when the message has been delivered before (SQS receive count above 1: a retry, a
   * deferral). A first delivery (the default) most likely finds no record (tracking `minimal`)
   * or the QUEUED record enqueue wrote (`full`), which the DynamoDB store replaces whole, the
   * cheaper request; a later one goes straight to updating the record. The outcome is the same.
   */
  readonly firstDelivery?: boolean;
  /**
   * When given, a record waiting with a `retryAt` later than this instant (ISO 8601) is not
   * claimable yet: the claim answers `conflict` with it, and the caller sends the message on
   * until it is due. A message whose re-send was not deleted, or whose re-send failed, thus
   * never runs the job before its retry or deferral is due.
   */
  readonly dueBy?: string;
}

/**
 * `claimed`: the record is RUNNING for this attempt (attempts incremented).
 * `conflict`: it was not claimable; `current` is the record as it stands.
 */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly record: JobRecord }
  | { readonly kind: 'conflict'; readonly current: JobRecord };

/** What ends or pauses a running attempt. */
export type AttemptResult =
  | {
      readonly status: Successful;
      readonly durationMs: number;
      readonly output?: unknown;
      readonly outputTruncated?: boolean;
    }
  | { readonly status: Errored; readonly durationMs: number; readonly error: StoredError }
  | {
      readonly status: Retrying;
      readonly durationMs: number;
      readonly error: StoredError;
      readonly retryAt: string;
    }
  | {
      readonly status: Deferred;
      readonly durationMs: number;
      readonly retryAt: string;
      readonly reason: string;
    };

/** A successful attempt, for {@link JobStore.recordSuccesses}. */
export interface SuccessfulAttempt {
  /** The record as its claim returned it: RUNNING, this attempt, every field. */
  readonly claimed: JobRecord;
  readonly result: Extract<AttemptResult, { readonly status: Successful }>;
  /** When the attempt ended (ISO 8601); becomes `endedAt` and `updatedAt`. */
  readonly now: string;
}

/**
 * Which running attempt a transition is about: the claimed record's id, queue and attempts,
 * and its claim token when it has one (an attempt number alone repeats after an operator's
 * requeue resets it; the token names one claim), with its start and the attempt history its
 * claim read, which the write ending it appends to (see `attempt-history.ts`).
 */
export type AttemptRef = Pick<JobRecord, 'id' | 'queue' | 'attempts' | 'claimToken'> &
  Partial<Pick<JobRecord, 'startedAt' | 'attemptHistory'>>;

/**
 * What became of one attempt given to {@link JobStore.recordSuccesses}:
 * `written`: the record is SUCCESSFUL for this attempt (by this request, or by an earlier try
 * of the same write whose answer was lost);
 * `conflict`: the condition refused it, the record is no longer this attempt's (rescued as
 * LOST, requeued): the same error `finishAttempt` throws;
 * `unwritten`: not written for a reason that may pass (throttled, the id named twice, no
 * record): the caller writes it with `finishAttempt`.
 */
export type SuccessWrite =
  | { readonly kind: 'written' }
  | { readonly kind: 'conflict'; readonly error: JobStateConflictError }
  | { readonly kind: 'unwritten'; readonly reason: string };

/** A running attempt found lost: its ref, and the lease it let expire (for the record's error). */
export type LostAttempt = AttemptRef & Pick<JobRecord, 'leaseExpiresAt'>;

/** How `markLost` re-queues a lost attempt while attempts remain. */
export interface LostAttemptRetry {
  /** When the retry is due (becomes `retryAt`). */
  readonly retryAt: string;
}

export interface ListJobsQuery {
  readonly queue: string;
  readonly status: JobStatus;
  /** Only records updated at or after this instant (ISO 8601). */
  readonly since?: string;
  readonly type?: string;
  /** 1–100. Default 25. */
  readonly limit?: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

export interface JobPage {
  readonly items: readonly JobRecord[];
  /** Present when there are more items. */
  readonly cursor?: string;
}

/**
 * The results store: one record per job, every transition a conditional write (the batch of
 * successes too: one condition per job, see `recordSuccesses`). A refused condition is
 * returned as data (`conflict`) or thrown as JobStateConflictError, never ignored.
 */
export interface JobStore {
  /** Writes the QUEUED record at enqueue (tracking `full`). Refuses an id that exists. */
  putQueued(record: JobRecord): Promise<void>;
  /** QUEUED/RETRYING/DEFERRED (or no record) → RUNNING, attempts + 1. */
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /**
   * The first-delivery claims of a batch, sent together, each as `claim` would write it.
   * Answers, per request and in order, what `claim` would (`claimed`, or `conflict` with the
   * record), or undefined when the group did not decide (a throttled or failed request, a
   * second request for the same id): the caller then claims it with `claim`, with the same
   * request (same claim token), which decides. Optional: a store without it claims one by one.
   */
  claimMany?(requests: readonly ClaimRequest[]): Promise<readonly (ClaimOutcome | undefined)[]>;
  /**
   * RUNNING (this attempt) → SUCCESSFUL / ERRORED / RETRYING / DEFERRED, conditional on
   * RUNNING, this attempt count and, when the attempt carries one, its claim token. Throws
   * JobStateConflictError when the record is no longer this attempt's (e.g. rescued as LOST).
   */
  finishAttempt(attempt: AttemptRef, result: AttemptResult, now: string): Promise<JobRecord>;
  /**
   * RUNNING (this attempt) → SUCCESSFUL for several jobs, sent together, each under the
   * condition of `finishAttempt` and leaving the very record it would. Answers one
   * {@link SuccessWrite} per attempt, in order; a refused condition is a `conflict` (or
   * `written`, when the record already holds this outcome), never an overwrite. The dispatcher
   * passes at most 25. An attempt left `unwritten` (or every attempt, when the call throws)
   * the caller records with `finishAttempt`, which recognises an outcome that was applied.
   */
  recordSuccesses(attempts: readonly SuccessfulAttempt[]): Promise<readonly SuccessWrite[]>;
  /**
   * Sets a running attempt's progress, conditional as `finishAttempt` (RUNNING, this attempt,
   * its claim token). Throws JobStateConflictError when the record is no longer this attempt's.
   */
  recordProgress(attempt: AttemptRef, progress: JobProgress): Promise<void>;
  /**
   * RUNNING (this attempt) past `leaseExpiredBefore` → the lost attempt recorded: RETRYING
   * (`retry` given: attempts remain) or LOST (terminal). Both note the lost attempt in `error`
   * (`JobLostError`, see `lostAttemptError`) and count it in `lostAttempts`. Returns null when
   * another caller got there first (or the attempt moved on).
   */
  markLost(
    attempt: LostAttempt,
    leaseExpiredBefore: string,
    now: string,
    retry?: LostAttemptRetry,
  ): Promise<JobRecord | null>;
  /**
   * No record, or any status but SUCCESSFUL and a live RUNNING attempt → ERRORED, for a message
   * that could not be run. A RUNNING record is replaced only once its lease expired before
   * `leaseExpiredBefore` (as `markLost` would take it): a live attempt may still write its own
   * outcome. Throws JobStateConflictError, naming the status, when it refuses.
   */
  recordRejected(record: JobRecord, leaseExpiredBefore: string): Promise<void>;
  /**
   * A message SQS's own redrive moved out of its queue (the dead-letter intake): judged against
   * the record by `judgeDeadLetter`, and when this message's job has no outcome (no record of
   * ours, its own RUNNING attempt past its lease, or waiting on this very message), ended
   * ERRORED by one write conditional on the record being exactly as read (no item or a
   * producer's; else `trusted`, same status, `updatedAt` and attempts). A record that moved
   * meanwhile (the rescue, a claim) is read and judged again. Throws JobStateConflictError
   * when it keeps moving.
   */
  reconcileDeadLetter(request: DeadLetterRequest): Promise<DeadLetterReconciliation>;
  /**
   * ERRORED, LOST or CANCELLED (a redrive whose send failed cancels the record it had
   * re-queued): note that its message is in the DLQ.
   */
  markDeadLettered(id: string, now: string): Promise<void>;
  /**
   * ERRORED / LOST / CANCELLED with `deadLetteredAt` → its message was deleted from the DLQ by
   * an operator: `deadLetteredAt` removed, `deadLetterDeletedAt` set. Throws
   * JobStateConflictError otherwise (JobNotFoundError without a record).
   */
  markDeadLetterDeleted(id: string, now: string): Promise<JobRecord>;
  /** QUEUED/RETRYING/DEFERRED → CANCELLED. Throws JobStateConflictError otherwise. */
  cancel(id: string, now: string): Promise<JobRecord>;
  /** ERRORED/LOST/CANCELLED → QUEUED with attempts reset (operator retry, DLQ redrive). */
  requeue(id: string, now: string): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | undefined>;
  list(query: ListJobsQuery): Promise<JobPage>;
  /** RUNNING records of `queue` whose lease expired before `before`. */
  listExpiredRunning(queue: string, before: string, limit?: number): Promise<JobRecord[]>;
}

// ── Concurrency keys ────────────────────────────────────────────────────────────────────────

/** One holder per key; races are decided by a conditional write, never by a read. */
export interface ConcurrencyKeyStore {
  /** True when `jobId` now holds `key`; false when another live job holds it. */
  acquire(
    key: string,
    jobId: string,
    expiresAtEpochSeconds: number,
    nowEpochSeconds: number,
  ): Promise<boolean>;
  /** Releases `key` if `jobId` holds it; a no-op otherwise. */
  release(key: string, jobId: string): Promise<void>;
  /** The job id holding `key` at `nowEpochSeconds` (a strongly consistent read); undefined when free or expired. */
  holder(key: string, nowEpochSeconds: number): Promise<string | undefined>;
  /**
   * Gives back a key `jobId` took but will not use (its message was never sent), if it still
   * holds it, with the one write producers may make: a conditional PutItem that leaves the key
   * expired at `nowEpochSeconds` − 1 (free for the next acquire; TTL deletes it later). A no-op
   * otherwise.
   */
  abandon(key: string, jobId: string, nowEpochSeconds: number): Promise<void>;
}

// ── Long delays ─────────────────────────────────────────────────────────────────────────────

/** Delivers a message body to a queue at a future instant (beyond SQS's 15-minute delay). */
export interface DelayedDelivery {
  /** `routing`: the message's group and deduplication ids (a FIFO queue needs both). */
  schedule(
    jobId: string,
    queueUrl: string,
    body: string,
    at: Date,
    routing?: MessageRouting,
  ): Promise<void>;
  /** Removes a pending delivery; false when there was none (already fired, or never made). */
  cancel(jobId: string): Promise<boolean>;
}

// ── Payload objects ─────────────────────────────────────────────────────────────────────────

/** Reads the stack's payload bucket (large payloads, `docs/large-payloads.md`). */
export interface PayloadReader {
  /** The bucket read, and the only one the worker trusts. */
  readonly bucket: string;
  /**
   * The object's text. Throws PayloadReferenceError (naming bucket and key) when the object is
   * missing, unreadable or larger than `maxBytes`, which no retry changes; any other error is
   * transient.
   */
  get(key: string, maxBytes: number): Promise<string>;
}

/**
 * The stack's payload bucket (large payloads, `docs/large-payloads.md`): S3 on AWS, fauxqs's S3
 * in dev mode and tests.
 */
export interface PayloadStore extends PayloadReader {
  /** Stores a payload's JSON at `key` (`payloads/<job id>/<sha256>.json`). */
  put(key: string, body: string): Promise<void>;
}
