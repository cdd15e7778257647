import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../../../config/table-schema.ts';
import { keyIndexSortKeyOf, takenAtOfKeyIndexSortKey } from '../../concurrency-key-index-entry.ts';
import type { ConcurrencyKeyIndex, ListedKey } from '../../monitor/monitor-ports.ts';

/** Options for {@link createDynamoDbConcurrencyKeyIndex}. */
export interface DynamoDbConcurrencyKeyIndexOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

const KEY_PREFIX = 'KEY#';
const INDEX = TABLE_SCHEMA.byQueueStatus;

/**
 * A key item as listed; undefined for anything else a producer may have put under a key
 * partition (a job record, a sort key acquire does not write).
 */
function toListed(item: Record<string, unknown>): ListedKey | undefined {
  const pk = item[TABLE_SCHEMA.partitionKey];
  const takenAt = takenAtOfKeyIndexSortKey(item[INDEX.sortKey]);
  if (typeof pk !== 'string' || !pk.startsWith(KEY_PREFIX) || takenAt === undefined) {
    return undefined;
  }
  const jobId = item.jobId;
  const expiresAt = item[TABLE_SCHEMA.ttlAttribute];
  return {
    key: pk.slice(KEY_PREFIX.length),
    takenAt,
    ...(typeof jobId === 'string' ? { jobId } : {}),
    ...(typeof expiresAt === 'number' ? { expiresAt } : {}),
  };
}

/**
 * The concurrency keys in the job table's `byQueueStatus` index (partitions `KEYS#<shard>`,
 * TABLE_SCHEMA.keyListing): one Query per page, oldest key first, and a DeleteItem conditional
 * on the item being exactly as listed (same `jobId`, `expiresAt` and `gsi1sk`; an attribute the
 * listing lacked must still be absent).
 *
 * @example
 * ```ts
 * const index = createDynamoDbConcurrencyKeyIndex({ client, tableName });
 * const { keys } = await index.page('KEYS#0', 25);
 * ```
 */
export function createDynamoDbConcurrencyKeyIndex(
  options: DynamoDbConcurrencyKeyIndexOptions,
): ConcurrencyKeyIndex {
  const doc = DynamoDBDocumentClient.from(options.client);
  const TableName = options.tableName;
  return {
    async page(partition, limit, cursor) {
      const result = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: INDEX.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INDEX.partitionKey },
          ExpressionAttributeValues: { ':pk': partition },
          // Oldest taken first: the sort key is the time, zero-padded.
          ScanIndexForward: true,
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: { ...cursor } } : {}),
        }),
      );
      const keys = (result.Items ?? []).flatMap((item) => toListed(item) ?? []);
      return {
        keys,
        ...(result.LastEvaluatedKey ? { cursor: result.LastEvaluatedKey } : {}),
      };
    },
    async releaseUnchanged(listed) {
      const names: Record<string, string> = { '#taken': INDEX.sortKey, '#jobId': 'jobId' };
      const values: Record<string, unknown> = { ':taken': keyIndexSortKeyOf(listed.takenAt) };
      const clauses = ['#taken = :taken'];
      if (listed.jobId === undefined) clauses.push('attribute_not_exists(#jobId)');
      else {
        clauses.push('#jobId = :jobId');
        values[':jobId'] = listed.jobId;
      }
      names['#ttl'] = TABLE_SCHEMA.ttlAttribute;
      if (listed.expiresAt === undefined) clauses.push('attribute_not_exists(#ttl)');
      else {
        clauses.push('#ttl = :ttl');
        values[':ttl'] = listed.expiresAt;
      }
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: { [TABLE_SCHEMA.partitionKey]: `${KEY_PREFIX}${listed.key}` },
            ConditionExpression: clauses.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
