import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../../../config/table-schema.ts';
import { keyIndexPartitionOf, keyIndexSortKeyOf } from '../../concurrency-key-index-entry.ts';
import { isKeyHeld } from '../../concurrency-key-lifetime.ts';
import { LIMITS } from '../../limits.ts';
import type { ConcurrencyKeyStore } from '../../ports.ts';

/** Options for {@link createDynamoDbConcurrencyKeys}. */
export interface DynamoDbConcurrencyKeysOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly onConsumedCapacity?: (units: number) => void;
}

/**
 * Concurrency keys as items `pk = KEY#<key>` holding the job id. Acquire is one conditional
 * PutItem (free, expired — TTL deletion can lag by days, so the condition checks the time
 * itself — or claiming a lifetime longer than any acquire sets, which only a forged item can);
 * release is a DeleteItem conditional on the holder (the worker's); abandon, the producer's
 * rollback, a PutItem conditional on the holder that leaves the key expired (and out of the
 * index: nothing to sweep). Acquire also writes the key's `byQueueStatus` entry (`gsi1pk`
 * `KEYS#<shard>`, `gsi1sk` when it was taken: `concurrency-key-index-entry.ts`), which the
 * monitor's orphaned-key sweep lists. Producers write only these attributes
 * (TABLE_SCHEMA.producerAttributes). `holder` is one consistent GetItem.
 *
 * @example
 * ```ts
 * const keys = createDynamoDbConcurrencyKeys({ client, tableName });
 * if (await keys.acquire('report:42', jobId, expires, now)) { … }
 * ```
 */
export function createDynamoDbConcurrencyKeys(
  options: DynamoDbConcurrencyKeysOptions,
): ConcurrencyKeyStore {
  const doc = DynamoDBDocumentClient.from(options.client);
  const TableName = options.tableName;
  const ReturnConsumedCapacity = options.onConsumedCapacity ? ('TOTAL' as const) : undefined;
  const key = (value: string) => ({ [TABLE_SCHEMA.partitionKey]: `KEY#${value}` });
  /** Sends one conditional write: true when applied, false when its condition refused it. */
  async function conditionalWrite(
    send: () => Promise<{ ConsumedCapacity?: { CapacityUnits?: number } }>,
  ): Promise<boolean> {
    try {
      const result = await send();
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: reports capacity to the cost meter only, never a key's state
      if (result.ConsumedCapacity?.CapacityUnits !== undefined) {
        // Stryker disable next-line OptionalChaining: capacity is returned only when onConsumedCapacity is given
        options.onConsumedCapacity?.(result.ConsumedCapacity.CapacityUnits);
      }
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
  return {
    acquire(concurrencyKey, jobId, expiresAt, now) {
      return conditionalWrite(() =>
        doc.send(
          new PutCommand({
            TableName,
            Item: {
              ...key(concurrencyKey),
              jobId,
              [TABLE_SCHEMA.ttlAttribute]: expiresAt,
              // The index entry the monitor's orphaned-key sweep lists keys by.
              [TABLE_SCHEMA.byQueueStatus.partitionKey]: keyIndexPartitionOf(concurrencyKey),
              [TABLE_SCHEMA.byQueueStatus.sortKey]: keyIndexSortKeyOf(now),
            },
            // Free: no item; expired; held longer than any acquire sets; or no numeric
            // expiresAt at all (a producer's forged item, which would otherwise hold forever).
            ConditionExpression:
              'attribute_not_exists(#pk) OR NOT attribute_type(#ttl, :number) OR #ttl < :now OR #ttl > :longest',
            ExpressionAttributeNames: {
              '#pk': TABLE_SCHEMA.partitionKey,
              '#ttl': TABLE_SCHEMA.ttlAttribute,
            },
            ExpressionAttributeValues: {
              ':number': 'N',
              ':now': now,
              ':longest': now + LIMITS.maxConcurrencyKeyLifetimeSeconds,
            },
            ReturnConsumedCapacity,
          }),
        ),
      );
    },
    async holder(concurrencyKey, now) {
      const result = await doc.send(
        new GetCommand({ TableName, Key: key(concurrencyKey), ConsistentRead: true }),
      );
      const item = result.Item;
      if (!item || typeof item.jobId !== 'string') return undefined;
      const expires = item[TABLE_SCHEMA.ttlAttribute];
      // Without a numeric expiresAt the key holds nothing (acquire takes it over).
      return typeof expires === 'number' && isKeyHeld(expires, now) ? item.jobId : undefined;
    },
    async abandon(concurrencyKey, jobId, now) {
      await conditionalWrite(() =>
        doc.send(
          new PutCommand({
            TableName,
            Item: { ...key(concurrencyKey), jobId, [TABLE_SCHEMA.ttlAttribute]: now - 1 },
            ConditionExpression: 'jobId = :jobId',
            ExpressionAttributeValues: { ':jobId': jobId },
            ReturnConsumedCapacity,
          }),
        ),
      );
    },
    async release(concurrencyKey, jobId) {
      await conditionalWrite(() =>
        doc.send(
          new DeleteCommand({
            TableName,
            Key: key(concurrencyKey),
            ConditionExpression: 'jobId = :jobId',
            ExpressionAttributeValues: { ':jobId': jobId },
            ReturnConsumedCapacity,
          }),
        ),
      );
    },
  };
}
