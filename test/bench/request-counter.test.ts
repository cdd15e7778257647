import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { itemSizeBytes, writeUnitsForBytes } from '../../bench/dynamodb-item-size.ts';
import {
  countRequests,
  createRequestCounter,
  mergeTallies,
  sqsBilledRequests,
  tallyTotals,
} from '../../bench/request-counter.ts';

interface StubRequest {
  readonly body?: unknown;
}

/** A request handler answering every call with one JSON response, keeping the request bodies. */
function stubHandler(status: number, response: unknown) {
  const bodies: unknown[] = [];
  return {
    bodies,
    handler: {
      handle: async (request: StubRequest) => {
        bodies.push(JSON.parse(String(request.body ?? '{}')));
        return {
          response: {
            statusCode: status,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Buffer.from(JSON.stringify(response)),
          },
        };
      },
    },
  };
}

const clientConfig = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
};

describe('bench request counter', () => {
  it('counts each request by service and operation, with SQS billed by 64 KB chunk', async () => {
    // Prepare
    const counter = createRequestCounter();
    const body = 'x'.repeat(70_000);
    const md5 = createHash('md5').update(body).digest('hex');
    const stub = stubHandler(200, { Messages: [{ MessageId: '1', Body: body, MD5OfBody: md5 }] });
    const sqs = new SQSClient({ ...clientConfig, requestHandler: stub.handler });
    countRequests(sqs, counter);

    // Act
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: 'http://127.0.0.1:9/q' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: 'http://127.0.0.1:9/q' }));

    // Assess
    const entry = counter.snapshot()['SQS.ReceiveMessage'];
    expect(entry).toMatchObject({ requests: 2, billedRequests: 4, errors: {} });
  });

  it('asks DynamoDB for consumed capacity by index and records table and index units', async () => {
    const counter = createRequestCounter();
    const stub = stubHandler(200, {
      ConsumedCapacity: {
        TableName: 't',
        CapacityUnits: 3,
        GlobalSecondaryIndexes: { byQueueStatus: { CapacityUnits: 2 } },
      },
    });
    const dynamodb = new DynamoDBClient({ ...clientConfig, requestHandler: stub.handler });
    countRequests(dynamodb, counter);

    await dynamodb.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }));

    expect(stub.bodies[0]).toMatchObject({ ReturnConsumedCapacity: 'INDEXES' });
    expect(counter.snapshot()['DynamoDB.PutItem']).toMatchObject({
      requests: 1,
      capacityUnits: 3,
      indexCapacityUnits: 2,
      estimatedCapacityUnits: 0,
    });
  });

  it('estimates the units of a refused conditional write from the item it found', async () => {
    const counter = createRequestCounter();
    const stub = stubHandler(400, {
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
      Item: { pk: { S: 'a' }, blob: { S: 'x'.repeat(1500) } },
    });
    const dynamodb = new DynamoDBClient({ ...clientConfig, requestHandler: stub.handler });
    countRequests(dynamodb, counter);

    const sent = dynamodb.send(
      new PutItemCommand({
        TableName: 't',
        Item: { pk: { S: 'a' } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );

    await expect(sent).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(counter.snapshot()['DynamoDB.PutItem']).toMatchObject({
      requests: 1,
      errors: { ConditionalCheckFailedException: 1 },
      estimatedCapacityUnits: 2,
    });
  });

  it('adds tallies together and splits DynamoDB units into reads and writes', () => {
    const a = createRequestCounter();
    const b = createRequestCounter();
    a.record('DynamoDB', 'UpdateItem', { capacityUnits: 3, indexCapacityUnits: 2 });
    b.record('DynamoDB', 'UpdateItem', { capacityUnits: 1, estimatedCapacityUnits: 1, error: 'X' });
    b.record('DynamoDB', 'GetItem', { capacityUnits: 1 });
    b.record('SQS', 'DeleteMessageBatch');

    const merged = mergeTallies(a.snapshot(), b.snapshot());

    expect(merged['DynamoDB.UpdateItem']).toMatchObject({ requests: 2, errors: { X: 1 } });
    expect(tallyTotals(merged, 'DynamoDB')).toMatchObject({
      requests: 3,
      errors: 1,
      writeUnits: 5,
      readUnits: 1,
      indexWriteUnits: 2,
      estimatedWriteUnits: 1,
    });
    expect(tallyTotals(merged, 'SQS').billedRequests).toBe(1);
  });

  it('bills SQS sends by payload chunk and every other call as one request', () => {
    const entries = [{ MessageBody: 'x'.repeat(40_000) }, { MessageBody: 'y'.repeat(40_000) }];
    expect(sqsBilledRequests('SendMessageBatch', { Entries: entries }, {})).toBe(2);
    expect(sqsBilledRequests('SendMessage', { MessageBody: 'small' }, {})).toBe(1);
    expect(sqsBilledRequests('DeleteMessageBatch', {}, {})).toBe(1);
  });

  it('sizes DynamoDB items by attribute names and values', () => {
    const size = itemSizeBytes({
      pk: { S: 'JOB#1' },
      attempts: { N: '12' },
      ok: { BOOL: true },
    });
    expect(size).toBe(2 + 5 + 8 + 2 + 2 + 1);
    expect(writeUnitsForBytes(0)).toBe(1);
    expect(writeUnitsForBytes(1025)).toBe(2);
  });
});
