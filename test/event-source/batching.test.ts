import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { describe, it } from 'vitest';
import { startSqsEventSource } from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import { JobInputError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import {
  createTestQueue,
  eventually,
  queueDepth,
  type SeenInvocation,
  seen,
  sendMessages,
  startTestEventSource,
} from './event-source-fixtures.ts';

const bodies = (count: number) => Array.from({ length: count }, (_, i) => `message-${i + 1}`);

describe.concurrent('local SQS event source: batches and concurrency', () => {
  it('hands the handler real SQSRecord and Context shapes', async ({ expect, onTestFinished }) => {
    // Prepare
    const queue = await createTestQueue();
    await sendMessages(queue, ['{"n":1}'], {
      tenant: { DataType: 'String', StringValue: 'acme' },
      weight: { DataType: 'Number', StringValue: '42' },
    });
    const received: { record: SQSRecord; context: Context; remainingMs: number }[] = [];

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      functionName: 'shapes-worker',
      functionTimeoutSeconds: 7,
      logger: new Logger({ serviceName: 'event-source-test' }),
      handler: async (event, context) => {
        for (const record of event.Records) {
          received.push({ record, context, remainingMs: context.getRemainingTimeInMillis() });
        }
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(1));

    // Assess
    const [{ record, context, remainingMs }] = received as [(typeof received)[number]];
    expect(record).toMatchObject({
      body: '{"n":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      md5OfBody: createHash('md5').update('{"n":1}').digest('hex'),
      messageAttributes: {
        tenant: {
          stringValue: 'acme',
          dataType: 'String',
          stringListValues: [],
          binaryListValues: [],
        },
        weight: {
          stringValue: '42',
          dataType: 'Number',
          stringListValues: [],
          binaryListValues: [],
        },
      },
    });
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(record.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(record.attributes.SenderId).not.toBe('');
    expect(context.functionName).toBe('shapes-worker');
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(7000);
  });

  it('never puts more than batchSize records in one invocation', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue();
    await sendMessages(queue, bodies(10));
    const invocations: SeenInvocation[] = [];

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      batchSize: 3,
      handler: async (event) => {
        invocations.push(seen(event));
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(10));

    // Assess
    const sizes = invocations.map((invocation) => invocation.bodies.length);
    expect(Math.max(...sizes)).toBe(3);
    expect(invocations.flatMap((invocation) => invocation.bodies).sort()).toEqual(
      bodies(10).sort(),
    );
  });

  it('gathers more than 10 records into one batch, 10 per receive', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue();
    await sendMessages(queue, bodies(25));
    const invocations: SeenInvocation[] = [];

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      batchSize: 25,
      batchingWindowSeconds: 2,
      handler: async (event) => {
        invocations.push(seen(event));
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(25));

    // Assess
    expect(Math.max(...invocations.map((invocation) => invocation.bodies.length))).toBeGreaterThan(
      10,
    );
    expect(await queueDepth(queue.sqs, queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('waits for the batching window to gather messages that arrive later', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue();
    await sendMessages(queue, ['first']);
    const invocations: SeenInvocation[] = [];
    const source = await startTestEventSource(queue, onTestFinished, {
      batchingWindowSeconds: 2,
      handler: async (event) => {
        invocations.push(seen(event));
      },
    });
    await eventually(() => expect(source.stats().messagesReceived).toBe(1));

    // Act
    await sendMessages(queue, ['second', 'third']);
    await eventually(() => expect(source.stats().messagesDeleted).toBe(3));

    // Assess
    expect(invocations).toHaveLength(1);
    expect(invocations[0]?.bodies).toEqual(['first', 'second', 'third']);
  });

  it('keeps a message received twice within one window once, with its newest receipt', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare: the visibility timeout is shorter than the window, so the message comes back
    // while the batch is still being gathered.
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 1 });
    await sendMessages(queue, ['only-once']);
    const invocations: SeenInvocation[] = [];

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      batchingWindowSeconds: 2,
      handler: async (event) => {
        invocations.push(seen(event));
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(1));

    // Assess
    expect(source.stats().messagesReceived).toBeGreaterThan(1);
    expect(invocations[0]?.bodies).toEqual(['only-once']);
    expect(invocations[0]?.receiveCounts[0]).toBeGreaterThan(1);
  });

  it('runs at most maxConcurrency invocations at once, and more than one', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue();
    await sendMessages(queue, bodies(12));
    let running = 0;
    let mostAtOnce = 0;

    // Act
    const source = await startTestEventSource(queue, onTestFinished, {
      batchSize: 1,
      maxConcurrency: 3,
      handler: async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(150);
        running -= 1;
      },
    });
    await eventually(() => expect(source.stats().messagesDeleted).toBe(12));

    // Assess
    expect(mostAtOnce).toBeLessThanOrEqual(3);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(source.stats()).toMatchObject({ invocations: 12, messagesReceived: 12, errors: 0 });
  });

  it.for([
    ['batchSize', { batchSize: 0 }],
    ['batchSize', { batchSize: 10_001, batchingWindowSeconds: 1 }],
    ['batchingWindowSeconds', { batchSize: 11, batchingWindowSeconds: 0 }],
    ['maxConcurrency', { maxConcurrency: 0 }],
    ['functionTimeoutSeconds', { functionTimeoutSeconds: 901 }],
  ] as const)(
    'refuses an out-of-range %s with a JobInputError naming it',
    async ([field, settings], { expect }) => {
      // Prepare
      const options = {
        sqs: new SQSClient({}),
        queueUrl: 'http://127.0.0.1:1/000000000000/never-polled',
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:never-polled',
        handler: async () => undefined,
        batchSize: 10,
        batchingWindowSeconds: 0,
        maxConcurrency: 2,
        functionTimeoutSeconds: 5,
        ...settings,
      };

      // Act
      const starting = startSqsEventSource(options);

      // Assess
      await expect(starting).rejects.toBeInstanceOf(JobInputError);
      await expect(starting).rejects.toMatchObject({ field });
    },
  );
});
