import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../config/table-schema.ts';
import { JobInputError } from '../runtime/errors.ts';
import { LIMITS } from '../runtime/limits.ts';
import type { DelayedDelivery, QueueTransport } from '../runtime/ports.ts';

const PK = TABLE_SCHEMA.partitionKey;
const INDEX = TABLE_SCHEMA.byQueueStatus;
/** Index partition holding every pending delivery, sorted by `<dueAt>#<jobId>`. */
const DUE_PARTITION = 'DELAYED';
/** Sorts after `#`, so `<now>~` bounds every key due at or before now. */
const AFTER_SEPARATOR = '~';
/** A delivery nobody sent is removed a week after it was due (DynamoDB TTL; a safety net). */
const KEEP_AFTER_DUE_SECONDS = 7 * 86_400;
const PAGE_SIZE = 100;

const deliveryKey = (jobId: string) => ({ [PK]: `DELAYED#${jobId}` });

/** One delivery waiting in the table. */
export interface PendingDelivery {
  readonly jobId: string;
  readonly queueUrl: string;
  readonly body: string;
  /** ISO 8601: when it is sent. */
  readonly dueAt: string;
  /** `MessageGroupId` and `MessageDeduplicationId` the send carries (FIFO, fair queues). */
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

export interface DevDelayedDeliveryOptions {
  /** Points at DynamoDB Local. */
  readonly client: DynamoDBClient;
  /** The dev job table (items `pk = DELAYED#<jobId>` sit beside the job records). */
  readonly tableName: string;
  /** Sends due bodies to their queues (fauxqs). */
  readonly transport: QueueTransport;
  /** How often {@link DevDelayedDelivery.start}'s ticker looks for due deliveries. Default 1,000 ms. */
  readonly pollEveryMs?: number;
  /** The clock deciding what is due. Default the system clock; tests move their own. */
  readonly now?: () => Date;
  /** Reports a failed send or tick (the delivery waits for the next tick). Default stderr. */
  readonly onError?: (error: unknown) => void;
}

/** The dev-mode delayed delivery, its ticker and what tests look at. */
export interface DevDelayedDelivery extends DelayedDelivery {
  /** Sends every delivery due by `now()`; returns the ids of the jobs sent. */
  tick(): Promise<string[]>;
  /** Ticks every `pollEveryMs` until {@link stop}. */
  start(): void;
  /** Stops the ticker, waiting for a tick under way. */
  stop(): Promise<void>;
  /** Deliveries still waiting, soonest first. */
  pending(): Promise<PendingDelivery[]>;
}

function toPending(item: Record<string, unknown>): PendingDelivery {
  return {
    jobId: String(item.jobId),
    queueUrl: String(item.queueUrl),
    body: String(item.body),
    dueAt: String(item.dueAt),
    ...(typeof item.groupId === 'string' ? { groupId: item.groupId } : {}),
    ...(typeof item.deduplicationId === 'string' ? { deduplicationId: item.deduplicationId } : {}),
  };
}

/**
 * Long delays and `runAt` in dev mode, where there is no EventBridge Scheduler: each waiting job
 * is an item in the local job table (`pk = DELAYED#<jobId>`, with its due time, queue URL, body
 * and a TTL), listed by due time through the table's index (partition `DELAYED`). A ticker sends
 * the due ones: it deletes each item with a condition first, so two tickers never both send
 * it, then sends the body; if the send fails, the item is put back for the next tick. Deliveries
 * are sent at their due time (EventBridge Scheduler rounds up to the next whole minute).
 *
 * @example
 * ```ts
 * const delayed = createDevDelayedDelivery({ client: dynamodb, tableName, transport });
 * delayed.start();
 * const { client } = createAwsJobRuntime({ registry, config, delayedDelivery: delayed });
 * await client.enqueue(report, payload, { delay: 3600 }); // sent in an hour
 * await delayed.stop();
 * ```
 */
export function createDevDelayedDelivery(options: DevDelayedDeliveryOptions): DevDelayedDelivery {
  const doc = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const TableName = options.tableName;
  const now = options.now ?? (() => new Date());
  const pollEveryMs = options.pollEveryMs ?? 1000;
  const onError =
    options.onError ??
    ((error: unknown) =>
      process.stderr.write(`Delayed delivery not sent yet: ${(error as Error).message}\n`));

  async function dueItems(upTo: string | undefined): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.indexName,
          KeyConditionExpression: upTo ? '#pk = :pk AND #sk <= :upTo' : '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': INDEX.partitionKey,
            ...(upTo ? { '#sk': INDEX.sortKey } : {}),
          },
          ExpressionAttributeValues: { ':pk': DUE_PARTITION, ...(upTo ? { ':upTo': upTo } : {}) },
          Limit: PAGE_SIZE,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Takes one due delivery: returned when this caller removed it, and so must send it. */
  async function take(jobId: string, nowIso: string): Promise<PendingDelivery | undefined> {
    try {
      const result = await doc.send(
        new DeleteCommand({
          TableName,
          Key: deliveryKey(jobId),
          ConditionExpression: 'attribute_exists(#pk) AND #dueAt <= :now',
          ExpressionAttributeNames: { '#pk': PK, '#dueAt': 'dueAt' },
          ExpressionAttributeValues: { ':now': nowIso },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes ? toPending(result.Attributes) : undefined;
    } catch (error) {
      // Another ticker took it, it was cancelled, or it was scheduled again for later.
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async function put(delivery: PendingDelivery, onlyIfAbsent: boolean): Promise<boolean> {
    const dueSeconds = Math.floor(Date.parse(delivery.dueAt) / 1000);
    try {
      await doc.send(
        new PutCommand({
          TableName,
          Item: {
            ...deliveryKey(delivery.jobId),
            ...delivery,
            [INDEX.partitionKey]: DUE_PARTITION,
            [INDEX.sortKey]: `${delivery.dueAt}#${delivery.jobId}`,
            [TABLE_SCHEMA.ttlAttribute]: dueSeconds + KEEP_AFTER_DUE_SECONDS,
          },
          ...(onlyIfAbsent
            ? {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  const delivery: DevDelayedDelivery = {
    async schedule(jobId, queueUrl, body, at, routing) {
      const size = Buffer.byteLength(body, 'utf8');
      if (size > LIMITS.maxEnvelopeBytes) {
        throw new JobInputError(
          'payload',
          `${LIMITS.maxEnvelopeBytes} bytes per scheduled message`,
          `Job message is ${size} bytes; a delayed message may be at most ${LIMITS.maxEnvelopeBytes} bytes. Store large data elsewhere (S3) and enqueue a reference.`,
        );
      }
      if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
        throw new JobInputError('runAt', 'a valid Date', 'runAt must be a valid Date');
      }
      // Like a schedule named after the job: an existing one (a retried call) is kept.
      await put({ jobId, queueUrl, body, dueAt: at.toISOString(), ...routing }, true);
    },

    async cancel(jobId) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: deliveryKey(jobId),
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async tick() {
      const nowIso = now().toISOString();
      const sent: string[] = [];
      for (const item of await dueItems(`${nowIso}${AFTER_SEPARATOR}`)) {
        const taken = await take(String(item.jobId), nowIso);
        if (!taken) continue;
        try {
          await options.transport.send(taken.queueUrl, taken.body, undefined, undefined, {
            ...(taken.groupId ? { groupId: taken.groupId } : {}),
            ...(taken.deduplicationId ? { deduplicationId: taken.deduplicationId } : {}),
          });
          sent.push(taken.jobId);
        } catch (error) {
          // Not sent: back in the table for the next tick (unless scheduled again meanwhile).
          await put(taken, true);
          onError(error);
        }
      }
      return sent;
    },

    start() {
      if (running) return;
      running = true;
      const loop = () => {
        current = delivery
          .tick()
          .catch(onError)
          .finally(() => {
            if (running) timer = setTimeout(loop, pollEveryMs);
          });
      };
      loop();
    },

    async stop() {
      running = false;
      clearTimeout(timer);
      await current;
    },

    async pending() {
      // The index projects the due time only: each delivery is read whole.
      const pending: PendingDelivery[] = [];
      for (const item of await dueItems(undefined)) {
        const read = await doc.send(
          new GetCommand({ TableName, Key: deliveryKey(String(item.jobId)), ConsistentRead: true }),
        );
        if (read.Item) pending.push(toPending(read.Item));
      }
      return pending;
    },
  };
  return delivery;
}
