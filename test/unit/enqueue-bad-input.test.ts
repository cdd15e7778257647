import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAwsJobRuntime } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import {
  JobInputError,
  PayloadValidationError,
  UnknownJobTypeError,
  UnknownQueueError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { testConfig } from '../support/emulated-resources.ts';
import { echo, keyed, testRegistry } from '../support/test-jobs.ts';

const sqsMock = mockClient(SQSClient);
const dynamoMock = mockClient(DynamoDBDocumentClient);

/** The default queue's worker function runs 60 s. */
const sixtySecondQueue = testConfig({
  queues: {
    default: {
      batchSize: 10,
      functionTimeoutSeconds: 60,
      visibilityTimeoutSeconds: 360,
      maxReceiveCount: 10,
    },
  },
});

function client(config = testConfig()) {
  return createAwsJobRuntime({
    registry: testRegistry,
    config,
    env: {
      LAMBDA_JOBS_TABLE: 'jobs',
      LAMBDA_JOBS_QUEUE_URLS: JSON.stringify({
        default: { url: 'https://sqs.example/q', dlqUrl: 'https://sqs.example/dlq' },
      }),
    },
    sqs: new SQSClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  }).client;
}

async function errorOf(promise: Promise<unknown>): Promise<JobInputError> {
  try {
    await promise;
  } catch (error) {
    return error as JobInputError;
  }
  throw new Error('expected the enqueue to be refused');
}

beforeEach(() => {
  sqsMock.reset();
  dynamoMock.reset();
});

describe('enqueue refuses bad input before sending anything', () => {
  it.each([
    [
      'a payload failing its schema',
      () => client().enqueue(echo, { n: 'seven' as unknown as number }),
      PayloadValidationError,
      'payload.n',
      'the schema of job type "echo"',
    ],
    [
      'an unregistered job',
      () =>
        client().enqueue(defineJob({ type: 'stranger', schema: z.object({}), run: () => {} }), {}),
      UnknownJobTypeError,
      'type',
      'one of the registered job types',
    ],
    [
      'an envelope over the SQS size limit',
      () =>
        client().enqueue(
          echo,
          { n: 1 },
          { id: 'big', trace: { traceparent: 'x'.repeat(300_000) } },
        ),
      JobInputError,
      'payload',
      '262144 bytes per message',
    ],
    [
      'a negative delay',
      () => client().enqueue(echo, { n: 1 }, { delay: -5 }),
      JobInputError,
      'delay',
      '0–31536000 seconds',
    ],
    [
      'a delay beyond SQS without a scheduler',
      () => client().enqueue(echo, { n: 1 }, { delay: 3600 }),
      JobInputError,
      'delay',
      '900 seconds without a scheduler',
    ],
    [
      'a delay beyond a year',
      () => client().enqueue(echo, { n: 1 }, { delay: 40_000_000 }),
      JobInputError,
      'delay',
      'at most 31536000 seconds (one year) ahead',
    ],
    [
      'a concurrency key too long',
      () => client().enqueue(keyed, { account: 'a' }, { concurrencyKey: 'k'.repeat(513) }),
      JobInputError,
      'concurrencyKey',
      '1–512 characters',
    ],
    [
      'an unknown queue name',
      () => client().enqueue(echo, { n: 1 }, { queue: 'nope' }),
      UnknownQueueError,
      'queue',
      'one of the configured queues (default)',
    ],
    [
      'retries out of range',
      () => client().enqueue(echo, { n: 1 }, { retries: 101 }),
      JobInputError,
      'retries',
      '0–100',
    ],
    [
      "a timeout longer than the queue's function can run (120 s on a 60 s function)",
      () => client(sixtySecondQueue).enqueue(echo, { n: 1 }, { timeoutSeconds: 120 }),
      JobInputError,
      'timeoutSeconds',
      'at most 58 s on queue "default"',
    ],
    [
      'an invalid job id',
      () => client().enqueue(echo, { n: 1 }, { id: 'no spaces allowed' }),
      JobInputError,
      'id',
      '1–128 characters of A-Z a-z 0-9 _ - : .',
    ],
  ])(
    '%s: a typed error naming the field and the limit',
    async (_case, enqueue, type, field, limit) => {
      const error = await errorOf(enqueue());
      expect(error).toBeInstanceOf(type);
      expect(error.field).toBe(field);
      expect(error.limit).toContain(limit);
      expect(sqsMock.calls()).toHaveLength(0);
      expect(dynamoMock.calls()).toHaveLength(0);
    },
  );

  it('sends a valid job once and records it as QUEUED', async () => {
    sqsMock.onAnyCommand().resolves({ MessageId: 'm-1' });
    dynamoMock.onAnyCommand().resolves({});
    const id = await client().enqueue(echo, { n: 1 }, { delay: 30 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sqsMock.calls()).toHaveLength(1);
    const sent = sqsMock.call(0).args[0].input as { DelaySeconds: number; MessageBody: string };
    expect(sent.DelaySeconds).toBe(30);
    expect(JSON.parse(sent.MessageBody)).toMatchObject({
      version: 1,
      id,
      type: 'echo',
      queue: 'default',
      payload: { n: 1 },
    });
    expect(dynamoMock.calls()).toHaveLength(1);
  });
});
