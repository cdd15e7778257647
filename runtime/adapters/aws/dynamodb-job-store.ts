import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TABLE_SCHEMA } from '../../../config/table-schema.ts';
import { JobNotFoundError, JobStateConflictError } from '../../errors.ts';
import { foreignCursorError, sortableSince } from '../../job-list-inputs.ts';
import type { JobRecord } from '../../job-record.ts';
import { CLAIMABLE_STATUSES, type JobStatus, JobStatus as Status } from '../../job-status.ts';
import type {
  AttemptRef,
  AttemptResult,
  ClaimOutcome,
  ClaimRequest,
  JobPage,
  JobStore,
  ListJobsQuery,
  SuccessfulAttempt,
} from '../../ports.ts';
import { claimedRecord, isEarlierTryOfClaim, succeededRecord } from '../../transition-records.ts';
import { buildUpdate, raw } from './update-expression.ts';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;

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
  /** Called with the capacity units each write consumed (benchmarks). */
  readonly onConsumedCapacity?: (units: number) => void;
}

const INDEX = TABLE_SCHEMA.byQueueStatus;
const PK = TABLE_SCHEMA.partitionKey;
const jobKey = (id: string) => ({ [PK]: `JOB#${id}` });
const indexKeys = (queue: string, status: JobStatus, updatedAt: string, id: string) => ({
  [INDEX.partitionKey]: `${queue}#${status}`,
  [INDEX.sortKey]: `${updatedAt}#${id}`,
});
const REOPENABLE: readonly JobStatus[] = [Status.ERRORED, Status.LOST, Status.CANCELLED];
/** Set on every record but a producer's: see TABLE_SCHEMA.trustedAttribute. */
const TRUSTED = TABLE_SCHEMA.trustedAttribute;

function toRecord(item: Record<string, unknown>): JobRecord {
  const {
    [PK]: _pk,
    [INDEX.partitionKey]: _gpk,
    [INDEX.sortKey]: _gsk,
    [TRUSTED]: _trusted,
    outputJson,
    ...rest
  } = item;
  return {
    ...rest,
    ...(typeof outputJson === 'string' ? { output: JSON.parse(outputJson) as unknown } : {}),
  } as unknown as JobRecord;
}

/** The item of `record`; `trusted` false only for the QUEUED record a producer writes. */
function toItem(
  record: JobRecord,
  expiresAt: number,
  listed: boolean,
  trusted = true,
): Record<string, unknown> {
  const { output, ...rest } = record;
  return {
    ...jobKey(record.id),
    ...(listed ? indexKeys(record.queue, record.status, record.updatedAt, record.id) : {}),
    ...rest,
    expiresAt,
    ...(output === undefined ? {} : { outputJson: JSON.stringify(output) }),
    ...(trusted ? { [TRUSTED]: true } : {}),
  };
}

/** An item's position in the index, as DynamoDB's LastEvaluatedKey names it. */
const indexPosition = (item: Record<string, unknown>) => ({
  [PK]: item[PK],
  [INDEX.partitionKey]: item[INDEX.partitionKey],
  [INDEX.sortKey]: item[INDEX.sortKey],
});

const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
      return key as Record<string, unknown>;
    }
  } catch {
    // Reported below, with the field and what is expected.
  }
  throw foreignCursorError();
}

const statusValues = (statuses: readonly JobStatus[]) =>
  Object.fromEntries(statuses.map((s, i) => [`:s${i}`, s]));
const statusList = (statuses: readonly JobStatus[]) => statuses.map((_, i) => `:s${i}`).join(', ');

/**
 * The results store on DynamoDB: one item per job (`pk = JOB#<id>`), listed through the
 * `byQueueStatus` index. Every transition is one conditional write (an UpdateItem, or a PutItem
 * of the whole record where nothing of the old one is kept: a first claim, a rejected
 * message); a refused condition returns the current item (ReturnValuesOnConditionCheckFailure)
 * and becomes a domain outcome.
 * The one exception is `recordSuccesses`: one BatchWriteItem of whole SUCCESSFUL records, for
 * attempts the caller knows nobody else can have moved on (see JobStore).
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
  const unlisted = new Set(options.unlistedStatuses ?? []);
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
   * The claim as one conditional UpdateItem: a claimable record the worker wrote (or none) →
   * RUNNING. Undefined when the record is a producer's (no `trusted`): the whole-record claim
   * replaces it, keeping nothing of it.
   */
  async function claimByUpdate(request: ClaimRequest): Promise<ClaimOutcome | undefined> {
    const index = indexing(request.queue, Status.RUNNING, request.now, request.id);
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
        claimToken: request.claimToken,
        expiresAt: expiresAt(request.now),
        [TRUSTED]: true,
        ...index.keys,
      },
      ['retryAt', ...index.remove],
      {},
      statusValues(CLAIMABLE_STATUSES),
    );
    try {
      const record = await update(
        request.id,
        built,
        `attribute_not_exists(${PK}) OR (attribute_exists(#${TRUSTED}) AND #status IN (${statusList(CLAIMABLE_STATUSES)}))`,
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
      return CLAIMABLE_STATUSES.includes(current.status)
        ? undefined
        : { kind: 'conflict', current };
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

    async finishAttempt(attempt: AttemptRef, result: AttemptResult, now) {
      const index = indexing(attempt.queue, result.status, now, attempt.id);
      const common = {
        status: result.status,
        endedAt: now,
        durationMs: result.durationMs,
        updatedAt: now,
        expiresAt: expiresAt(now),
        ...index.keys,
      };
      const perStatus = (): { set: Record<string, unknown>; remove: string[] } => {
        switch (result.status) {
          case Status.SUCCESSFUL:
            return {
              set: {
                outputJson: result.output === undefined ? undefined : JSON.stringify(result.output),
                outputTruncated: result.outputTruncated,
              },
              remove: ['leaseExpiresAt', 'error', 'retryAt'],
            };
          case Status.ERRORED:
            return { set: { error: result.error }, remove: ['leaseExpiresAt'] };
          case Status.RETRYING:
            return {
              set: { error: result.error, retryAt: result.retryAt },
              remove: ['leaseExpiresAt'],
            };
          case Status.DEFERRED:
            return {
              set: {
                retryAt: result.retryAt,
                deferReason: result.reason,
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
      const built = buildUpdate(
        { ...common, ...set },
        [...remove, ...index.remove],
        { '#attempts': 'attempts', [`#${TRUSTED}`]: TRUSTED },
        { ':running': Status.RUNNING, ':attempt': attempt.attempts },
      );
      try {
        return await update(
          attempt.id,
          built,
          `#status = :running AND #attempts = :attempt AND attribute_exists(#${TRUSTED})`,
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const current = error.Item ? toRecord(unmarshall(error.Item)) : undefined;
        if (!current) throw new JobNotFoundError(attempt.id, { cause: error });
        // A retried write whose first try was applied (its response lost) finds its own outcome.
        const expectedAttempts =
          result.status === Status.DEFERRED ? attempt.attempts - 1 : attempt.attempts;
        if (
          current.status === result.status &&
          current.attempts === expectedAttempts &&
          current.endedAt === now
        ) {
          return current;
        }
        throw new JobStateConflictError(
          attempt.id,
          `finish attempt ${attempt.attempts} as ${result.status}`,
          current.status,
          { cause: error },
        );
      }
    },

    async recordSuccesses(attempts: readonly SuccessfulAttempt[], signal?: AbortSignal) {
      const unwritten = new Set<string>();
      const items: Record<string, unknown>[] = [];
      const included = new Set<string>();
      const listed = !unlisted.has(Status.SUCCESSFUL);
      for (const attempt of attempts) {
        const { id } = attempt.claimed;
        // One request may not name an item twice; the extra ones go the conditional way.
        if (included.has(id)) unwritten.add(id);
        else {
          included.add(id);
          const record = succeededRecord(attempt, expiresAt(attempt.now));
          items.push(toItem(record, record.expiresAt, listed));
        }
      }
      for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
        const chunk = items.slice(start, start + BATCH_WRITE_LIMIT);
        const result = await doc.send(
          new BatchWriteCommand({
            RequestItems: { [TableName]: chunk.map((Item) => ({ PutRequest: { Item } })) },
            ReturnConsumedCapacity,
          }),
          signal ? { abortSignal: signal } : {},
        );
        for (const consumed of result.ConsumedCapacity ?? []) report(consumed);
        for (const request of result.UnprocessedItems?.[TableName] ?? []) {
          const pk = request.PutRequest?.Item?.[PK];
          if (typeof pk === 'string') unwritten.add(pk.slice('JOB#'.length));
        }
      }
      return unwritten;
    },

    async markLost(attempt: AttemptRef, leaseExpiredBefore, now) {
      const index = indexing(attempt.queue, Status.LOST, now, attempt.id);
      const built = buildUpdate(
        {
          status: Status.LOST,
          endedAt: now,
          updatedAt: now,
          expiresAt: expiresAt(now),
          error: {
            name: 'JobLostError',
            message: `Attempt ${attempt.attempts} was still RUNNING past its deadline: its worker stopped (crash, out of memory or hard timeout) before recording an outcome`,
          },
          ...index.keys,
        },
        ['leaseExpiresAt', ...index.remove],
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
        const ours =
          current?.status === Status.LOST &&
          current.attempts === attempt.attempts &&
          current.endedAt === now;
        return ours ? current : null;
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

    async markDeadLettered(id, now) {
      const built = buildUpdate({ deadLetteredAt: now }, [], {}, { ':errored': Status.ERRORED });
      await transition(id, 'mark as dead-lettered', () => update(id, built, '#status = :errored'));
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
          'error',
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
      // One item past the page says whether there are more; the cursor is the last kept item.
      const found: Record<string, unknown>[] = [];
      let startKey = decodeCursor(query.cursor);
      do {
        const input: QueryCommandInput = {
          TableName,
          IndexName: INDEX.indexName,
          KeyConditionExpression: since ? '#pk = :pk AND #sk >= :since' : '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': INDEX.partitionKey,
            ...(since ? { '#sk': INDEX.sortKey } : {}),
            ...(query.type ? { '#type': 'type' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': `${query.queue}#${query.status}`,
            ...(since ? { ':since': since } : {}),
            ...(query.type ? { ':type': query.type } : {}),
          },
          ...(query.type ? { FilterExpression: '#type = :type' } : {}),
          ScanIndexForward: false,
          Limit: limit + 1 - found.length,
          ExclusiveStartKey: startKey,
        };
        const page = await doc.send(new QueryCommand(input));
        found.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length <= limit);
      const kept = found.slice(0, limit);
      const items = kept.map(toRecord);
      const last = kept.at(-1);
      return found.length > limit && last
        ? { items, cursor: encodeCursor(indexPosition(last)) as string }
        : { items };
    },

    async listExpiredRunning(queue, before, limit = 100) {
      const found: JobRecord[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName,
            IndexName: INDEX.indexName,
            KeyConditionExpression: '#pk = :pk',
            FilterExpression: '#lease < :before',
            ExpressionAttributeNames: { '#pk': INDEX.partitionKey, '#lease': 'leaseExpiresAt' },
            ExpressionAttributeValues: { ':pk': `${queue}#${Status.RUNNING}`, ':before': before },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) found.push(toRecord(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < limit);
      return found.slice(0, limit);
    },
  };
  return store;
}
