import { DEFAULTS } from '../../../config/defaults.ts';
import { historyAfter, lostHistory } from '../../attempt-history.ts';
import { isDue } from '../../claim-due.ts';
import { deadLetteredRecord, judgeDeadLetter } from '../../dead-letter-reconciliation.ts';
import { JobNotFoundError, JobStateConflictError } from '../../errors.ts';
import { foreignCursorError, sortableSince } from '../../job-list-inputs.ts';
import type { JobProgress, JobRecord } from '../../job-record.ts';
import { CLAIMABLE_STATUSES, type JobStatus, JobStatus as Status } from '../../job-status.ts';
import { listedRecord } from '../../listed-record.ts';
import type {
  AttemptRef,
  AttemptResult,
  ClaimOutcome,
  ClaimRequest,
  JobPage,
  JobStore,
  ListJobsQuery,
  LostAttempt,
  LostAttemptRetry,
  SuccessWrite,
} from '../../ports.ts';
import {
  type IndexShardsOf,
  statusIndexPartition,
  statusIndexPartitions,
  statusShardOf,
} from '../../status-index-shard.ts';
import {
  claimedRecord,
  indexSortInstant,
  isEarlierTryOfClaim,
  isEarlierTryOfLost,
  isEarlierTryOfOutcome,
  isRunningAttempt,
  lostAttemptError,
  refusedSuccess,
  succeededRecord,
} from '../../transition-records.ts';
import { createFaultPlan, type InjectedFaults } from './injected-faults.ts';

/** Options for {@link createMemoryJobStore}. */
export interface MemoryJobStoreOptions {
  /** How long records are kept after their last write, seconds (sets `expiresAt`). Default 7 days. */
  readonly retentionSeconds?: number;
  /** Statuses kept out of the index, as the DynamoDB store's option of the same name. */
  readonly unlistedStatuses?: readonly JobStatus[];
  /** The index's write shards per queue, as the DynamoDB store's option of the same name. */
  readonly indexShards?: IndexShardsOf;
}

/** The in-memory store, plus what tests use to look inside and to make it fail. */
export interface MemoryJobStore extends JobStore, InjectedFaults<keyof JobStore> {
  /** Every record, as `get` returns them, newest `updatedAt` first. */
  records(): JobRecord[];
  /**
   * Writes `record` as a producer's unconditional PutItem can (what its IAM policy cannot
   * stop): replacing whatever is there, without the worker's `trusted` marker.
   */
  writeAsProducer(record: JobRecord): void;
}

/** A stored record and its place in the `byQueueStatus` index (`<queue>#<STATUS>#<shard>`, `<instant>#<id>`, see `indexSortInstant`). */
interface Entry {
  readonly record: JobRecord;
  /** Undefined when the record's status is unlisted (not in the index). */
  readonly indexPartition: string | undefined;
  readonly indexSort: string;
  /** False for a record a producer wrote (DynamoDB: no `trusted` attribute). */
  readonly trusted: boolean;
}

const REOPENABLE: readonly JobStatus[] = [Status.ERRORED, Status.LOST, Status.CANCELLED];

/** What DynamoDB keeps of a value: JSON data, with undefined fields dropped. */
function asStored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function without<T extends object>(record: T, fields: readonly string[]): T {
  const copy: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const field of fields) delete copy[field];
  return copy as T;
}

const encodeCursor = (indexSort: string) =>
  Buffer.from(JSON.stringify({ after: indexSort })).toString('base64url');

function decodeCursor(cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof decoded === 'object' &&
      decoded !== null &&
      'after' in decoded &&
      typeof decoded.after === 'string'
    ) {
      return decoded.after;
    }
  } catch {
    // Reported below, with the field and what is expected.
  }
  throw foreignCursorError();
}

/**
 * The results store in memory, with the DynamoDB store's semantics: the same conditions on
 * every transition, the same outcomes (`conflict`, `null`) and errors (JobStateConflictError,
 * JobNotFoundError), the same recognition of a repeated write that was already applied (a
 * claim by its token, an outcome by its status, attempt, `endedAt` and token), the same fields set
 * and removed, `expiresAt` = `updatedAt` + retention on every write, and listing through the
 * same index keys. Each call is atomic, so concurrent callers race exactly as conditional
 * writes do. For fast unit tests and for tools that need no AWS at all.
 *
 * @example
 * ```ts
 * const store = createMemoryJobStore({ retentionSeconds: 3600 });
 * const outcome = await store.claim({ id, type: 'echo', queue: 'default', enqueuedAt, maxAttempts: 4, leaseExpiresAt, now });
 * store.failNext('finishAttempt'); // the next finishAttempt rejects
 * ```
 */
export function createMemoryJobStore(options: MemoryJobStoreOptions = {}): MemoryJobStore {
  const retentionSeconds = options.retentionSeconds ?? DEFAULTS.resultsRetentionSeconds;
  // Stryker disable next-line ArrayDeclaration: no status is named so: every status stays listed either way
  const unlisted = new Set(options.unlistedStatuses ?? []);
  const shardsOf = options.indexShards ?? (() => DEFAULTS.indexShards);
  const entries = new Map<string, Entry>();
  const faults = createFaultPlan<keyof JobStore>();
  const expiresAt = (iso: string) => Math.floor(Date.parse(iso) / 1000) + retentionSeconds;

  const read = (id: string): JobRecord | undefined => {
    const entry = entries.get(id);
    return entry ? asStored(entry.record) : undefined;
  };
  /** The record only if the worker (or an operator) wrote it last: what conditions may trust. */
  const readTrusted = (id: string): JobRecord | undefined =>
    entries.get(id)?.trusted ? read(id) : undefined;

  /** `isRunningAttempt`, on a record the worker wrote (`trusted`), as the DynamoDB condition. */
  const isOwnRunningAttempt = (attempt: AttemptRef, current: JobRecord): boolean =>
    // Stryker disable next-line OptionalChaining: isRunningAttempt holds only for a stored record, whose entry exists
    isRunningAttempt(attempt, current) && entries.get(attempt.id)?.trusted === true;

  /** Writes `record` under the index keys of `queue` (the caller's, as DynamoDB does). */
  const write = (record: JobRecord, queue: string = record.queue, trusted = true): JobRecord => {
    const stored = asStored(record);
    entries.set(stored.id, {
      record: stored,
      indexPartition: unlisted.has(stored.status)
        ? undefined
        : statusIndexPartition(queue, stored.status, statusShardOf(stored.id, shardsOf(queue))),
      indexSort: `${indexSortInstant(stored)}#${stored.id}`,
      trusted,
    });
    return asStored(stored);
  };

  /** The refusal of a transition: JobNotFoundError without a record, else a conflict. */
  const refuse = (id: string, transition: string, current: JobRecord | undefined) =>
    current ? new JobStateConflictError(id, transition, current.status) : new JobNotFoundError(id);

  const store: MemoryJobStore = {
    failNext: faults.failNext,

    records() {
      return [...entries.values()]
        .sort((a, b) => (a.indexSort < b.indexSort ? 1 : -1))
        .map((entry) => asStored(entry.record));
    },

    writeAsProducer(record) {
      write(record, record.queue, false);
    },

    async putQueued(record) {
      faults.throwIfArranged('putQueued');
      if (entries.has(record.id)) {
        // Stryker disable next-line StringLiteral: error text only
        throw new JobStateConflictError(record.id, 'record as queued', undefined);
      }
      write({ ...record, expiresAt: expiresAt(record.updatedAt) }, record.queue, false);
    },

    async claim(request: ClaimRequest): Promise<ClaimOutcome> {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('claim');
      // A producer's record (the QUEUED one enqueue wrote, or anything put in its place) is
      // trusted for nothing: the claim is built from the delivery alone, as if there were none.
      const current = readTrusted(request.id);
      if (
        current &&
        !(CLAIMABLE_STATUSES.includes(current.status) && isDue(current, request.dueBy))
      ) {
        // A retried claim whose first try won (its response lost) finds its own token.
        return isEarlierTryOfClaim(request, current)
          ? { kind: 'claimed', record: current }
          : { kind: 'conflict', current };
      }
      const fresh = claimedRecord(request, expiresAt(request.now));
      const record: JobRecord = {
        ...without(current ?? ({} as JobRecord), ['retryAt']),
        ...fresh,
        attempts: (current?.attempts ?? 0) + 1,
        enqueuedAt: current?.enqueuedAt ?? fresh.enqueuedAt,
        waitMs: current?.waitMs ?? fresh.waitMs,
      };
      return { kind: 'claimed', record: write(record) };
    },

    async finishAttempt(attempt: AttemptRef, result: AttemptResult, now) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('finishAttempt');
      const current = read(attempt.id);
      if (!current || !isOwnRunningAttempt(attempt, current)) {
        // A retried write whose first try was applied (its response lost) finds its own outcome.
        if (current && isEarlierTryOfOutcome(attempt, result.status, now, current)) return current;
        throw refuse(attempt.id, `finish attempt ${attempt.attempts} as ${result.status}`, current);
      }
      const common = {
        status: result.status,
        endedAt: now,
        durationMs: result.durationMs,
        updatedAt: now,
        expiresAt: expiresAt(now),
        attemptHistory: historyAfter(current, result, now),
      };
      const next = ((): JobRecord => {
        const running = without(current, ['leaseExpiresAt']);
        switch (result.status) {
          case Status.SUCCESSFUL:
            return succeededRecord({ claimed: current, result, now }, common.expiresAt);
          // Stryker disable next-line ConditionalExpression: ERRORED falls through to RETRYING's record, whose undefined retryAt is dropped when stored
          case Status.ERRORED:
            return { ...running, ...common, error: result.error };
          case Status.RETRYING:
            return { ...running, ...common, error: result.error, retryAt: result.retryAt };
          case Status.DEFERRED:
            return {
              ...running,
              ...common,
              retryAt: result.retryAt,
              deferReason: result.reason,
              attempts: current.attempts - 1,
              deferrals: (current.deferrals ?? 0) + 1,
            };
        }
      })();
      return write(next, attempt.queue);
    },

    async markLost(attempt: LostAttempt, leaseExpiredBefore, now, retry?: LostAttemptRetry) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('markLost');
      const status = retry ? Status.RETRYING : Status.LOST;
      const current = read(attempt.id);
      if (current && isEarlierTryOfLost(attempt, status, now, current)) {
        return current; // a repeat of this very write, whose first answer was lost
      }
      if (
        // Stryker disable next-line ConditionalExpression: a record that is not RUNNING has no lease and is refused by the lease check below
        current?.status !== Status.RUNNING ||
        // Stryker disable next-line OptionalChaining: the record exists here (the status check before)
        !entries.get(attempt.id)?.trusted ||
        current.attempts !== attempt.attempts ||
        // Stryker disable next-line ConditionalExpression: an undefined lease compares false, refused by the next check all the same
        current.leaseExpiresAt === undefined ||
        !(current.leaseExpiresAt < leaseExpiredBefore)
      ) {
        return null;
      }
      return write(
        {
          // Stryker disable next-line StringLiteral: a RUNNING record has no retryAt (the claim removes it)
          ...without(current, ['leaseExpiresAt', 'retryAt']),
          status,
          endedAt: now,
          updatedAt: now,
          expiresAt: expiresAt(now),
          error: lostAttemptError(attempt, retry !== undefined),
          // Stryker disable next-line ConditionalExpression,EqualityOperator: the history keeps the error message cut before its retry note: both read the same
          attemptHistory: lostHistory(current, lostAttemptError(attempt, retry !== undefined), now),
          lostAttempts: (current.lostAttempts ?? 0) + 1,
          ...(retry ? { retryAt: retry.retryAt } : {}),
        },
        attempt.queue,
      );
    },

    async recordProgress(attempt: AttemptRef, progress: JobProgress) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('recordProgress');
      const entry = entries.get(attempt.id);
      const current = read(attempt.id);
      if (!entry || !current || !isOwnRunningAttempt(attempt, current)) {
        // Stryker disable next-line StringLiteral: error text only
        throw refuse(attempt.id, `record progress of attempt ${attempt.attempts}`, current);
      }
      // The index keys stay: only a field outside them changes.
      entries.set(attempt.id, { ...entry, record: asStored({ ...current, progress }) });
    },

    async recordSuccesses(attempts) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('recordSuccesses');
      const named = new Set<string>();
      return attempts.map((attempt): SuccessWrite => {
        const { claimed, now } = attempt;
        if (named.has(claimed.id))
          // Stryker disable next-line StringLiteral: the reason is logged only
          return { kind: 'unwritten', reason: 'named twice in one group' };
        named.add(claimed.id);
        const current = read(claimed.id);
        if (current && isOwnRunningAttempt(claimed, current)) {
          // From the record as it stands: it keeps what the attempt wrote since its claim.
          write(succeededRecord({ ...attempt, claimed: current }, expiresAt(now)), claimed.queue);
          return { kind: 'written' };
        }
        // Stryker disable next-line StringLiteral: the reason is logged only
        if (!current) return { kind: 'unwritten', reason: 'no record' };
        return refusedSuccess(attempt, current);
      });
    },

    async recordRejected(record, leaseExpiredBefore) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('recordRejected');
      const current = readTrusted(record.id);
      const leaseOver =
        current?.leaseExpiresAt !== undefined && current.leaseExpiresAt < leaseExpiredBefore;
      const live = current?.status === Status.RUNNING && !leaseOver;
      if (current?.status === Status.SUCCESSFUL || live) {
        // Stryker disable next-line StringLiteral: error text only
        throw new JobStateConflictError(record.id, 'record a rejected message for', current.status);
      }
      write({ ...record, expiresAt: expiresAt(record.updatedAt) });
    },

    async reconcileDeadLetter(request) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('reconcileDeadLetter');
      // Read and written in one step here: the record cannot move in between.
      const verdict = judgeDeadLetter(
        readTrusted(request.fresh.id),
        request.messageId,
        request.leaseExpiredBefore,
      );
      if (verdict.kind !== 'end') return verdict;
      const record = deadLetteredRecord(verdict.from, request);
      return {
        kind: 'ended',
        record: write({ ...record, expiresAt: expiresAt(record.updatedAt) }),
      };
    },

    async markDeadLettered(id, now) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('markDeadLettered');
      const entry = entries.get(id);
      if (!entry || !REOPENABLE.includes(entry.record.status)) {
        // Stryker disable next-line StringLiteral: error text only
        throw refuse(id, 'mark as dead-lettered', entry?.record);
      }
      // Not a status change: the record keeps its updatedAt, expiresAt and index keys.
      entries.set(id, { ...entry, record: { ...entry.record, deadLetteredAt: now } });
    },

    async markDeadLetterDeleted(id, now) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('markDeadLetterDeleted');
      const entry = entries.get(id);
      if (!entry) throw new JobNotFoundError(id);
      if (!REOPENABLE.includes(entry.record.status) || entry.record.deadLetteredAt === undefined) {
        // Stryker disable next-line StringLiteral: error text only
        throw refuse(id, 'note the deleted dead letter of', entry.record);
      }
      const record = { ...without(entry.record, ['deadLetteredAt']), deadLetterDeletedAt: now };
      entries.set(id, { ...entry, record });
      return record;
    },

    async cancel(id, now) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('cancel');
      const current = read(id);
      if (!current || !CLAIMABLE_STATUSES.includes(current.status)) {
        // Stryker disable next-line StringLiteral: error text only
        throw refuse(id, 'cancel', current);
      }
      return write({
        ...without(current, ['retryAt']),
        status: Status.CANCELLED,
        endedAt: now,
        updatedAt: now,
        expiresAt: expiresAt(now),
      });
    },

    async requeue(id, now) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('requeue');
      const current = read(id);
      // Stryker disable next-line StringLiteral: error text only
      if (!current || !REOPENABLE.includes(current.status)) throw refuse(id, 'requeue', current);
      return write({
        ...without(current, [
          'error',
          'endedAt',
          'deadLetteredAt',
          // Stryker disable next-line StringLiteral: a reopenable record never has a lease (finishAttempt and markLost remove it)
          'leaseExpiresAt',
          // Stryker disable next-line StringLiteral: a reopenable record never has a retryAt (finishAttempt, markLost and cancel remove it)
          'retryAt',
          'durationMs',
        ]),
        status: Status.QUEUED,
        attempts: 0,
        updatedAt: now,
        expiresAt: expiresAt(now),
      });
    },

    async get(id) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('get');
      return read(id);
    },

    async list(query: ListJobsQuery): Promise<JobPage> {
      faults.throwIfArranged('list');
      const limit = Math.min(100, Math.max(1, query.limit ?? 25));
      const partitions = new Set(
        statusIndexPartitions(query.queue, query.status, shardsOf(query.queue)),
      );
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      const since = query.since ? sortableSince(query.since) : undefined;
      const matching = [...entries.values()]
        .filter(
          (entry) =>
            entry.indexPartition !== undefined &&
            partitions.has(entry.indexPartition) &&
            (since === undefined ||
              (entry.indexSort >= since && entry.record.updatedAt >= since)) &&
            (after === undefined || entry.indexSort < after) &&
            (query.type === undefined || entry.record.type === query.type),
        )
        .sort((a, b) => (a.indexSort < b.indexSort ? 1 : -1));
      const page = matching.slice(0, limit);
      const items = page.map((entry) => listedRecord(asStored(entry.record)));
      const last = page.at(-1);
      return matching.length > limit && last
        ? { items, cursor: encodeCursor(last.indexSort) }
        : { items };
    },

    async listExpiredRunning(queue, before, limit = 100) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a record's state
      faults.throwIfArranged('listExpiredRunning');
      const partitions = new Set(statusIndexPartitions(queue, Status.RUNNING, shardsOf(queue)));
      return [...entries.values()]
        .filter(
          (entry) =>
            // Stryker disable next-line ConditionalExpression: an unlisted record's undefined partition is in no set of partitions
            entry.indexPartition !== undefined &&
            partitions.has(entry.indexPartition) &&
            // Stryker disable next-line ConditionalExpression,EqualityOperator: a RUNNING record's sort key is its lease then its id: the lease check below decides alike
            entry.indexSort < before &&
            // Stryker disable next-line ConditionalExpression: an undefined lease compares false below
            entry.record.leaseExpiresAt !== undefined &&
            // Stryker disable next-line ConditionalExpression,EqualityOperator: a RUNNING record's sort key starts with its lease: the check above decides alike
            entry.record.leaseExpiresAt < before,
        )
        .sort((a, b) => (a.indexSort < b.indexSort ? -1 : 1))
        .slice(0, limit)
        .map((entry) => listedRecord(asStored(entry.record)));
    },
  };
  return store;
}
