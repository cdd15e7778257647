import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';

const loggerEntries = (client: SQSClient | DynamoDBClient) =>
  client.middlewareStack.identify().filter((entry) => entry.startsWith('loggerMiddleware'));

describe('the SDK clients lambda-jobs builds', () => {
  it('a plain SDK client carries the logger middleware (what the clients below leave out)', () => {
    expect(loggerEntries(new DynamoDBClient({ region: 'us-east-1' }))).toHaveLength(1);
    expect(loggerEntries(new SQSClient({ region: 'us-east-1' }))).toHaveLength(1);
  });

  it('carry no logger middleware, which would redact every request for a logger that discards it', () => {
    const env = { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566' };
    expect(loggerEntries(createDynamoDbClient())).toEqual([]);
    expect(loggerEntries(createSqsClient(env))).toEqual([]);
    expect(loggerEntries(createSqsClient({}))).toEqual([]);
  });
});
