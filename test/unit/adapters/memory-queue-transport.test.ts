import { describe, expect, it } from 'vitest';
import { createMemoryQueueTransport } from '../../../packages/lambda-jobs/src/runtime/adapters/memory/memory-queue-transport.ts';

const QUEUE = 'memory://queues/default';
const DLQ = 'memory://queues/default-dlq';
const SENT_AT = new Date('2030-01-01T00:00:00.000Z');

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('memory queue transport', () => {
  it('keeps each sent message under its queue URL, with an id, a receipt handle and the send time', async () => {
    // Prepare
    const transport = createMemoryQueueTransport({ now: () => SENT_AT });

    // Act
    const first = await transport.send(QUEUE, 'a', 30);
    await transport.send(DLQ, 'b');

    // Assess
    expect(first).toEqual({ messageId: 'message-1' });
    expect(transport.messages(QUEUE)).toEqual([
      {
        messageId: 'message-1',
        receiptHandle: 'receipt-1',
        body: 'a',
        delaySeconds: 30,
        sentAt: SENT_AT,
      },
    ]);
    expect(transport.messages(DLQ).map((m) => m.body)).toEqual(['b']);
    expect(transport.messages('memory://queues/other')).toEqual([]);
  });

  it('sendBatch reports every entry in entry order and enqueues only the accepted ones', async () => {
    // Prepare
    const transport = createMemoryQueueTransport();
    transport.failNextBatchEntries((entry) => entry.entryId === '1', {
      code: 'InternalError',
      message: 'try again',
    });

    // Act
    const outcomes = await transport.sendBatch(QUEUE, [
      { entryId: '0', body: 'a' },
      { entryId: '1', body: 'b' },
      { entryId: '2', body: 'c', delaySeconds: 901 },
      { entryId: '3', body: 'd', delaySeconds: 5 },
    ]);
    const next = await transport.sendBatch(QUEUE, [{ entryId: '1', body: 'b' }]);

    // Assess
    expect(outcomes).toEqual([
      { entryId: '0', ok: true, messageId: 'message-1' },
      { entryId: '1', ok: false, code: 'InternalError', message: 'try again' },
      {
        entryId: '2',
        ok: false,
        code: 'InvalidParameterValue',
        message: expect.stringContaining('0 to 900'),
      },
      { entryId: '3', ok: true, messageId: 'message-2' },
    ]);
    expect(next).toEqual([{ entryId: '1', ok: true, messageId: 'message-3' }]);
    expect(transport.messages(QUEUE).map((m) => [m.body, m.delaySeconds])).toEqual([
      ['a', 0],
      ['d', 5],
      ['b', 0],
    ]);
  });

  it.each([
    ['no entries', [], 'EmptyBatchRequest'],
    [
      'more than 10 entries',
      Array.from({ length: 11 }, (_, i) => ({ entryId: String(i), body: 'x' })),
      'TooManyEntriesInBatchRequest',
    ],
    [
      'repeated entry ids',
      [
        { entryId: 'a', body: 'x' },
        { entryId: 'a', body: 'y' },
      ],
      'BatchEntryIdsNotDistinct',
    ],
  ])('sendBatch refuses %s as SQS does, sending nothing', async (_, entries, name) => {
    // Prepare
    const transport = createMemoryQueueTransport();

    // Act
    const error = await rejectionOf(transport.sendBatch(QUEUE, entries));

    // Assess
    expect(error.name).toBe(name);
    expect(transport.messages(QUEUE)).toEqual([]);
  });

  it('send refuses a delay or a body SQS would refuse', async () => {
    // Prepare
    const transport = createMemoryQueueTransport();

    // Act
    const [late, big] = await Promise.all([
      rejectionOf(transport.send(QUEUE, 'a', 901)),
      rejectionOf(transport.send(QUEUE, 'x'.repeat(262_145))),
    ]);

    // Assess
    expect([late.name, big.name]).toEqual(['InvalidParameterValue', 'InvalidParameterValue']);
    expect(transport.messages(QUEUE)).toEqual([]);
  });

  it('changeVisibility records the timeout by receipt handle, last one wins', async () => {
    // Prepare
    const transport = createMemoryQueueTransport();
    await transport.send(QUEUE, 'a');
    const [message] = transport.messages(QUEUE);

    // Act
    await transport.changeVisibility(QUEUE, message!.receiptHandle, 30);
    await transport.changeVisibility(QUEUE, message!.receiptHandle, 0);

    // Assess
    expect(transport.visibilityOf('receipt-1')).toBe(0);
    expect(transport.visibilityOf('receipt-2')).toBeUndefined();
    expect(transport.visibilityChanges()).toEqual([
      { queueUrl: QUEUE, receiptHandle: 'receipt-1', seconds: 30 },
      { queueUrl: QUEUE, receiptHandle: 'receipt-1', seconds: 0 },
    ]);
  });

  it('changeVisibility refuses a timeout outside 0–43,200 s', async () => {
    // Prepare
    const transport = createMemoryQueueTransport();

    // Act
    const error = await rejectionOf(transport.changeVisibility(QUEUE, 'receipt-1', 43_201));

    // Assess
    expect(error.name).toBe('InvalidParameterValue');
    expect(transport.visibilityOf('receipt-1')).toBeUndefined();
  });

  it('fails the next call of an operation once, with the error given, changing nothing', async () => {
    // Prepare
    const transport = createMemoryQueueTransport();
    const throttled = new Error('Rate exceeded');
    transport.failNext('send', throttled);
    transport.failNext('changeVisibility');

    // Act
    const failedSend = await rejectionOf(transport.send(QUEUE, 'a'));
    const failedChange = await rejectionOf(transport.changeVisibility(QUEUE, 'receipt-1', 5));
    await transport.send(QUEUE, 'b');

    // Assess
    expect(failedSend).toBe(throttled);
    expect(failedChange.message).toBe('Injected failure of changeVisibility');
    expect(transport.visibilityOf('receipt-1')).toBeUndefined();
    expect(transport.messages(QUEUE).map((m) => m.body)).toEqual(['b']);
  });
});
