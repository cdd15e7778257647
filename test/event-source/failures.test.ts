import { ChangeMessageVisibilityCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, it } from 'vitest';
import type { FailedInvocation } from '../../packages/lambda-jobs/src/local/event-source/event-source-options.ts';
import {
  InvalidBatchResponseError,
  InvocationTimeoutError,
} from '../../packages/lambda-jobs/src/local/event-source/invocation-errors.ts';
import {
  createTestQueue,
  eventually,
  queueDepth,
  type SeenInvocation,
  seen,
  sendMessages,
  startTestEventSource,
} from './event-source-fixtures.ts';

/** Receive counts at which each body was handed to the handler, e.g. `{ a: [1, 2] }`. */
function deliveries(invocations: readonly SeenInvocation[]): Record<string, number[]> {
  const result: Record<string, number[]> = {};
  for (const { bodies, receiveCounts } of invocations) {
    bodies.forEach((body, index) => {
      result[body] = [...(result[body] ?? []), receiveCounts[index]!];
    });
  }
  return result;
}

describe.concurrent('local SQS event source: failures, retries and redrive', () => {
  it('deletes only the records a partial batch response does not name', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 30 });
    await sendMessages(queue, ['ok-1', 'fail-2', 'ok-3', 'fail-4']);
    const invocations: SeenInvocation[] = [];

    // Act: on the first delivery, fail the `fail-*` records and make them visible again at once
    // (as the dispatcher's backoff does), so the next receive proves they were kept.
    const source = await startTestEventSource(queue, onTestFinished, {
      handler: async (event): Promise<SQSBatchResponse> => {
        invocations.push(seen(event));
        const failing = event.Records.filter(
          (record) =>
            record.body.startsWith('fail') && record.attributes.ApproximateReceiveCount === '1',
        );
        for (const record of failing) {
          await queue.sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queue.url,
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
        return {
          batchItemFailures: failing.map((record) => ({ itemIdentifier: record.messageId })),
        };
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(4));

    // Assess
    expect(deliveries(invocations)).toEqual({
      'ok-1': [1],
      'fail-2': [1, 2],
      'ok-3': [1],
      'fail-4': [1, 2],
    });
    expect(source.stats()).toMatchObject({ failedItems: 2, errors: 0 });
    expect(await queueDepth(queue.sqs, queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('returns the whole batch to the queue when the handler throws', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 1 });
    await sendMessages(queue, ['a', 'b', 'c']);
    const invocations: SeenInvocation[] = [];
    const reported: { error: Error; invocation: FailedInvocation }[] = [];

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      onInvocationError: (error, invocation) => reported.push({ error, invocation }),
      handler: async (event) => {
        invocations.push(seen(event));
        if (event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1')) {
          throw new Error('database unavailable');
        }
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(3));

    // Assess: nothing was deleted after the failed delivery; every message came back once.
    expect(deliveries(invocations)).toEqual({ a: [1, 2], b: [1, 2], c: [1, 2] });
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error.message).toBe('database unavailable');
    expect(reported[0]?.invocation.failure).toBe('threw');
    expect(reported[0]?.invocation.messageIds).toHaveLength(3);
    expect(source.stats()).toMatchObject({ errors: 1, failedItems: 3, messagesDeleted: 3 });
  });

  it('abandons an invocation that outlives the function timeout, deleting nothing', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 2 });
    await sendMessages(queue, ['slow']);
    const invocations: SeenInvocation[] = [];
    const remainingAtStart: number[] = [];
    const reported: Error[] = [];

    // Act: the first delivery never finishes; the redelivery succeeds.
    const source = await startTestEventSource(queue, onTestFinished, {
      functionTimeoutSeconds: 1,
      onInvocationError: (error) => reported.push(error),
      handler: async (event, context) => {
        invocations.push(seen(event));
        remainingAtStart.push(context.getRemainingTimeInMillis());
        if (event.Records[0]?.attributes.ApproximateReceiveCount === '1') {
          await new Promise(() => {});
        }
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(1));

    // Assess
    expect(deliveries(invocations)).toEqual({ slow: [1, 2] });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(InvocationTimeoutError);
    expect(reported[0]?.message).toMatch(/Task timed out after 1.00 seconds/);
    expect(Math.max(...remainingAtStart)).toBeLessThanOrEqual(1000);
    expect(source.stats()).toMatchObject({ abandonedInvocations: 1, errors: 1, inFlight: 0 });
  });

  it.for([
    ['an identifier not in the batch', 'not-in-this-batch'],
    ['an empty identifier', ''],
    ['a null identifier', null],
  ] as const)(
    'fails the whole batch for %s',
    async ([, identifier], { expect, onTestFinished }) => {
      // Prepare
      const queue = await createTestQueue({ visibilityTimeoutSeconds: 1 });
      await sendMessages(queue, ['x', 'y']);
      const invocations: SeenInvocation[] = [];
      const reported: Error[] = [];

      // Act: the first answer names a bad identifier; the second reports full success.
      const source = await startTestEventSource(queue, onTestFinished, {
        onInvocationError: (error) => reported.push(error),
        handler: async (event) => {
          invocations.push(seen(event));
          if (event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1')) {
            // The cast lets the test send what a handler in another language could: null.
            return { batchItemFailures: [{ itemIdentifier: identifier as string }] };
          }
          return { batchItemFailures: [] };
        },
      });
      await eventually(() => expect(source.stats().messagesDeleted).toBe(2));

      // Assess
      expect(deliveries(invocations)).toEqual({ x: [1, 2], y: [1, 2] });
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBeInstanceOf(InvalidBatchResponseError);
    },
  );

  it('leaves redrive to the queue: an always-failing message ends in the DLQ after maxReceiveCount', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    await sendMessages(queue, ['poison']);
    const invocations: SeenInvocation[] = [];

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      handler: async (event) => {
        invocations.push(seen(event));
        throw new Error('always fails');
      },
    });
    await eventually(async () =>
      expect((await queueDepth(queue.sqs, queue.dlqUrl)).visible).toBe(1),
    );

    // Assess
    expect(deliveries(invocations)).toEqual({ poison: [1, 2] });
    const { Messages = [] } = await queue.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, WaitTimeSeconds: 1 }),
    );
    expect(Messages.map((message) => message.Body)).toEqual(['poison']);
    expect(source.stats()).toMatchObject({ messagesDeleted: 0, errors: 2 });
  });
});
