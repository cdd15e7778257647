import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { DYNAMODB_ITEM_OVERHEAD_BYTES } from './cost-model.ts';
import { itemSizeBytes } from './dynamodb-item-size.ts';

/** Items whose sizes are averaged per table or index (the rest are only counted). */
const SAMPLE_ITEMS = 200;

/** What one table or index holds after a run. */
interface HeldItems {
  readonly count: number;
  readonly meanBytes: number;
}

async function heldItems(
  dynamodb: DynamoDBClient,
  tableName: string,
  indexName?: string,
): Promise<HeldItems> {
  let count = 0;
  const sample: Record<string, AttributeValue>[] = [];
  const pages = paginateScan(
    { client: dynamodb },
    { TableName: tableName, ...(indexName ? { IndexName: indexName } : {}) },
  );
  for await (const page of pages) {
    count += page.Count ?? 0;
    for (const item of page.Items ?? []) {
      if (sample.length < SAMPLE_ITEMS) sample.push(item);
    }
  }
  const meanBytes =
    sample.reduce((sum, item) => sum + itemSizeBytes(item), 0) / Math.max(1, sample.length);
  return { count, meanBytes };
}

/**
 * Bytes stored per job in `tableName` after `jobs` jobs ran: every item of the table and every
 * entry of its global secondary indexes, each at its size plus DynamoDB's 100 bytes of
 * overhead, divided by the jobs. Reads the table with uncounted clients (not the job's cost).
 *
 * @example
 * ```ts
 * const bytes = await storedBytesPerJob(emulators.setup.dynamodb, tableName, 2000);
 * ```
 */
export async function storedBytesPerJob(
  dynamodb: DynamoDBClient,
  tableName: string,
  jobs: number,
): Promise<number> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '');
  const held = await Promise.all([
    heldItems(dynamodb, tableName),
    ...indexes.map((index) => heldItems(dynamodb, tableName, index)),
  ]);
  const bytes = held.reduce(
    (sum, { count, meanBytes }) => sum + count * (meanBytes + DYNAMODB_ITEM_OVERHEAD_BYTES),
    0,
  );
  return bytes / jobs;
}
