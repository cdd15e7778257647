import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSqsQueueDepthSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-sqs.ts';
import {
  isThrottlingError,
  retryOnThrottling,
} from '../../packages/lambda-jobs/src/runtime/monitor/throttle-retry.ts';

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });
const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/app-default';
const counts = {
  ApproximateNumberOfMessages: '90',
  ApproximateNumberOfMessagesNotVisible: '10',
  ApproximateNumberOfMessagesDelayed: '5',
};
const named = (name: string, extra: object = {}) =>
  Object.assign(new Error(name), { name, ...extra });

beforeEach(() => {
  sqs.reset();
});

describe('SQS queue depth', () => {
  it('reads the three approximate counts in one GetQueueAttributes', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: counts });

    const depth = await createSqsQueueDepthSource(client).depth(url);

    expect(depth).toEqual({ visible: 90, inFlight: 10, delayed: 5 });
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(GetQueueAttributesCommand, {
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    });
  });

  it('retries throttling with backoff and answers', async () => {
    const waits: number[] = [];
    sqs
      .on(GetQueueAttributesCommand)
      .rejectsOnce(named('RequestThrottled'))
      .rejectsOnce(named('SomethingElse', { $retryable: { throttling: true } }))
      .resolves({ Attributes: counts });
    const source = createSqsQueueDepthSource(client, {
      retry: { sleep: async (ms) => void waits.push(ms), random: () => 0.5, baseDelayMs: 100 },
    });

    const depth = await source.depth(url);

    expect(depth.visible).toBe(90);
    expect(sqs).toHaveReceivedCommandTimes(GetQueueAttributesCommand, 3);
    expect(waits).toEqual([50, 100]);
  });

  it('does not retry an error that is not throttling', async () => {
    sqs.on(GetQueueAttributesCommand).rejects(named('QueueDoesNotExist'));

    await expect(createSqsQueueDepthSource(client).depth(url)).rejects.toThrow('QueueDoesNotExist');
    expect(sqs).toHaveReceivedCommandTimes(GetQueueAttributesCommand, 1);
  });

  it('refuses an answer without the counts', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });

    await expect(createSqsQueueDepthSource(client).depth(url)).rejects.toThrow(
      'returned ApproximateNumberOfMessages = undefined, not a count',
    );
  });
});

describe('retryOnThrottling', () => {
  it('knows throttling by name, SDK flag or HTTP 429', () => {
    expect(isThrottlingError(named('ThrottlingException'))).toBe(true);
    expect(isThrottlingError(named('X', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isThrottlingError(named('ValidationError'))).toBe(false);
    expect(isThrottlingError('Throttling')).toBe(false);
  });

  it('caps the backoff and the number of tries', async () => {
    const waits: number[] = [];
    let tries = 0;
    const operation = async () => {
      tries++;
      throw named('ThrottlingException');
    };

    await expect(
      retryOnThrottling(operation, {
        attempts: 5,
        baseDelayMs: 1000,
        maxDelayMs: 3000,
        random: () => 0.999,
        sleep: async (ms) => void waits.push(ms),
      }),
    ).rejects.toThrow('ThrottlingException');
    expect(tries).toBe(5);
    expect(waits).toEqual([999, 1998, 2997, 2997]);
  });
});
