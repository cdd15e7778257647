import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULTS } from '../../../config/defaults.ts';
import { TABLE_SCHEMA } from '../../../config/table-schema.ts';
import { historyAfter, lostHistory } from '../../attempt-history.ts';
import { isDue } from '../../claim-due.ts';
import {
  type DeadLetterReconciliation,
  deadLetteredRecord,
  judgeDeadLetter,
} from '../../dead-letter-reconciliation.ts';
import { JobNotFoundError, JobStateConflictError } from '../../errors.ts';
import { foreignCursorError, sortableSince } from '../../job-list-inputs.ts';
import type { JobProgress, JobRecord } from '../../job-record.ts';
import { CLAIMABLE_STATUSES, type JobStatus, JobStatus as Status } from '../../job-status.ts';
import { errorSummaryOf, listedRecord } from '../../listed-record.ts';
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
  SuccessfulAttempt,
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
import { buildUpdate, raw } from './update-expression.ts';

/** Options for {@link createDynamoDbJobStore}. */
export interface DynamoDbJobStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long records are kept after their last write, seconds (TTL). */
  readonly retentionSeconds: number;
  /**
   * Statuses whose records are kept but not listed: written without the `byQueueStatus` index
   * keys, so reaching them costs no index write. `unlistedStatuses(tracking)` gives the set a
   * tracking level uses. Default none.
   */
  readonly unlistedStatuses?: readonly JobStatus[];
  /**
   * The write shards of each queue's `byQueueStatus` entries (`indexShardsOf(config, …)`):
   * every writer and reader of one table must agree. Default {@link DEFAULTS.indexShards}.
   */
  readonly indexShards?: IndexShardsOf;
  /** Called with the capacity units each write consumed (benchmarks). */
  readonly onConsumedCapacity?: (units: number) => void;
}

const INDEX = TABLE_SCHEMA.byQueueStatus;
const ERROR_SUMMARY = INDEX.errorSummary;
const PK = TABLE_SCHEMA.partitionKey;
const jobKey = (id: string) => ({ [PK]: `JOB#${id}` });
const REOPENABLE: readonly JobStatus[] = [Status.ERRORED, Status.LOST, Status.CANCELLED];
/** Set on every record but a producer's: see TABLE_SCHEMA.trustedAttribute. */
const TRUSTED = TABLE_SCHEMA.trustedAttribute;

function toRecord(item: Record<string, unknown>): JobRecord {
  const {
    [PK]: _pk,
    [INDEX.partitionKey]: _gpk,
    [INDEX.sortKey]: _gsk,
    [TRUSTED]: _trusted,
    [ERROR_SUMMARY]: summary,
    outputJson,
    ...rest
  } = item;
  return {
    ...rest,
    // An index entry projects the short error only (`listedRecord`).
    ...(rest.error === undefined && summary !== undefined ? { error: summary } : {}),
    ...(typeof outputJson === 'string' ? { output: JSON.parse(outputJson) as unknown } : {}),
  } as unknown as JobRecord;
}

/**
 * The answer for a grouped claim whose request failed (throttled, …): undecided, so the single
 * claim tries again and reports what it meets.
 */
const undecided = (): undefined => undefined;

/** Why a write was left unwritten, for the worker's log line: the error's name and message. */
const reasonOf = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** The `error` part of a write: the error and its listed summary, or both removed. */
const errorFields = (error: JobRecord['error']) =>
  error === undefined ? {} : { error, [ERROR_SUMMARY]: errorSummaryOf(error) };
const ERROR_REMOVED = ['error', ERROR_SUMMARY] as const;

/**
 * A list's cursor: the index sort key of the last record shown. Sort keys end with the job id,
 * so they are unique across the shards, and the next page reads each shard below it.
 */
const encodeCursor = (sortKey: string) =>
  Buffer.from(JSON.stringify({ after: sortKey })).toString('base64url');
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

/** Index items newest first (descending sort key); ties cannot happen (the key ends with the id). */
const newestFirst = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a[INDEX.sortKey]) < String(b[INDEX.sortKey]) ? 1 : -1;

const statusValues = (statuses: readonly JobStatus[]) =>
  Object.fromEntries(statuses.map((s, i) => [`:s${i}`, s]));
const statusList = (statuses: readonly JobStatus[]) => statuses.map((_, i) => `:s${i}`).join(', ');

/**
 * The results store on DynamoDB: one item per job (`pk = JOB#<id>`), listed through the
 * `byQueueStatus` index. Every transition is one conditional write (an UpdateItem, or a PutItem
 * of the whole record where the writer knows all of it: a first claim, a success, a rejected
 * message); a refused condition returns the current item (ReturnValuesOnConditionCheckFailure)
 * and becomes a domain outcome. A group of first-delivery claims (`claimMany`) or of
 * successes (`recordSuccesses`) is one conditional PutItem per job, sent together.
 *
 * @example
 * ```ts
 * const store = createDynamoDbJobStore({ client: new DynamoDBClient({}), tableName, retentionSeconds: 604800 });
 * const record = await store.get(jobId);
 * ```
 */
export function createDynamoDbJobStore(options: DynamoDbJobStoreOptions): JobStore {
  const doc = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  const TableName = options.tableName;
  const ReturnConsumedCapacity = options.onConsumedCapacity ? ('TOTAL' as const) : undefined;
  const report = (consumed: { CapacityUnits?: number } | undefined) => {
    if (consumed?.CapacityUnits !== undefined) options.onConsumedCapacity?.(consumed.CapacityUnits);
  };
  const expiresAt = (nowIso: string) =>
    Math.floor(Date.parse(nowIso) / 1000) + options.retentionSeconds;
  // Stryker disable next-line ArrayDeclaration: the set is only asked about job statuses, and no status equals the placeholder string, so a default holding it lists every status as an empty one does
  const unlisted = new Set(options.unlistedStatuses ?? []);
  const shardsOf = options.indexShards ?? (() => DEFAULTS.indexShards);
  /** `sortInstant`: the lease for RUNNING, else `updatedAt` (see `indexSortInstant`). */
  const indexKeys = (queue: string, status: JobStatus, sortInstant: string, id: string) => ({
    [INDEX.partitionKey]: statusIndexPartition(queue, status, statusShardOf(id, shardsOf(queue))),
    [INDEX.sortKey]: `${sortInstant}#${id}`,
  });
  /** The item of `record`; `trusted` false only for the QUEUED record a producer writes. */
  const toItem = (
    record: JobRecord,
    expiresAt: number,
    listed: boolean,
    trusted = true,
  ): Record<string, unknown> => {
    const { output, error, ...rest } = record;
    return {
      ...jobKey(record.id),
      ...(listed
        ? indexKeys(record.queue, record.status, indexSortInstant(record), record.id)
        : {}),
      ...rest,
      ...errorFields(error),
      expiresAt,
      ...(output === undefined ? {} : { outputJson: JSON.stringify(output) }),
      ...(trusted ? { [TRUSTED]: true } : {}),
    };
  };
  /**
   * The index part of a transition to `status`: set the keys, or remove them (which deletes
   * the index entry if there was one, and costs nothing if there was none).
   */
  const indexing = (queue: string, status: JobStatus, at: string, id: string) =>
    unlisted.has(status)
      ? { keys: {}, remove: [INDEX.partitionKey, INDEX.sortKey] }
      : { keys: indexKeys(queue, status, at, id), remove: [] };

  /** One conditional UpdateItem; returns the new record or throws ConditionalCheckFailed. */
  async function update(
    id: string,
    built: ReturnType<typeof buildUpdate>,
    condition: string,
  ): Promise<JobRecord> {
    const result = await doc.send(
      new UpdateCommand({
        TableName,
        Key: jobKey(id),
        ...built,
        ConditionExpression: condition,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity,
      }),
    );
    report(result.ConsumedCapacity);
    return toRecord(result.Attributes ?? {});
  }

  /** A transition an operator or worker asked for: a refused condition is a typed error. */
  async function transition(id: string, name: string, run: () => Promise<JobRecord>) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item ? toRecord(unmarshall(error.Item)) : undefined;
      if (!current) throw new JobNotFoundError(id, { cause: error });
      throw new JobStateConflictError(id, name, current.status, { cause: error });
    }
  }

  /**
   * The claim's "due" part (`isDue`): a RETRYING or DEFERRED record waiting until later than
   * `dueBy` is not claimable yet; a QUEUED one always is.
   */
  const dueCondition = (request: ClaimRequest) =>
    request.dueBy === undefined
      ? ''
      : ' AND (#status = :dueQueued OR attribute_not_exists(#retryAt) OR #retryAt <= :dueBy)';
  const dueValues = (request: ClaimRequest) =>
    request.dueBy === undefined ? {} : { ':dueBy': request.dueBy, ':dueQueued': Status.QUEUED };

  /**
   * The claim as one conditional UpdateItem: a claimable record the worker wrote (or none) →
   * RUNNING. Undefined when the record is a producer's (no `trusted`): the whole-record claim
   * replaces it, keeping nothing of it.
   */
  async function claimByUpdate(request: ClaimRequest): Promise<ClaimOutcome | undefined> {
    const index = indexing(request.queue, Status.RUNNING, request.leaseExpiresAt, request.id);
    const waitMs = Math.max(0, Date.parse(request.now) - Date.parse(request.enqueuedAt));
    const built = buildUpdate(
      {
        id: request.id,
        status: Status.RUNNING,
        attempts: raw('if_not_exists(#attempts, :zero) + :one', { ':zero': 0, ':one': 1 }),
        type: request.type,
        queue: request.queue,
        enqueuedAt: raw('if_not_exists(#enqueuedAt, :enqueuedAt)', {
          ':enqueuedAt': request.enqueuedAt,
        }),
        waitMs: raw('if_not_exists(#waitMs, :waitMs)', { ':waitMs': waitMs }),
        maxAttempts: request.maxAttempts,
        startedAt: request.now,
        leaseExpiresAt: request.leaseExpiresAt,
        updatedAt: request.now,
        envelope: request.envelope,
        concurrencyKey: request.concurrencyKey,
        messageId: request.messageId,
        messageGroup: request.messageGroup,
        claimToken: request.claimToken,
        expiresAt: expiresAt(request.now),
        [TRUSTED]: true,
        ...index.keys,
      },
      ['retryAt', ...index.remove],
      {},
      { ...statusValues(CLAIMABLE_STATUSES), ...dueValues(request) },
    );
    try {
      const record = await update(
        request.id,
        built,
        `attribute_not_exists(${PK}) OR (attribute_exists(#${TRUSTED}) AND #status IN (${statusList(CLAIMABLE_STATUSES)})${dueCondition(request)})`,
      );
      return { kind: 'claimed', record };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        if (error.Item[TRUSTED] === undefined) return undefined;
        const current = toRecord(unmarshall(error.Item));
        return isEarlierTryOfClaim(request, current)
          ? { kind: 'claimed', record: current }
          : { kind: 'conflict', current };
      }
      throw error;
    }
  }

  /**
   * The claim as one conditional PutItem of the whole RUNNING record, built from the delivery
   * alone, for a record that is absent or a producer's (no `trusted`: the QUEUED record enqueue
   * wrote, or anything a producer put in its place, whatever status it claims). Nothing of a
   * producer's record is kept. Undefined when the record is the worker's and claimable
   * (RETRYING, DEFERRED, requeued): the update claim takes it.
   */
  async function claimWhole(request: ClaimRequest): Promise<ClaimOutcome | undefined> {
    const record = claimedRecord(request, expiresAt(request.now));
    try {
      const result = await doc.send(
        new PutCommand({
          TableName,
          Item: toItem(record, record.expiresAt, !unlisted.has(Status.RUNNING)),
          ConditionExpression: `attribute_not_exists(${PK}) OR attribute_not_exists(#trusted)`,
          ExpressionAttributeNames: { '#trusted': TRUSTED },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity,
        }),
      );
      report(result.ConsumedCapacity);
      return { kind: 'claimed', record };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      const current = toRecord(unmarshall(error.Item));
      if (isEarlierTryOfClaim(request, current)) return { kind: 'claimed', record: current };
      return CLAIMABLE_STATUSES.includes(current.status) && isDue(current, request.dueBy)
        ? undefined
        : { kind: 'conflict', current };
    }
  }

  /**
   * Writes `write(item)` for every item at once and answers each in order. An item whose id an
   * earlier item already names is not written (two writes of one record would race): it is
   * answered `notSent`, for the caller's one-by-one path.
   */
  function oncePerId<T, R>(
    items: readonly T[],
    idOf: (item: T) => string,
    write: (item: T) => Promise<R>,
    notSent: R,
  ): Promise<R[]> {
    const named = new Set<string>();
    return Promise.all(
      items.map((item) => {
        const id = idOf(item);
        if (named.has(id)) return notSent;
        named.add(id);
        return write(item);
      }),
    );
  }

  /**
   * The claim of a first delivery in a group (`claimMany`): the whole-record put of `claim`,
   * then, for a claimable record of the worker's, its update; answering what they answer, or
   * undefined when neither decided (a producer rewrote the record between them) or a request
   * failed: `claim` then decides, with the same request.
   */
  function claimInGroup(request: ClaimRequest): Promise<ClaimOutcome | undefined> {
    return claimWhole(request)
      .then((outcome) => outcome ?? claimByUpdate(request))
      .catch(undecided);
  }

  /**
   * What a transition ending an attempt sets and removes (index keys included), for the
   * conditional update. A grouped success puts `succeededRecord` instead: the contract suite
   * checks that both leave the same record.
   */
  function outcomeChange(attempt: AttemptRef, result: AttemptResult, now: string) {
    const index = indexing(attempt.queue, result.status, now, attempt.id);
    const common = {
      status: result.status,
      endedAt: now,
      durationMs: result.durationMs,
      updatedAt: now,
      expiresAt: expiresAt(now),
      attemptHistory: historyAfter(attempt, result, now),
      ...index.keys,
    };
    const perStatus = (): { set: Record<string, unknown>; remove: string[] } => {
      switch (result.status) {
        case Status.SUCCESSFUL:
          return {
            set: {
              // Stryker disable next-line ConditionalExpression: JSON.stringify(undefined) is undefined, so the check only saves the call
              outputJson: result.output === undefined ? undefined : JSON.stringify(result.output),
              outputTruncated: result.outputTruncated,
            },
            remove: ['leaseExpiresAt', ...ERROR_REMOVED, 'retryAt'],
          };
        // Stryker disable next-line ConditionalExpression: ERRORED falling through to RETRYING's change sets the same fields (an ERRORED result has no retryAt)
        case Status.ERRORED:
          return { set: { ...errorFields(result.error) }, remove: ['leaseExpiresAt'] };
        case Status.RETRYING:
          return {
            set: { ...errorFields(result.error), retryAt: result.retryAt },
            remove: ['leaseExpiresAt'],
          };
        case Status.DEFERRED:
          return {
            set: {
              retryAt: result.retryAt,
              deferReason: result.reason,
              // Stryker disable next-line ObjectLiteral: `deferrals` of the same write binds `:one` to 1 as well
              attempts: raw('#attempts - :one', { ':one': 1 }),
              deferrals: raw('if_not_exists(#deferrals, :zero) + :one', {
                ':zero': 0,
                ':one': 1,
              }),
            },
            remove: ['leaseExpiresAt'],
          };
      }
    };
    const { set, remove } = perStatus();
    return { set: { ...common, ...set }, remove: [...remove, ...index.remove] };
  }

  /**
   * The condition of every write ending an attempt: the worker's record (`trusted`), RUNNING,
   * this attempt count, and this claim token when the attempt carries one (see isRunningAttempt),
   * with every name and value it uses.
   */
  function attemptCondition(attempt: AttemptRef): {
    expression: string;
    names: Record<string, string>;
    values: Record<string, unknown>;
  } {
    const token = attempt.claimToken !== undefined;
    return {
      expression: `#status = :running AND #attempts = :attempt AND attribute_exists(#${TRUSTED})${token ? ' AND #claimToken = :claimToken' : ''}`,
      names: {
        '#status': 'status',
        '#attempts': 'attempts',
        [`#${TRUSTED}`]: TRUSTED,
        ...(token ? { '#claimToken': 'claimToken' } : {}),
      },
      values: {
        ':running': Status.RUNNING,
        ':attempt': attempt.attempts,
        ...(token ? { ':claimToken': attempt.claimToken } : {}),
      },
    };
  }

  /**
   * The success put's condition: `finishAttempt`'s (see `attemptCondition`), the claim's
   * `updatedAt`, and the `progress` the claim read (none, or the same).
   */
  function successPutCondition(claimed: JobRecord) {
    const condition = attemptCondition(claimed);
    const hadProgress = claimed.progress !== undefined;
    return {
      ConditionExpression: `${condition.expression} AND #updatedAt = :claimedAt AND ${hadProgress ? '#progress = :progress' : 'attribute_not_exists(#progress)'}`,
      ExpressionAttributeNames: {
        ...condition.names,
        '#updatedAt': 'updatedAt',
        '#progress': 'progress',
      },
      ExpressionAttributeValues: {
        ...condition.values,
        ':claimedAt': claimed.updatedAt,
        ...(hadProgress ? { ':progress': claimed.progress } : {}),
      },
    };
  }

  /**
   * A successful attempt as one conditional PutItem of the record it leaves
   * (`succeededRecord`, which `finishAttempt` leaves too), under the condition of
   * `finishAttempt` and two more that keep the put from replacing anything it does not know: the
   * record still has the claim's `updatedAt`, and the `progress` the claim read (only
   * `recordProgress` writes a running attempt's record without changing its status, attempts,
   * token or `updatedAt`). A record that is still this attempt's but changed since its claim
   * is finished by `finishAttempt`'s update instead.
   */
  async function putSuccess(attempt: SuccessfulAttempt): Promise<SuccessWrite> {
    const { claimed, now } = attempt;
    const record = succeededRecord(attempt, expiresAt(now));
    try {
      const result = await doc.send(
        new PutCommand({
          TableName,
          Item: toItem(record, record.expiresAt, !unlisted.has(Status.SUCCESSFUL)),
          ...successPutCondition(claimed),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity,
        }),
      );
      report(result.ConsumedCapacity);
      return { kind: 'written' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        // Throttled, an internal error: `finishAttempt` decides.
        return { kind: 'unwritten', reason: reasonOf(error) };
      }
      const found = error.Item;
      // No record at all: `finishAttempt` decides.
      if (!found) return { kind: 'unwritten', reason: 'no record' };
      const current = toRecord(unmarshall(found));
      // Still this attempt's running record, changed since the claim (its progress).
      if (found[TRUSTED] !== undefined && isRunningAttempt(claimed, current)) {
        return finishChanged(attempt);
      }
      return refusedSuccess(attempt, current);
    }
  }

  /**
   * A success whose record is still this attempt's but changed since its claim (its
   * `progress`): written by `finishAttempt`'s update, which keeps what changed.
   */
  async function finishChanged(attempt: SuccessfulAttempt): Promise<SuccessWrite> {
    try {
      await store.finishAttempt(attempt.claimed, attempt.result, attempt.now);
      return { kind: 'written' };
    } catch (error) {
      if (error instanceof JobStateConflictError) return { kind: 'conflict', error };
      return { kind: 'unwritten', reason: reasonOf(error) };
    }
  }

  const store: JobStore = {
    async putQueued(record) {
      // A producer's write: only the attribute names its IAM policy allows
      // (TABLE_SCHEMA.producerAttributes.jobRecord), no `trusted`, and no ReturnValues.
      try {
        const result = await doc.send(
          new PutCommand({
            TableName,
            Item: toItem(record, expiresAt(record.updatedAt), !unlisted.has(record.status), false),
            ConditionExpression: `attribute_not_exists(${PK})`,
            ReturnConsumedCapacity,
          }),
        );
        report(result.ConsumedCapacity);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        throw new JobStateConflictError(record.id, 'record as queued', undefined, {
          cause: error,
        });
      }
    },

    async claim(request: ClaimRequest): Promise<ClaimOutcome> {
      // A producer may overwrite the record between two tries (its PutItem takes no condition
      // it cannot drop): each try answers for the record it met, so three always suffice
      // unless a producer keeps rewriting the record, and then the delivery is tried again.
      for (let tries = 0; tries < 3; tries += 1) {
        if (request.firstDelivery !== false || tries > 0) {
          const outcome = await claimWhole(request);
          if (outcome) return outcome;
        }
        const outcome = await claimByUpdate(request);
        if (outcome) return outcome;
      }
      throw new JobStateConflictError(
        request.id,
        'claim (its record keeps being rewritten)',
        undefined,
      );
    },

    async claimMany(requests: readonly ClaimRequest[]) {
      // A second copy of an id is answered undefined: `claim` decides it.
      return oncePerId(requests, (request) => request.id, claimInGroup, undefined);
    },

    async finishAttempt(attempt: AttemptRef, result: AttemptResult, now) {
      const { set, remove } = outcomeChange(attempt, result, now);
      const condition = attemptCondition(attempt);
      const built = buildUpdate(set, remove, condition.names, condition.values);
      try {
        return await update(attempt.id, built, condition.expression);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = error.Item ? toRecord(unmarshall(error.Item)) : undefined;
        if (!current) throw new JobNotFoundError(attempt.id, { cause: error });
        // A retried write whose first try was applied (its response lost) finds its own outcome.
        if (isEarlierTryOfOutcome(attempt, result.status, now, current)) return current;
        throw new JobStateConflictError(
          attempt.id,
          `finish attempt ${attempt.attempts} as ${result.status}`,
          current.status,
          { cause: error },
        );
      }
    },

    async recordProgress(attempt: AttemptRef, progress: JobProgress) {
      const condition = attemptCondition(attempt);
      const built = buildUpdate({ progress }, [], condition.names, condition.values);
      try {
        const result = await doc.send(
          new UpdateCommand({
            TableName,
            Key: jobKey(attempt.id),
            ...built,
            ConditionExpression: condition.expression,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnConsumedCapacity,
          }),
        );
        report(result.ConsumedCapacity);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = error.Item ? toRecord(unmarshall(error.Item)) : undefined;
        if (!current) throw new JobNotFoundError(attempt.id, { cause: error });
        throw new JobStateConflictError(
          attempt.id,
          `record progress of attempt ${attempt.attempts}`,
          current.status,
          { cause: error },
        );
      }
    },

    async recordSuccesses(attempts: readonly SuccessfulAttempt[]) {
      // A second copy of an id goes the conditional way (`finishAttempt`).
      return oncePerId<SuccessfulAttempt, SuccessWrite>(
        attempts,
        (attempt) => attempt.claimed.id,
        putSuccess,
        { kind: 'unwritten', reason: 'named twice in one group' },
      );
    },

    async markLost(attempt: LostAttempt, leaseExpiredBefore, now, retry?: LostAttemptRetry) {
      const status = retry ? Status.RETRYING : Status.LOST;
      const index = indexing(attempt.queue, status, now, attempt.id);
      const built = buildUpdate(
        {
          status,
          endedAt: now,
          updatedAt: now,
          expiresAt: expiresAt(now),
          ...errorFields(lostAttemptError(attempt, retry !== undefined)),
          // Stryker disable next-line ConditionalExpression,EqualityOperator: the history cuts the message to 150 bytes with its marker, before the retry note (at least 137 characters in)
          attemptHistory: lostHistory(attempt, lostAttemptError(attempt, retry !== undefined), now),
          lostAttempts: raw('if_not_exists(#lostAttempts, :zero) + :one', {
            ':zero': 0,
            ':one': 1,
          }),
          retryAt: retry?.retryAt,
          ...index.keys,
        },
        // Stryker disable next-line ArrayDeclaration: a RUNNING record has no retryAt (every claim removes it), so removing it changes nothing
        ['leaseExpiresAt', ...(retry ? [] : ['retryAt']), ...index.remove],
        { '#attempts': 'attempts', '#lease': 'leaseExpiresAt', [`#${TRUSTED}`]: TRUSTED },
        { ':running': Status.RUNNING, ':attempt': attempt.attempts, ':before': leaseExpiredBefore },
      );
      try {
        return await update(
          attempt.id,
          built,
          `#status = :running AND #attempts = :attempt AND #lease < :before AND attribute_exists(#${TRUSTED})`,
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // A retried write whose first try was applied (its response lost) finds its own outcome.
        const current = error.Item ? toRecord(unmarshall(error.Item)) : undefined;
        return current && isEarlierTryOfLost(attempt, status, now, current) ? current : null;
      }
    },

    async recordRejected(record, leaseExpiredBefore) {
      try {
        const result = await doc.send(
          new PutCommand({
            TableName,
            Item: toItem(record, expiresAt(record.updatedAt), !unlisted.has(record.status)),
            ConditionExpression: `attribute_not_exists(${PK}) OR attribute_not_exists(#trusted) OR NOT #status IN (:successful, :running) OR #lease < :before`,
            ExpressionAttributeNames: {
              '#status': 'status',
              '#lease': 'leaseExpiresAt',
              '#trusted': TRUSTED,
            },
            ExpressionAttributeValues: {
              ':successful': Status.SUCCESSFUL,
              ':running': Status.RUNNING,
              ':before': leaseExpiredBefore,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnConsumedCapacity,
          }),
        );
        report(result.ConsumedCapacity);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = error.Item ? toRecord(unmarshall(error.Item)) : undefined;
        throw new JobStateConflictError(
          record.id,
          'record a rejected message for',
          current?.status,
          { cause: error },
        );
      }
    },

    async reconcileDeadLetter(request): Promise<DeadLetterReconciliation> {
      const id = request.fresh.id;
      // Judged from a consistent read; the write holds only if the record is still as read.
      for (let tries = 0; tries < 3; tries++) {
        const read = await doc.send(
          new GetCommand({ TableName, Key: jobKey(id), ConsistentRead: true }),
        );
        const current = read.Item?.[TRUSTED] ? toRecord(read.Item) : undefined;
        const verdict = judgeDeadLetter(current, request.messageId, request.leaseExpiredBefore);
        if (verdict.kind !== 'end') return verdict;
        const record = deadLetteredRecord(verdict.from, request);
        const unchanged: Pick<
          PutCommandInput,
          'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
        > = verdict.from
          ? {
              ConditionExpression:
                'attribute_exists(#trusted) AND #status = :status AND #updatedAt = :updatedAt AND #attempts = :attempts',
              ExpressionAttributeNames: {
                '#trusted': TRUSTED,
                '#status': 'status',
                '#updatedAt': 'updatedAt',
                '#attempts': 'attempts',
              },
              ExpressionAttributeValues: {
                ':status': verdict.from.status,
                ':updatedAt': verdict.from.updatedAt,
                ':attempts': verdict.from.attempts,
              },
            }
          : {
              ConditionExpression: `attribute_not_exists(${PK}) OR attribute_not_exists(#trusted)`,
              ExpressionAttributeNames: { '#trusted': TRUSTED },
            };
        try {
          const result = await doc.send(
            new PutCommand({
              TableName,
              Item: toItem(record, expiresAt(record.updatedAt), !unlisted.has(record.status)),
              ...unchanged,
              ReturnConsumedCapacity,
            }),
          );
          report(result.ConsumedCapacity);
          return { kind: 'ended', record };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          // Moved since the read (rescued, claimed, finished): judge it again as it stands.
        }
      }
      throw new JobStateConflictError(id, 'reconcile a dead-lettered message for', undefined);
    },

    async markDeadLettered(id, now) {
      const built = buildUpdate({ deadLetteredAt: now }, [], {}, statusValues(REOPENABLE));
      await transition(id, 'mark as dead-lettered', () =>
        update(id, built, `#status IN (${statusList(REOPENABLE)})`),
      );
    },

    async markDeadLetterDeleted(id, now) {
      // Not a status change: the record keeps its updatedAt, expiresAt and index keys.
      const built = buildUpdate(
        { deadLetterDeletedAt: now },
        ['deadLetteredAt'],
        {},
        statusValues(REOPENABLE),
      );
      return transition(id, 'note the deleted dead letter of', () =>
        update(
          id,
          built,
          `#status IN (${statusList(REOPENABLE)}) AND attribute_exists(#deadLetteredAt)`,
        ),
      );
    },

    async cancel(id, now) {
      const current = await store.get(id);
      if (!current) throw new JobNotFoundError(id);
      const index = indexing(current.queue, Status.CANCELLED, now, id);
      const built = buildUpdate(
        {
          status: Status.CANCELLED,
          endedAt: now,
          updatedAt: now,
          expiresAt: expiresAt(now),
          [TRUSTED]: true,
          ...index.keys,
        },
        ['retryAt', ...index.remove],
        {},
        statusValues(CLAIMABLE_STATUSES),
      );
      return transition(id, 'cancel', () =>
        update(id, built, `#status IN (${statusList(CLAIMABLE_STATUSES)})`),
      );
    },

    async requeue(id, now) {
      const current = await store.get(id);
      if (!current) throw new JobNotFoundError(id);
      const index = indexing(current.queue, Status.QUEUED, now, id);
      const built = buildUpdate(
        {
          status: Status.QUEUED,
          attempts: 0,
          updatedAt: now,
          expiresAt: expiresAt(now),
          [TRUSTED]: true,
          ...index.keys,
        },
        [
          ...ERROR_REMOVED,
          'endedAt',
          'deadLetteredAt',
          'leaseExpiresAt',
          'retryAt',
          'durationMs',
          ...index.remove,
        ],
        {},
        statusValues(REOPENABLE),
      );
      return transition(id, 'requeue', () =>
        update(id, built, `#status IN (${statusList(REOPENABLE)})`),
      );
    },

    async get(id) {
      const result = await doc.send(
        new GetCommand({ TableName, Key: jobKey(id), ConsistentRead: true }),
      );
      return result.Item ? toRecord(result.Item) : undefined;
    },

    async list(query: ListJobsQuery): Promise<JobPage> {
      const limit = Math.min(100, Math.max(1, query.limit ?? 25));
      const since = query.since ? sortableSince(query.since) : undefined;
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      // RUNNING sorts by lease, which is never before updatedAt: the key condition on `since`
      // is a superset there, and a filter on updatedAt keeps exactly what was asked for.
      const sinceFilter = since !== undefined && query.status === Status.RUNNING;
      const filters = [
        ...(query.type ? ['#type = :type'] : []),
        ...(sinceFilter ? ['#updatedAt >= :since'] : []),
      ];
      // A cursor at or before `since` (not one a page of this listing gave) leaves nothing, and
      // BETWEEN would refuse the reversed bounds.
      if (since && after && after < since) return { items: [] };
      // Below the cursor and at or after `since`: BETWEEN is inclusive, so the cursor's own
      // entry comes back and is dropped here.
      const keyCondition =
        since && after
          ? '#pk = :pk AND #sk BETWEEN :since AND :after'
          : since
            ? '#pk = :pk AND #sk >= :since'
            : after
              ? '#pk = :pk AND #sk < :after'
              : '#pk = :pk';
      // Each shard gives its newest `limit + 1`; the merge keeps the newest `limit + 1` of all:
      // one past the page says whether there are more.
      const perShard = await Promise.all(
        statusIndexPartitions(query.queue, query.status, shardsOf(query.queue)).map(
          async (partition) => {
            const found: Record<string, unknown>[] = [];
            let startKey: Record<string, unknown> | undefined;
            do {
              const input: QueryCommandInput = {
                TableName,
                IndexName: INDEX.indexName,
                KeyConditionExpression: keyCondition,
                ExpressionAttributeNames: {
                  '#pk': INDEX.partitionKey,
                  ...(since || after ? { '#sk': INDEX.sortKey } : {}),
                  ...(query.type ? { '#type': 'type' } : {}),
                  ...(sinceFilter ? { '#updatedAt': 'updatedAt' } : {}),
                },
                ExpressionAttributeValues: {
                  ':pk': partition,
                  ...(since ? { ':since': since } : {}),
                  ...(after ? { ':after': after } : {}),
                  ...(query.type ? { ':type': query.type } : {}),
                },
                ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
                ScanIndexForward: false,
                Limit: limit + 1 + (since && after ? 1 : 0) - found.length,
                ExclusiveStartKey: startKey,
              };
              const page = await doc.send(new QueryCommand(input));
              for (const item of page.Items ?? []) {
                if (item[INDEX.sortKey] !== after) found.push(item);
              }
              startKey = page.LastEvaluatedKey;
            } while (startKey && found.length <= limit);
            return found;
          },
        ),
      );
      const merged = perShard.flat().sort(newestFirst);
      const kept = merged.slice(0, limit);
      const items = kept.map((item) => listedRecord(toRecord(item)));
      const last = kept.at(-1);
      return merged.length > limit && last
        ? { items, cursor: encodeCursor(String(last[INDEX.sortKey])) }
        : { items };
    },

    async listExpiredRunning(queue, before, limit = 100) {
      // RUNNING records sort by lease: the key condition reads expired leases only, oldest
      // first in each shard, merged. The filter keeps out a record indexed by an older layout
      // (`updatedAt`), whose lease may be live.
      const perShard = await Promise.all(
        statusIndexPartitions(queue, Status.RUNNING, shardsOf(queue)).map(async (partition) => {
          const found: Record<string, unknown>[] = [];
          let startKey: Record<string, unknown> | undefined;
          do {
            const page = await doc.send(
              new QueryCommand({
                TableName,
                IndexName: INDEX.indexName,
                KeyConditionExpression: '#pk = :pk AND #sk < :before',
                FilterExpression: '#lease < :before',
                ExpressionAttributeNames: {
                  '#pk': INDEX.partitionKey,
                  '#sk': INDEX.sortKey,
                  '#lease': 'leaseExpiresAt',
                },
                ExpressionAttributeValues: { ':pk': partition, ':before': before },
                ScanIndexForward: true,
                Limit: limit - found.length,
                ExclusiveStartKey: startKey,
              }),
            );
            found.push(...(page.Items ?? []));
            startKey = page.LastEvaluatedKey;
          } while (startKey && found.length < limit);
          return found;
        }),
      );
      return perShard
        .flat()
        .sort((a, b) => newestFirst(b, a))
        .slice(0, limit)
        .map((item) => listedRecord(toRecord(item)));
    },
  };
  return store;
}
