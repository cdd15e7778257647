import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { trivialPayload } from './bench-jobs.ts';

/** How long a claim holds before another delivery may take the job over, ms. */
const LEASE_MS = 60_000;
/** A record is kept as long as lambda-jobs keeps its records by default: seven days. */
const RETENTION_SECONDS = 604_800;
/** The attribute its table's TTL reads (records expire as lambda-jobs' do). */
export const MINIMUM_TTL_ATTRIBUTE = 'expiresAt';

/**
 * The least a handler can do for at-least-once delivery, a durable result and duplicate
 * suppression: per record, one conditional PutItem that claims the job (new, or a RUNNING
 * claim whose lease has passed), the work, one UpdateItem that records the result; records in
 * parallel; a partial batch response. Items stay far under 1 KB on a table without indexes, and
 * expire through the table's TTL after the retention lambda-jobs keeps by default.
 * It measures the floor the cost benchmark compares against; it is not a product.
 *
 * @example
 * ```ts
 * const handler = createMinimumHandler({ dynamodb, tableName });
 * ```
 */
export function createMinimumHandler(options: {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const TableName = options.tableName;
  async function handle(body: string): Promise<void> {
    const envelope = JSON.parse(body) as { id: string; payload: unknown };
    const payload = trivialPayload.parse(envelope.payload);
    const now = Date.now();
    try {
      await options.dynamodb.send(
        new PutItemCommand({
          TableName,
          Item: {
            id: { S: envelope.id },
            status: { S: 'RUNNING' },
            lease: { N: String(now + LEASE_MS) },
            [MINIMUM_TTL_ATTRIBUTE]: { N: String(Math.floor(now / 1000) + RETENTION_SECONDS) },
          },
          ConditionExpression: 'attribute_not_exists(id) OR (#s = :running AND #lease < :now)',
          ExpressionAttributeNames: { '#s': 'status', '#lease': 'lease' },
          ExpressionAttributeValues: { ':running': { S: 'RUNNING' }, ':now': { N: String(now) } },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // a duplicate: done or running
      throw error;
    }
    const output = { doubled: payload.n * 2 };
    await options.dynamodb.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: envelope.id } },
        UpdateExpression: 'SET #s = :done, #out = :out REMOVE #lease',
        ExpressionAttributeNames: { '#s': 'status', '#out': 'output', '#lease': 'lease' },
        ExpressionAttributeValues: {
          ':done': { S: 'SUCCESSFUL' },
          ':out': { S: JSON.stringify(output) },
        },
      }),
    );
  }
  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          await handle(record.body);
        } catch {
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}
