import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { createMemoryQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-queue-transport.ts';
import type {
  CircuitBreaker,
  ProbeOutcome,
} from '../../packages/lambda-jobs/src/runtime/circuit/circuit-breaker.ts';
import {
  createDispatcher,
  type DispatcherDeps,
  type QueueMessage,
} from '../../packages/lambda-jobs/src/runtime/dispatcher.ts';
import {
  ENVELOPE_VERSION,
  type JobEnvelope,
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
import { payloadObjectKey } from '../../packages/lambda-jobs/src/runtime/payload-reference.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/**
 * The dispatcher where its stores and queue fail or move under it: every case reads only what
 * a job's record, its messages, the DLQ and its concurrency key say afterwards. The memory
 * adapters keep the DynamoDB store's and SQS's semantics (test/contract) and take injected
 * faults, so each failure lands exactly where the case needs it.
 */

const QUEUE = { name: 'default', url: 'memory://default', dlqUrl: 'memory://default-dlq' };
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const GRACE_MS = 60_000;
const MAX_RECEIVE_COUNT = 4;

type Outcome = 'succeed' | 'fail' | 'unrecoverable' | 'defer';

/** What the job `moved-while-running` does to its own record before it ends. */
let moveRecord: (jobId: string) => Promise<void> = async () => {};

const movedWhileRunning = defineJob({
  type: 'moved-while-running',
  schema: z.object({ outcome: z.enum(['succeed', 'fail', 'unrecoverable', 'defer']) }),
  timeoutSeconds: 3,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 7 },
  run: async (payload, ctx) => {
    await moveRecord(ctx.jobId);
    const outcome: Outcome = payload.outcome;
    if (outcome === 'fail') throw new RetryJobError('try later', { afterSeconds: 7 });
    if (outcome === 'unrecoverable') throw new UnrecoverableJobError('never');
    if (outcome === 'defer') throw new DeferJobError(30, 'not yet');
    return 'done';
  },
});

const succeeds = defineJob({
  type: 'succeeds',
  schema: z.object({}),
  timeoutSeconds: 3,
  retries: 2,
  run: () => 'ok',
});

const breaks = defineJob({
  type: 'breaks',
  schema: z.object({}),
  timeoutSeconds: 3,
  retries: 2,
  run: () => {
    throw new UnrecoverableJobError('the receiver said 404');
  },
});

const retriesLater = defineJob({
  type: 'retries-later',
  schema: z.object({ afterSeconds: z.number().optional() }),
  timeoutSeconds: 3,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 11 },
  run: (payload) => {
    throw new RetryJobError('rate limited', { afterSeconds: payload.afterSeconds });
  },
});

const defers = defineJob({
  type: 'defers',
  schema: z.object({ seconds: z.number() }),
  timeoutSeconds: 3,
  retries: 0,
  run: (payload) => {
    throw new DeferJobError(payload.seconds, 'not ready');
  },
});

/** A tenant-keyed job (fair queues) that asks for a retry: its message is sent on. */
const tenantRetries = defineJob({
  type: 'tenant-retries',
  schema: z.object({ tenant: z.string() }),
  timeoutSeconds: 3,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 7 },
  tenantKey: (payload) => payload.tenant,
  run: () => {
    throw new RetryJobError('later');
  },
});

/** How many `counts-running` jobs run now, and the most that ran at once. */
const running = { now: 0, peak: 0 };

const countsRunning = defineJob({
  type: 'counts-running',
  schema: z.object({}),
  timeoutSeconds: 3,
  run: async () => {
    running.now += 1;
    running.peak = Math.max(running.peak, running.now);
    await new Promise((resolve) => setTimeout(resolve, 20));
    running.now -= 1;
  },
});

/** What the job `abort-hook-acts`'s onAborted does, once, when its attempt is found lost. */
let onLost: (jobId: string) => Promise<void> = async () => {};

const abortHookActs = defineJob({
  type: 'abort-hook-acts',
  schema: z.object({}),
  timeoutSeconds: 3,
  retries: 2,
  run: () => 'ok',
  onAborted: async (_payload, info) => {
    const act = onLost;
    onLost = async () => {};
    await act(info.record.id);
  },
});

/** The concurrency key each job type's envelope carries (enqueue computes it). */
const KEYS: Record<string, string> = {
  'moved-while-running': 'moved:key',
  succeeds: 'succeeds:key',
  breaks: 'breaks:key',
  'retries-later': 'retries:key',
  defers: 'defers:key',
};

const registry = createRegistry([
  movedWhileRunning,
  succeeds,
  breaks,
  retriesLater,
  defers,
  abortHookActs,
  tenantRetries,
  countsRunning,
]);

let clock: number;
let sent = 0;

function setUp(overrides: Partial<DispatcherDeps> = {}) {
  clock = T0;
  const store = createMemoryJobStore();
  const keys = createMemoryConcurrencyKeys();
  const transport = createMemoryQueueTransport({ now: () => new Date(clock) });
  const metrics = capturingMetrics();
  const dispatcher = createDispatcher({
    registry,
    queue: QUEUE,
    transport,
    store,
    keys,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics,
    now: () => new Date(clock),
    lostGraceMs: GRACE_MS,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    outcomeLingerMs: 20,
    ...overrides,
  });
  return { store, keys, transport, metrics, dispatcher };
}

/** The body a producer sends for a job of `type`; the key is the one its type names. */
function envelopeBody(id: string, type: string, payload: unknown): string {
  const concurrencyKey = KEYS[type];
  return serializeEnvelope({
    version: ENVELOPE_VERSION,
    id,
    type,
    queue: QUEUE.name,
    payload,
    enqueuedAt: new Date(clock).toISOString(),
    ...(concurrencyKey ? { options: { concurrencyKey } } : {}),
  });
}

/** A delivery of `body`, the `receiveCount`th. */
function delivery(body: string, receiveCount = 1): QueueMessage {
  sent += 1;
  return {
    messageId: `delivery-${sent}`,
    receiptHandle: `handle-${sent}`,
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

/** The job's key, taken as enqueue takes it. */
async function holdKey(
  keys: ReturnType<typeof createMemoryConcurrencyKeys>,
  key: string,
  id: string,
) {
  const nowSeconds = Math.floor(clock / 1000);
  expect(await keys.acquire(key, id, nowSeconds + 86_400, nowSeconds)).toBe(true);
}

const kept = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

beforeEach(() => {
  moveRecord = async () => {};
  onLost = async () => {};
});

describe('successful outcomes written together', () => {
  it('writes each outcome on its own when the batch write fails, and deletes only then', async () => {
    const { store, transport, dispatcher } = setUp();
    const ids = [newJobId(), newJobId(), newJobId()];
    store.failNext('recordSuccesses');

    const response = await dispatcher.dispatchBatch(
      ids.map((id) => delivery(envelopeBody(id, 'succeeds', {}))),
    );

    expect(kept(response)).toEqual([]);
    for (const id of ids) expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });
});

describe('first deliveries claimed together', () => {
  it('claims each on its own when the batch claim fails as a whole', async () => {
    const store = createMemoryJobStore();
    const { dispatcher } = setUp({
      store: {
        ...store,
        claimMany: async () => {
          throw new Error('Injected failure of claimMany');
        },
      },
    });
    const ids = [newJobId(), newJobId(), newJobId()];

    const response = await dispatcher.dispatchBatch(
      ids.map((id) => delivery(envelopeBody(id, 'succeeds', {}))),
    );

    expect(kept(response)).toEqual([]);
    for (const id of ids) expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
  });
});

describe('an outcome the record refuses (the record moved on while the job ran)', () => {
  /** The monitor's rescue takes the attempt while it runs: RETRYING, due now. */
  function rescuedWhileRunning(store: ReturnType<typeof createMemoryJobStore>) {
    moveRecord = async (jobId) => {
      const record = await store.get(jobId);
      // A second later than the attempt's own outcome, so that the two are told apart.
      const at = new Date(clock + 1000).toISOString();
      expect(
        await store.markLost(record!, new Date(clock + 3_600_000).toISOString(), at, {
          retryAt: at,
        }),
      ).not.toBeNull();
    };
  }

  it.each(['succeed', 'fail', 'unrecoverable', 'defer'] as const)(
    '%s: keeps the message, the rescued record, the key and the DLQ as they are',
    async (outcome) => {
      const { store, keys, transport, metrics, dispatcher } = setUp();
      const id = newJobId();
      await holdKey(keys, 'moved:key', id);
      rescuedWhileRunning(store);
      const message = delivery(envelopeBody(id, 'moved-while-running', { outcome }));

      const response = await dispatcher.dispatchBatch([message]);

      expect(kept(response)).toEqual([message.messageId]);
      const record = await store.get(id);
      expect(record).toMatchObject({ status: JobStatus.RETRYING, attempts: 1 });
      expect(record?.error?.name).toBe('JobLostError');
      expect(keys.holderOf('moved:key')?.jobId).toBe(id);
      expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
      expect(transport.messages(QUEUE.url)).toEqual([]);
      expect(metrics.events.map((e) => e.outcome)).toEqual([]);
      // Left as it is: the record decides at the next delivery (a store error waits 5 s).
      expect(transport.visibilityOf(message.receiptHandle)).toBeUndefined();
    },
  );

  it('a refusal within a batch write keeps that message and deletes the others', async () => {
    const { store, keys, dispatcher } = setUp();
    const moved = newJobId();
    const others = [newJobId(), newJobId()];
    await holdKey(keys, 'moved:key', moved);
    rescuedWhileRunning(store);
    const movedMessage = delivery(
      envelopeBody(moved, 'moved-while-running', { outcome: 'succeed' }),
    );

    const response = await dispatcher.dispatchBatch([
      movedMessage,
      ...others.map((id) => delivery(envelopeBody(id, 'succeeds', {}))),
    ]);

    expect(kept(response)).toEqual([movedMessage.messageId]);
    expect((await store.get(moved))?.status).toBe(JobStatus.RETRYING);
    expect(keys.holderOf('moved:key')?.jobId).toBe(moved);
    for (const id of others) expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
  });
});

describe('an outcome write that keeps failing (a store error, not a refusal)', () => {
  it.each(['fail', 'unrecoverable', 'defer'] as const)(
    '%s: keeps the message, back in 5 s, the attempt RUNNING',
    async (outcome) => {
      const { store, transport, dispatcher } = setUp();
      const id = newJobId();
      for (let i = 0; i < 5; i++) store.failNext('finishAttempt');
      const message = delivery(envelopeBody(id, 'moved-while-running', { outcome }));

      expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
      expect(transport.visibilityOf(message.receiptHandle)).toBe(5);
      expect((await store.get(id))?.status).toBe(JobStatus.RUNNING);
      expect(transport.messages(QUEUE.url)).toEqual([]);
      expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
    },
  );
});

describe('an ERRORED job goes to the DLQ before its message is deleted', () => {
  it('keeps the message when the DLQ send fails, and the redelivery finishes the move once', async () => {
    const { store, keys, transport, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'breaks:key', id);
    const body = envelopeBody(id, 'breaks', {});
    transport.failNext('send');

    const first = delivery(body);
    expect(kept(await dispatcher.dispatchBatch([first]))).toEqual([first.messageId]);
    const errored = await store.get(id);
    expect(errored?.status).toBe(JobStatus.ERRORED);
    expect(errored?.deadLetteredAt).toBeUndefined();
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
    expect(keys.holderOf('breaks:key')).toBeUndefined();

    const again = delivery(body, 2);
    expect(kept(await dispatcher.dispatchBatch([again]))).toEqual([]);
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
    expect((await store.get(id))?.deadLetteredAt).toBe(new Date(clock).toISOString());
  });

  it('keeps the message when deadLetteredAt cannot be written after the DLQ send', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    const body = envelopeBody(id, 'breaks', {});
    store.failNext('markDeadLettered');

    const first = delivery(body);
    expect(kept(await dispatcher.dispatchBatch([first]))).toEqual([first.messageId]);
    expect((await store.get(id))?.deadLetteredAt).toBeUndefined();
  });

  it('a duplicate delivery of a dead-lettered job adds no second DLQ copy', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    const body = envelopeBody(id, 'breaks', {});
    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    expect(transport.messages(QUEUE.dlqUrl)).toHaveLength(1);
    const dead = await store.get(id);
    expect(dead?.deadLetteredAt).toBeDefined();

    clock += 5000;
    expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)]))).toEqual([]);
    expect(transport.messages(QUEUE.dlqUrl)).toHaveLength(1);
    expect(await store.get(id)).toEqual(dead);
  });
});

describe('a delivery that finds its job RUNNING', () => {
  /** Another delivery's attempt, claimed at T0 with a lease to T0 + leaseMs. */
  async function runningElsewhere(
    store: ReturnType<typeof createMemoryJobStore>,
    id: string,
    leaseMs: number,
  ) {
    const claim = await store.claim({
      id,
      type: 'succeeds',
      queue: QUEUE.name,
      enqueuedAt: new Date(T0).toISOString(),
      maxAttempts: 3,
      leaseExpiresAt: new Date(T0 + leaseMs).toISOString(),
      now: new Date(T0).toISOString(),
      messageId: 'the-other-delivery',
      claimToken: 'the-other-attempt',
    });
    expect(claim.kind).toBe('claimed');
  }

  it('under a live lease: keeps the message, hidden until the lease and grace are over', async () => {
    const { store, keys, transport, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'succeeds:key', id);
    await runningElsewhere(store, id, 30_000);
    clock = T0 + 10_000;
    const message = delivery(envelopeBody(id, 'succeeds', {}), 2);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    // 30 s lease + 60 s grace, 10 s of it gone.
    expect(transport.visibilityOf(message.receiptHandle)).toBe(80);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.RUNNING,
      claimToken: 'the-other-attempt',
    });
    expect(keys.holderOf('succeeds:key')?.jobId).toBe(id);
  });

  it('a second before the grace is over: still postponed', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    await runningElsewhere(store, id, 30_000);
    clock = T0 + 30_000 + GRACE_MS - 1000;
    const message = delivery(envelopeBody(id, 'succeeds', {}), 2);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(transport.visibilityOf(message.receiptHandle)).toBe(1);
    expect((await store.get(id))?.status).toBe(JobStatus.RUNNING);
  });

  it('once lease and grace are over: the attempt is lost and this delivery runs the retry', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    await runningElsewhere(store, id, 30_000);
    clock = T0 + 30_000 + GRACE_MS + 1;
    const message = delivery(envelopeBody(id, 'succeeds', {}), 2);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([]);
    const record = await store.get(id);
    expect(record).toMatchObject({ status: JobStatus.SUCCESSFUL, attempts: 2, lostAttempts: 1 });
    expect(transport.visibilityOf(message.receiptHandle)).toBeUndefined();
  });
});

describe("SQS's last delivery of a job that never got an outcome", () => {
  it('says on a FIFO queue that its retries, deferrals and waits count as deliveries too', async () => {
    const fifoQueue = {
      name: 'default',
      url: 'memory://default.fifo',
      dlqUrl: 'memory://default-dlq.fifo',
    };
    const { store, transport, dispatcher } = setUp({ queue: fifoQueue });
    const id = newJobId();
    const body = envelopeBody(id, 'succeeds', {});

    expect(kept(await dispatcher.dispatchBatch([delivery(body, MAX_RECEIVE_COUNT)]))).toEqual([]);
    const record = await store.get(id);
    expect(record).toMatchObject({ status: JobStatus.ERRORED });
    expect(record?.error?.name).toBe('DeliveryLimitError');
    expect(record?.error?.message).toContain(
      `Delivered ${MAX_RECEIVE_COUNT} times (the queue's maxReceiveCount is ${MAX_RECEIVE_COUNT})`,
    );
    expect(record?.error?.message).toContain('On a FIFO queue every retry, deferral and wait');
    expect(transport.messages(fifoQueue.dlqUrl).map((m) => m.body)).toEqual([body]);
  });

  it('records ERRORED (delivery limit), moves the message to the DLQ and releases the key', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'succeeds:key', id);
    const body = envelopeBody(id, 'succeeds', {});

    const last = delivery(body, MAX_RECEIVE_COUNT);
    expect(kept(await dispatcher.dispatchBatch([last]))).toEqual([]);
    const record = await store.get(id);
    expect(record).toMatchObject({
      status: JobStatus.ERRORED,
      deadLetteredAt: new Date(clock).toISOString(),
    });
    expect(record?.error?.name).toBe('DeliveryLimitError');
    expect(record?.error?.message).toContain(
      `Delivered ${MAX_RECEIVE_COUNT} times without an outcome (the queue's maxReceiveCount is ${MAX_RECEIVE_COUNT})`,
    );
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
    expect(keys.holderOf('succeeds:key')).toBeUndefined();
    expect(metrics.events.map((e) => e.outcome)).toEqual(['errored']);
  });

  it('keeps the message for SQS to dead-letter when the DLQ send fails', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    transport.failNext('send');

    const last = delivery(envelopeBody(id, 'succeeds', {}), MAX_RECEIVE_COUNT);
    expect(kept(await dispatcher.dispatchBatch([last]))).toEqual([last.messageId]);
    const record = await store.get(id);
    expect(record?.status).toBe(JobStatus.ERRORED);
    expect(record?.deadLetteredAt).toBeUndefined();
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });

  it('keeps the message when the ERRORED record cannot be written', async () => {
    const { store, keys, transport, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'succeeds:key', id);
    for (let i = 0; i < 3; i++) store.failNext('finishAttempt');

    const last = delivery(envelopeBody(id, 'succeeds', {}), MAX_RECEIVE_COUNT);
    expect(kept(await dispatcher.dispatchBatch([last]))).toEqual([last.messageId]);
    expect((await store.get(id))?.status).toBe(JobStatus.RUNNING);
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
    expect(keys.holderOf('succeeds:key')?.jobId).toBe(id);
  });
});

describe('a message that can never run', () => {
  it('is kept, with no record written, when the DLQ send fails', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    transport.failNext('send');

    const message = delivery(envelopeBody(id, 'no-such-type', {}));
    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(await store.get(id)).toBeUndefined();
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });

  it('is kept when it names a job whose attempt is live, and deleted when that job succeeded', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    const good = delivery(envelopeBody(id, 'succeeds', {}));
    expect(kept(await dispatcher.dispatchBatch([good]))).toEqual([]);
    const succeeded = await store.get(id);

    const bad = delivery(envelopeBody(id, 'no-such-type', {}));
    expect(kept(await dispatcher.dispatchBatch([bad]))).toEqual([]);
    expect(await store.get(id)).toEqual(succeeded);
  });
});

describe('where each outcome leaves the job', () => {
  it('a retry the job asks for: RETRYING, due after the whole seconds asked, message sent on', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'retries:key', id);
    const body = envelopeBody(id, 'retries-later', { afterSeconds: 7.2 });

    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.RETRYING,
      attempts: 1,
      retryAt: new Date(clock + 8000).toISOString(),
    });
    expect(transport.messages(QUEUE.url).map((m) => [m.body, m.delaySeconds])).toEqual([[body, 8]]);
    expect(keys.holderOf('retries:key')?.jobId).toBe(id);
    expect(metrics.events.map((e) => e.outcome)).toEqual(['retried']);
  });

  it('a retry asked beyond 12 hours is due in 12 hours', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    await dispatcher.dispatchBatch([
      delivery(envelopeBody(id, 'retries-later', { afterSeconds: 90_000 })),
    ]);
    expect((await store.get(id))?.retryAt).toBe(new Date(clock + 43_200_000).toISOString());
  });

  it('a deferral: DEFERRED without spending the attempt, message sent on, key kept', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'defers:key', id);
    const body = envelopeBody(id, 'defers', { seconds: 30 });

    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.DEFERRED,
      attempts: 0,
      retryAt: new Date(clock + 30_000).toISOString(),
      deferReason: 'not ready',
    });
    expect(transport.messages(QUEUE.url).map((m) => [m.body, m.delaySeconds])).toEqual([
      [body, 30],
    ]);
    expect(keys.holderOf('defers:key')?.jobId).toBe(id);
    expect(metrics.events.map((e) => e.outcome)).toEqual(['deferred']);
  });

  it('an error: ERRORED, in the DLQ, key released, counted once', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'breaks:key', id);
    const body = envelopeBody(id, 'breaks', {});

    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: JobStatus.ERRORED, attempts: 1 });
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
    expect(keys.holderOf('breaks:key')).toBeUndefined();
    expect(metrics.events.map((e) => e.outcome)).toEqual(['errored']);
  });

  it('a success: SUCCESSFUL, key released, counted once', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'succeeds:key', id);

    expect(
      kept(await dispatcher.dispatchBatch([delivery(envelopeBody(id, 'succeeds', {}))])),
    ).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: JobStatus.SUCCESSFUL, output: 'ok' });
    expect(keys.holderOf('succeeds:key')).toBeUndefined();
    expect(transport.messages(QUEUE.url)).toEqual([]);
    expect(metrics.events.map((e) => e.outcome)).toEqual(['succeeded']);
  });

  it('a duplicate of a finished job releases a key left held, deletes, and counts a duplicate', async () => {
    const { store, keys, metrics, dispatcher } = setUp();
    const id = newJobId();
    const body = envelopeBody(id, 'succeeds', {});
    await dispatcher.dispatchBatch([delivery(body)]);
    const done = await store.get(id);
    await holdKey(keys, 'succeeds:key', id);

    expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)]))).toEqual([]);
    expect(keys.holderOf('succeeds:key')).toBeUndefined();
    expect(await store.get(id)).toEqual(done);
    expect(metrics.events.map((e) => e.outcome)).toEqual(['succeeded', 'duplicate']);
  });

  it('a lost last attempt: LOST, its message to the DLQ, key released', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'succeeds:key', id);
    const claim = await store.claim({
      id,
      type: 'succeeds',
      queue: QUEUE.name,
      enqueuedAt: new Date(T0).toISOString(),
      maxAttempts: 1,
      leaseExpiresAt: new Date(T0 + 30_000).toISOString(),
      now: new Date(T0).toISOString(),
      concurrencyKey: 'succeeds:key',
    });
    expect(claim.kind).toBe('claimed');
    clock = T0 + 30_000 + GRACE_MS + 1;
    const body = envelopeBody(id, 'succeeds', {});

    expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)]))).toEqual([]);
    const record = await store.get(id);
    expect(record?.status).toBe(JobStatus.LOST);
    expect(record?.deadLetteredAt).toBe(new Date(clock).toISOString());
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
    expect(keys.holderOf('succeeds:key')).toBeUndefined();
    expect(metrics.events.map((e) => e.outcome)).toEqual(['lost']);
  });

  it('a body that is not an envelope: ERRORED under the id and key it names, key released', async () => {
    const { store, keys, transport, metrics, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'acct:9', id);
    const body = JSON.stringify({ id, options: { concurrencyKey: 'acct:9' } });
    const message = delivery(body);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([]);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.ERRORED,
      type: 'unknown',
      attempts: 0,
      messageId: message.messageId,
      concurrencyKey: 'acct:9',
      enqueuedAt: new Date(clock).toISOString(),
      deadLetteredAt: new Date(clock).toISOString(),
    });
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
    expect(keys.holderOf('acct:9')).toBeUndefined();
    expect(metrics.events.map((e) => e.outcome)).toEqual(['rejected']);
  });
});

describe('records that moved between reading and writing', () => {
  it('keeps the message when the lost mark is refused (another rescue took the attempt)', async () => {
    const { store, transport, metrics } = setUp();
    const id = newJobId();
    await store.claim({
      id,
      type: 'succeeds',
      queue: QUEUE.name,
      enqueuedAt: new Date(T0).toISOString(),
      maxAttempts: 3,
      leaseExpiresAt: new Date(T0 + 30_000).toISOString(),
      now: new Date(T0).toISOString(),
    });
    const running = await store.get(id);
    clock = T0 + 30_000 + GRACE_MS + 1;
    const dispatcher = createDispatcher({
      registry,
      queue: QUEUE,
      transport,
      store: { ...store, markLost: async () => null },
      keys: createMemoryConcurrencyKeys(),
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics,
      now: () => new Date(clock),
      lostGraceMs: GRACE_MS,
    });
    const message = delivery(envelopeBody(id, 'succeeds', {}), 2);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(await store.get(id)).toEqual(running);
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });

  it('a job the monitor marked LOST before its message reached the DLQ: moved there now', async () => {
    const { store, keys, transport, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'succeeds:key', id);
    const claim = await store.claim({
      id,
      type: 'succeeds',
      queue: QUEUE.name,
      enqueuedAt: new Date(T0).toISOString(),
      maxAttempts: 1,
      leaseExpiresAt: new Date(T0 + 30_000).toISOString(),
      now: new Date(T0).toISOString(),
      concurrencyKey: 'succeeds:key',
    });
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    clock = T0 + 30_000 + GRACE_MS + 1;
    const at = new Date(clock).toISOString();
    expect((await store.markLost(claim.record, at, at))?.status).toBe(JobStatus.LOST);
    const body = envelopeBody(id, 'succeeds', {});

    expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)]))).toEqual([]);
    expect((await store.get(id))?.deadLetteredAt).toBe(at);
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
    expect(keys.holderOf('succeeds:key')).toBeUndefined();
  });

  it('keeps a rejected message whose ERRORED record cannot be written (a store error)', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    for (let i = 0; i < 3; i++) store.failNext('recordRejected');
    const message = delivery(envelopeBody(id, 'no-such-type', {}));

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(await store.get(id)).toBeUndefined();
  });

  it('records a body with no readable id under its message id', async () => {
    const { store, dispatcher } = setUp();
    const message = delivery('{oops');

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([]);
    expect((await store.get(`msg-${message.messageId}`))?.status).toBe(JobStatus.ERRORED);
  });

  it('a retry without a time of its own waits as the job type’s policy says', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    await dispatcher.dispatchBatch([delivery(envelopeBody(id, 'retries-later', {}))]);
    expect((await store.get(id))?.retryAt).toBe(new Date(clock + 11_000).toISOString());
  });
});

describe('sending a job on when the send fails', () => {
  /** Every try of the next re-send fails (retryTransient makes three). */
  function failResend(transport: ReturnType<typeof createMemoryQueueTransport>) {
    for (let i = 0; i < 3; i++) transport.failNext('send');
  }

  it('a retry whose re-send fails: message kept, back in 5 s, the record says when it is due', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    failResend(transport);
    const message = delivery(envelopeBody(id, 'retries-later', { afterSeconds: 7 }));

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(transport.visibilityOf(message.receiptHandle)).toBe(5);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.RETRYING,
      retryAt: new Date(clock + 7000).toISOString(),
    });
    expect(transport.messages(QUEUE.url)).toEqual([]);
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });

  it("on SQS's last delivery a failed re-send dead-letters the job instead", async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    const body = envelopeBody(id, 'retries-later', { afterSeconds: 30 });
    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    clock += 10_000;
    failResend(transport);

    // A copy of the message, not due yet, on its last delivery.
    const last = delivery(body, MAX_RECEIVE_COUNT);
    expect(kept(await dispatcher.dispatchBatch([last]))).toEqual([]);
    expect((await store.get(id))?.status).toBe(JobStatus.ERRORED);
    expect(transport.messages(QUEUE.dlqUrl).map((m) => m.body)).toEqual([body]);
  });
});

describe("a batch's messages of one group", () => {
  const FIFO_QUEUE = {
    name: 'default',
    url: 'memory://default.fifo',
    dlqUrl: 'memory://default-dlq.fifo',
  };

  /** A delivery of `body` in message group `group`. */
  function inGroup(body: string, group: string): QueueMessage {
    const message = delivery(body);
    return { ...message, attributes: { ...message.attributes, MessageGroupId: group } };
  }

  it('FIFO: a kept message holds back the rest of its group, unrun and visible again at once; other groups run', async () => {
    const { store, transport, dispatcher } = setUp({ queue: FIFO_QUEUE });
    const [first, second, third, other] = [newJobId(), newJobId(), newJobId(), newJobId()];
    const messages = [
      inGroup(envelopeBody(first, 'retries-later', {}), 'g1'),
      inGroup(envelopeBody(other, 'succeeds', {}), 'g2'),
      inGroup(envelopeBody(second, 'succeeds', {}), 'g1'),
      inGroup(envelopeBody(third, 'succeeds', {}), 'g1'),
    ];
    const [retried, ran, heldSecond, heldThird] = messages as [
      QueueMessage,
      QueueMessage,
      QueueMessage,
      QueueMessage,
    ];

    const response = await dispatcher.dispatchBatch(messages);
    expect([...kept(response)].sort()).toEqual(
      [retried.messageId, heldSecond.messageId, heldThird.messageId].sort(),
    );
    expect((await store.get(first))?.status).toBe(JobStatus.RETRYING);
    expect(transport.visibilityOf(retried.receiptHandle)).toBe(11);
    expect(await store.get(second)).toBeUndefined();
    expect(await store.get(third)).toBeUndefined();
    expect(transport.visibilityOf(heldSecond.receiptHandle)).toBe(0);
    expect(transport.visibilityOf(heldThird.receiptHandle)).toBe(0);
    expect((await store.get(other))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(transport.visibilityOf(ran.receiptHandle)).toBeUndefined();
    expect(transport.messages(FIFO_QUEUE.url)).toEqual([]);
  });

  it('standard queue: a kept message of a tenant holds nothing back', async () => {
    const { store, transport, dispatcher } = setUp();
    // Every try of the retry's re-send fails (retryTransient makes three): its message is kept.
    for (let i = 0; i < 3; i++) transport.failNext('send');
    const [first, second] = [newJobId(), newJobId()];
    const retried = inGroup(envelopeBody(first, 'retries-later', {}), 't1');
    const next = inGroup(envelopeBody(second, 'succeeds', {}), 't1');

    expect(kept(await dispatcher.dispatchBatch([retried, next]))).toEqual([retried.messageId]);
    expect((await store.get(second))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(transport.visibilityOf(next.receiptHandle)).toBeUndefined();
  });
});

describe('the tenant of a message sent on, when the delivery has no MessageGroupId', () => {
  const BUCKET = 'job-payloads';

  it('comes from the inline payload', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    const body = envelopeBody(id, 'tenant-retries', { tenant: 'acme' });

    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    expect((await store.get(id))?.status).toBe(JobStatus.RETRYING);
    expect(transport.messages(QUEUE.url).map((m) => [m.body, m.groupId])).toEqual([[body, 'acme']]);
  });

  it('comes from the payload read from the bucket, for a message that carries only its reference', async () => {
    const id = newJobId();
    const text = JSON.stringify({ tenant: 'acme' });
    const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
    const { store, transport, dispatcher } = setUp({
      payloads: { store: { bucket: BUCKET, get: async () => text }, maxBytes: 1_000_000 },
    });
    const body = serializeEnvelope({
      version: ENVELOPE_VERSION,
      id,
      type: 'tenant-retries',
      queue: QUEUE.name,
      payloadRef: {
        bucket: BUCKET,
        key: payloadObjectKey(id, sha256),
        bytes: Buffer.byteLength(text),
        sha256,
      },
      enqueuedAt: new Date(clock).toISOString(),
      // The reference instead of the payload, as payload-offload.ts sends it.
    } as JobEnvelope);

    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    expect((await store.get(id))?.status).toBe(JobStatus.RETRYING);
    expect(transport.messages(QUEUE.url).map((m) => [m.body, m.groupId])).toEqual([[body, 'acme']]);
  });
});

describe('the deadline guard (timeout 3 s, margin 2 s)', () => {
  it.each([
    { remainingMs: 5000, runs: true },
    { remainingMs: 4999, runs: false },
  ])(
    'with $remainingMs ms of the invocation left the job runs here: $runs',
    async ({ remainingMs, runs }) => {
      const { store, transport, dispatcher } = setUp();
      const id = newJobId();
      const body = envelopeBody(id, 'succeeds', {});
      const invocation = { getRemainingTimeInMillis: () => remainingMs };

      expect(kept(await dispatcher.dispatchBatch([delivery(body)], invocation))).toEqual([]);
      if (runs) {
        expect(await store.get(id)).toMatchObject({ status: JobStatus.SUCCESSFUL, attempts: 1 });
        expect(transport.messages(QUEUE.url)).toEqual([]);
      } else {
        // Sent again, due at once, without a claim: no record, no attempt spent.
        expect(await store.get(id)).toBeUndefined();
        expect(transport.messages(QUEUE.url).map((m) => [m.body, m.delaySeconds])).toEqual([
          [body, 0],
        ]);
      }
    },
  );
});

describe("a job type's circuit", () => {
  it("gives a probe its turn for the job's timeout and the lost-attempt grace, and reports how it ended", async () => {
    const turns: { type: string; jobId: string; leaseMs: number }[] = [];
    const ends: { type: string; jobId: string; outcome: ProbeOutcome }[] = [];
    const circuits: CircuitBreaker = {
      gate: async (type, jobId, leaseMs) => {
        turns.push({ type, jobId, leaseMs });
        return { kind: 'probe', generation: 1 };
      },
      recordAttempt: () => {},
      endProbe: async (type, _generation, jobId, outcome) => {
        ends.push({ type, jobId, outcome });
      },
      flush: async () => {},
    };
    const { store, dispatcher } = setUp({ circuits });
    const id = newJobId();

    expect(
      kept(await dispatcher.dispatchBatch([delivery(envelopeBody(id, 'succeeds', {}))])),
    ).toEqual([]);
    // No second probe can take the turn while this one may still be running (3 s) or be
    // found lost (the grace after its lease).
    expect(turns).toEqual([{ type: 'succeeds', jobId: id, leaseMs: 3000 + GRACE_MS }]);
    expect(ends).toEqual([{ type: 'succeeds', jobId: id, outcome: 'succeeded' }]);
    expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
  });
});

describe("a batch's records run side by side", () => {
  it('at most recordConcurrency at once', async () => {
    running.peak = 0;
    const { store, dispatcher } = setUp({ recordConcurrency: 2 });
    const ids = [newJobId(), newJobId(), newJobId(), newJobId()];

    const response = await dispatcher.dispatchBatch(
      ids.map((id) => delivery(envelopeBody(id, 'counts-running', {}))),
    );
    expect(kept(response)).toEqual([]);
    expect(running.peak).toBe(2);
    for (const id of ids) expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
  });
});

describe('a delivery of a job that is not due yet', () => {
  it('sends the message on to arrive when the job is due, and leaves the record as it is', async () => {
    const { store, keys, transport, dispatcher } = setUp();
    const id = newJobId();
    await holdKey(keys, 'retries:key', id);
    const body = envelopeBody(id, 'retries-later', { afterSeconds: 30 });
    expect(kept(await dispatcher.dispatchBatch([delivery(body)]))).toEqual([]);
    const waiting = await store.get(id);
    clock += 10_000;

    // An older copy of the message (its re-send happened, its deletion did not).
    expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)]))).toEqual([]);
    expect(transport.messages(QUEUE.url).map((m) => [m.body, m.delaySeconds])).toEqual([
      [body, 30],
      [body, 20],
    ]);
    expect(await store.get(id)).toEqual(waiting);
    expect(keys.holderOf('retries:key')?.jobId).toBe(id);
  });
});

describe('what the running attempt records', () => {
  it('its lease ends a timeout after the claim, its duration is the time it ran', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    let lease: string | undefined;
    moveRecord = async (jobId) => {
      lease = (await store.get(jobId))?.leaseExpiresAt;
      clock += 1500;
    };

    await dispatcher.dispatchBatch([
      delivery(envelopeBody(id, 'moved-while-running', { outcome: 'succeed' })),
    ]);
    expect(lease).toBe(new Date(T0 + 3000).toISOString());
    expect(await store.get(id)).toMatchObject({ status: JobStatus.SUCCESSFUL, durationMs: 1500 });
  });

  it('a message without SQS attributes counts as a first delivery and runs', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    const { attributes: _, ...bare } = delivery(envelopeBody(id, 'succeeds', {}));

    expect(kept(await dispatcher.dispatchBatch([bare]))).toEqual([]);
    expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
  });

  it('with a maxReceiveCount of 1 the first delivery runs the job (no earlier delivery failed)', async () => {
    const { store, transport, dispatcher } = setUp({ maxReceiveCount: 1 });
    const id = newJobId();

    expect(
      kept(await dispatcher.dispatchBatch([delivery(envelopeBody(id, 'succeeds', {}))])),
    ).toEqual([]);
    expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });

  it('a message whose claim keeps failing is kept and comes back in 5 s; no record', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    for (let i = 0; i < 3; i++) store.failNext('claim');
    const message = delivery(envelopeBody(id, 'succeeds', {}));

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(transport.visibilityOf(message.receiptHandle)).toBe(5);
    expect(await store.get(id)).toBeUndefined();
  });
});

describe('a lost attempt whose retry this delivery runs', () => {
  /** An attempt claimed with `token` at `at`, its lease `leaseMs` long. */
  async function claimedElsewhere(
    store: ReturnType<typeof createMemoryJobStore>,
    id: string,
    token: string,
    at: number,
    leaseMs: number,
  ) {
    const claim = await store.claim({
      id,
      type: 'abort-hook-acts',
      queue: QUEUE.name,
      enqueuedAt: new Date(T0).toISOString(),
      maxAttempts: 3,
      leaseExpiresAt: new Date(at + leaseMs).toISOString(),
      now: new Date(at).toISOString(),
      messageId: 'the-other-delivery',
      claimToken: token,
    });
    expect(claim.kind).toBe('claimed');
  }

  /** A lost first attempt (lease and grace over) found by a second delivery. */
  async function lostFirstAttempt(store: ReturnType<typeof createMemoryJobStore>, id: string) {
    await claimedElsewhere(store, id, 'first-attempt', T0, 3000);
    clock = T0 + 3000 + GRACE_MS + 1;
  }

  it.each([
    { hookTakesMs: 1000, runs: true },
    { hookTakesMs: 2000, runs: false },
  ])(
    'the onAborted hook takes $hookTakesMs ms of 6 s left: the retry runs here: $runs',
    async ({ hookTakesMs, runs }) => {
      const { store, transport, dispatcher } = setUp();
      const id = newJobId();
      await lostFirstAttempt(store, id);
      const deadline = clock + 6000;
      const invocation = { getRemainingTimeInMillis: () => deadline - clock };
      onLost = async () => {
        clock += hookTakesMs;
      };
      const body = envelopeBody(id, 'abort-hook-acts', {});

      expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)], invocation))).toEqual([]);
      const record = await store.get(id);
      if (runs) {
        expect(record).toMatchObject({ status: JobStatus.SUCCESSFUL, attempts: 2 });
        expect(transport.messages(QUEUE.url)).toEqual([]);
      } else {
        expect(record).toMatchObject({ status: JobStatus.RETRYING, attempts: 1, lostAttempts: 1 });
        expect(transport.messages(QUEUE.url).map((m) => m.body)).toEqual([body]);
      }
    },
  );

  it('another delivery claims the retry first: this one is kept until that attempt is over', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    await lostFirstAttempt(store, id);
    onLost = (jobId) => claimedElsewhere(store, jobId, 'other-retry', clock, 3000);
    const message = delivery(envelopeBody(id, 'abort-hook-acts', {}), 2);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.RUNNING,
      claimToken: 'other-retry',
    });
    expect(transport.visibilityOf(message.receiptHandle)).toBe(63);
    expect(transport.messages(QUEUE.url)).toEqual([]);
  });

  it('another delivery finished the retry first: this one is deleted as a duplicate', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    await lostFirstAttempt(store, id);
    onLost = async (jobId) => {
      await claimedElsewhere(store, jobId, 'other-retry', clock, 3000);
      const running = await store.get(jobId);
      await store.finishAttempt(
        running!,
        { status: JobStatus.SUCCESSFUL, durationMs: 5 },
        new Date(clock).toISOString(),
      );
    };

    expect(
      kept(await dispatcher.dispatchBatch([delivery(envelopeBody(id, 'abort-hook-acts', {}), 2)])),
    ).toEqual([]);
    expect((await store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(transport.messages(QUEUE.url)).toEqual([]);
    expect(transport.messages(QUEUE.dlqUrl)).toEqual([]);
  });

  it('the retry ran elsewhere and waits for its next try: this message is sent on until then', async () => {
    const { store, transport, dispatcher } = setUp();
    const id = newJobId();
    await lostFirstAttempt(store, id);
    onLost = async (jobId) => {
      await claimedElsewhere(store, jobId, 'other-retry', clock, 3000);
      const running = await store.get(jobId);
      await store.finishAttempt(
        running!,
        {
          status: JobStatus.RETRYING,
          durationMs: 5,
          error: { name: 'Error', message: 'rate limited' },
          retryAt: new Date(clock + 30_000).toISOString(),
        },
        new Date(clock).toISOString(),
      );
    };
    const body = envelopeBody(id, 'abort-hook-acts', {});

    expect(kept(await dispatcher.dispatchBatch([delivery(body, 2)]))).toEqual([]);
    expect(await store.get(id)).toMatchObject({ status: JobStatus.RETRYING, attempts: 2 });
    expect(transport.messages(QUEUE.url).map((m) => [m.body, m.delaySeconds])).toEqual([
      [body, 30],
    ]);
  });

  it('the retry claimed elsewhere is lost too: recorded, and this message kept for the next retry', async () => {
    const { store, dispatcher } = setUp();
    const id = newJobId();
    await lostFirstAttempt(store, id);
    // Claimed long ago by another delivery: its lease and grace are over already.
    onLost = (jobId) =>
      claimedElsewhere(store, jobId, 'other-retry', clock - GRACE_MS - 10_000, 3000);
    const message = delivery(envelopeBody(id, 'abort-hook-acts', {}), 2);

    expect(kept(await dispatcher.dispatchBatch([message]))).toEqual([message.messageId]);
    expect(await store.get(id)).toMatchObject({
      status: JobStatus.RETRYING,
      attempts: 2,
      lostAttempts: 2,
    });
  });
});
