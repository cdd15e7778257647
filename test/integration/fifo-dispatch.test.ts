import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { createMemoryQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-queue-transport.ts';
import {
  createDispatcher,
  type QueueMessage,
} from '../../packages/lambda-jobs/src/runtime/dispatcher.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import {
  DeferJobError,
  RetryJobError,
  UnrecoverableJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { rescueLostJobs } from '../../packages/lambda-jobs/src/runtime/monitor/lost-job-rescue.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/**
 * What the dispatcher does with each kind of kept message on a FIFO queue (the message stays,
 * hidden until due; nothing is re-sent behind its group) and what a standard queue's re-sends
 * and dead letters carry (the tenant as MessageGroupId). The memory adapters keep SQS's
 * semantics, including its refusal of a per-message delay on a FIFO queue.
 */

const FIFO = {
  name: 'orders',
  url: 'memory://shop-orders.fifo',
  dlqUrl: 'memory://shop-orders-dlq.fifo',
};
const STANDARD = {
  name: 'default',
  url: 'memory://shop-default',
  dlqUrl: 'memory://shop-default-dlq',
};

const outcome = defineJob({
  type: 'outcome',
  schema: z.object({ ends: z.enum(['retry', 'defer', 'refuse', 'succeed']) }),
  timeoutSeconds: 3,
  retries: 3,
  run: (payload) => {
    if (payload.ends === 'retry') throw new RetryJobError('later', { afterSeconds: 40 });
    if (payload.ends === 'defer') throw new DeferJobError(120, 'not yet');
    if (payload.ends === 'refuse') throw new UnrecoverableJobError('never');
    return 'ok';
  },
});

const registry = createRegistry([outcome]);
let sent = 0;

function setUp(queue: typeof FIFO) {
  const store = createMemoryJobStore();
  const transport = createMemoryQueueTransport();
  const dispatcher = createDispatcher({
    registry,
    queue,
    transport,
    store,
    keys: createMemoryConcurrencyKeys(),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: capturingMetrics(),
    maxReceiveCount: 30,
    outcomeLingerMs: 5,
  });
  return { store, transport, dispatcher };
}

function delivery(
  ends: string,
  groupId: string,
  queue: typeof FIFO = FIFO,
  id = newJobId(),
): QueueMessage {
  sent += 1;
  return {
    messageId: `delivery-${sent}`,
    receiptHandle: `handle-${sent}`,
    body: serializeEnvelope({
      version: ENVELOPE_VERSION,
      id,
      type: 'outcome',
      queue: queue.name,
      payload: { ends },
      enqueuedAt: new Date().toISOString(),
    }),
    attributes: { ApproximateReceiveCount: '1', MessageGroupId: groupId },
  };
}

const idOf = (message: QueueMessage) => JSON.parse(message.body).id as string;

describe('kept messages on a FIFO queue', () => {
  it('keeps a retry hidden until it is due, re-sends nothing, and holds back the rest of its group', async () => {
    const { store, transport, dispatcher } = setUp(FIFO);
    const retry = delivery('retry', 'g1');
    const behind = delivery('succeed', 'g1');
    const other = delivery('succeed', 'g2');

    const response = await dispatcher.dispatchBatch([retry, behind, other]);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      retry.messageId,
      behind.messageId,
    ]);
    expect((await store.get(idOf(retry)))?.status).toBe(JobStatus.RETRYING);
    expect(await store.get(idOf(behind))).toBeUndefined();
    expect((await store.get(idOf(other)))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(transport.messages(FIFO.url)).toEqual([]);
    // The held message is visible again at once: in flight, it would hold its group for the
    // queue's whole visibility timeout, past the retry's due time.
    expect(transport.visibilityChanges()).toEqual([
      { queueUrl: FIFO.url, receiptHandle: retry.receiptHandle, seconds: 40 },
      { queueUrl: FIFO.url, receiptHandle: behind.receiptHandle, seconds: 0 },
    ]);
  });

  it('keeps a deferral hidden for its delay', async () => {
    const { store, transport, dispatcher } = setUp(FIFO);
    const defer = delivery('defer', 'g1');
    const response = await dispatcher.dispatchBatch([defer]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: defer.messageId }]);
    expect((await store.get(idOf(defer)))?.status).toBe(JobStatus.DEFERRED);
    expect(transport.messages(FIFO.url)).toEqual([]);
    expect(transport.visibilityChanges()).toEqual([
      { queueUrl: FIFO.url, receiptHandle: defer.receiptHandle, seconds: 120 },
    ]);
  });

  it('keeps a job that is not due yet hidden until it is, when its message comes back early', async () => {
    const { transport, dispatcher } = setUp(FIFO);
    const retry = delivery('retry', 'g1');
    await dispatcher.dispatchBatch([retry]);
    const early = {
      ...retry,
      receiptHandle: 'handle-again',
      attributes: { ApproximateReceiveCount: '2', MessageGroupId: 'g1' },
    };

    const response = await dispatcher.dispatchBatch([early]);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: retry.messageId }]);
    const last = transport.visibilityChanges().at(-1)!;
    expect(last.receiptHandle).toBe('handle-again');
    expect(last.seconds).toBeGreaterThan(30);
    expect(transport.messages(FIFO.url)).toEqual([]);
  });

  it('dead-letters to the FIFO DLQ in the message group, with a deduplication id other than the job id', async () => {
    const { transport, dispatcher } = setUp(FIFO);
    const refused = delivery('refuse', 'account-3');
    await dispatcher.dispatchBatch([refused]);
    const [dead] = transport.messages(FIFO.dlqUrl);
    expect(dead?.groupId).toBe('account-3');
    expect(dead?.deduplicationId).toMatch(new RegExp(`^${idOf(refused)}#`));
  });
});

describe('tenants on a standard queue', () => {
  it('re-sends a retry with the tenant it was received with, and runs a batch side by side', async () => {
    const { transport, dispatcher } = setUp(STANDARD);
    const retry = delivery('retry', 'tenant-a', STANDARD);
    const next = delivery('succeed', 'tenant-a', STANDARD);
    const response = await dispatcher.dispatchBatch([retry, next]);
    // A standard queue keeps no order: nothing is held back, the retry is a new message.
    expect(response.batchItemFailures).toEqual([]);
    const [resent] = transport.messages(STANDARD.url);
    expect(resent?.groupId).toBe('tenant-a');
    expect(resent?.deduplicationId).toBeUndefined();
    expect(resent?.delaySeconds).toBe(40);
  });
});

describe('the monitor rescuing a lost FIFO job', () => {
  it('sends the job again in the group its record keeps, with a deduplication id of its own', async () => {
    const store = createMemoryJobStore();
    const transport = createMemoryQueueTransport();
    const id = newJobId();
    const message = delivery('succeed', 'account-9', FIFO, id);
    const started = new Date(Date.now() - 600_000);
    await store.claim({
      id,
      type: 'outcome',
      queue: FIFO.name,
      enqueuedAt: started.toISOString(),
      maxAttempts: 4,
      leaseExpiresAt: new Date(started.getTime() + 3000).toISOString(),
      now: started.toISOString(),
      envelope: message.body,
      messageId: message.messageId,
      messageGroup: 'account-9',
    });

    const result = await rescueLostJobs(
      { store, keys: createMemoryConcurrencyKeys(), registry, transport },
      FIFO,
      new Date(),
      60,
      new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    );

    expect(result.rescued.map((record) => record.id)).toEqual([id]);
    const [again] = transport.messages(FIFO.url);
    expect(again?.groupId).toBe('account-9');
    expect(again?.deduplicationId).toMatch(new RegExp(`^${id}#`));
  });
});
