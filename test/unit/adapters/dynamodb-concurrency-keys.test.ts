import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbConcurrencyKeys } from '../../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { keyIndexPartitionOf } from '../../../packages/lambda-jobs/src/runtime/concurrency-key-index-entry.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const keys = () =>
  createDynamoDbConcurrencyKeys({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'jobs',
  });
const refused = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  ddb.reset();
});

describe('DynamoDB concurrency keys', () => {
  it('acquire is one PutItem conditional on "no item, no numeric expiry, expired before now, or held for longer than any acquire sets"', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const acquired = await keys().acquire('account:42', 'job-1', 2000, 1000);

    // Assess
    expect(acquired).toBe(true);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
      TableName: 'jobs',
      Item: {
        pk: 'KEY#account:42',
        jobId: 'job-1',
        expiresAt: 2000,
        // Its entry in byQueueStatus, under the key partitions: when it was taken, 12 digits.
        gsi1pk: keyIndexPartitionOf('account:42'),
        gsi1sk: '000000001000',
      },
      ConditionExpression:
        'attribute_not_exists(#pk) OR NOT attribute_type(#ttl, :number) OR #ttl < :now OR #ttl > :longest',
      ExpressionAttributeNames: { '#pk': 'pk', '#ttl': 'expiresAt' },
      ExpressionAttributeValues: {
        ':number': 'N',
        ':now': 1000,
        ':longest': 1000 + 31_536_000 + 2_592_000,
      },
    });
  });

  it('abandon is one PutItem conditional on the holder, leaving the key expired, with only a key’s attributes', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    await keys().abandon('account:42', 'job-1', 1000);

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
      TableName: 'jobs',
      Item: { pk: 'KEY#account:42', jobId: 'job-1', expiresAt: 999 },
      ConditionExpression: 'jobId = :jobId',
      ExpressionAttributeValues: { ':jobId': 'job-1' },
    });
  });

  it('acquire answers false when the condition is refused', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(refused());

    // Act
    const acquired = await keys().acquire('account:42', 'job-2', 2000, 1000);

    // Assess
    expect(acquired).toBe(false);
  });

  it('release is one DeleteItem conditional on the holder, a no-op when refused', async () => {
    // Prepare
    ddb.on(DeleteCommand).rejects(refused());

    // Act
    const releasing = keys().release('account:42', 'job-2');

    // Assess
    await expect(releasing).resolves.toBeUndefined();
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(DeleteCommand, {
      TableName: 'jobs',
      Key: { pk: 'KEY#account:42' },
      ConditionExpression: 'jobId = :jobId',
      ExpressionAttributeValues: { ':jobId': 'job-2' },
    });
  });

  it('an error other than a refused condition is thrown, not read as a key held', async () => {
    // Prepare
    const throttled = new Error('Rate of requests exceeds the allowed throughput');
    ddb.on(PutCommand).rejects(throttled);

    // Act
    const acquired = keys().acquire('account:42', 'job-1', 2000, 1000);

    // Assess
    await expect(acquired).rejects.toThrow(throttled);
  });

  it('holder reads the key consistently, and an item without a string job id holds nothing', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: { pk: 'KEY#account:42', jobId: 42, expiresAt: 2000 } });

    // Act
    const holder = await keys().holder('account:42', 1000);

    // Assess
    expect(holder).toBeUndefined();
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: 'jobs',
      Key: { pk: 'KEY#account:42' },
      ConsistentRead: true,
    });
  });
});
