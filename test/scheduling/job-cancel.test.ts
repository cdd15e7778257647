import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { createMemoryQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-queue-transport.ts';
import {
  JobInputError,
  JobNotFoundError,
  JobStateConflictError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { createJobClient } from '../../packages/lambda-jobs/src/runtime/job-client.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { DelayedDelivery } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { aborted, echo, keyed, testRegistry } from '../support/test-jobs.ts';

const QUEUES = { default: { url: 'memory://default', dlqUrl: 'memory://default-dlq' } };

/** A delayed delivery that keeps its schedules in a map. */
function fakeDelayedDelivery() {
  const pending = new Map<string, { queueUrl: string; body: string; at: Date }>();
  const delivery: DelayedDelivery & { pending: typeof pending } = {
    pending,
    async schedule(jobId, queueUrl, body, at) {
      pending.set(jobId, { queueUrl, body, at });
    },
    async cancel(jobId) {
      return pending.delete(jobId);
    },
  };
  return delivery;
}

function setUp(tracking: 'full' | 'minimal' = 'full') {
  const store = createMemoryJobStore();
  const keys = createMemoryConcurrencyKeys();
  const transport = createMemoryQueueTransport();
  const delayedDelivery = fakeDelayedDelivery();
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const client = createJobClient({
    registry: testRegistry,
    queues: QUEUES,
    transport,
    store,
    keys,
    tracking,
    delayedDelivery,
    logger,
  });
  /** What a worker does when it picks the job up. */
  const claim = (id: string) =>
    store.claim({
      id,
      type: 'keyed',
      queue: 'default',
      enqueuedAt: new Date().toISOString(),
      maxAttempts: 1,
      leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      now: new Date().toISOString(),
      concurrencyKey: 'account:a1',
    });
  return { store, keys, transport, delayedDelivery, logger, client, claim };
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  aborted.length = 0;
});

describe('cancel: a job waiting in SQS (delay up to 15 minutes)', () => {
  it('records CANCELLED, releases the concurrency key and runs onAborted', async () => {
    // Prepare
    const { client, store, keys, delayedDelivery } = setUp();
    const id = (await client.enqueue(keyed, { account: 'a1' }, { delay: 60 }))!;

    // Act
    const record = await client.cancel(id);

    // Assess
    expect(record.status).toBe(JobStatus.CANCELLED);
    expect((await store.get(id))?.status).toBe(JobStatus.CANCELLED);
    expect(keys.holderOf('account:a1')).toBeUndefined();
    expect(aborted).toEqual([{ id, payload: { account: 'a1' }, status: JobStatus.CANCELLED }]);
    expect(delayedDelivery.pending.size).toBe(0);
  });

  it('lets the next job with the same key in once cancelled', async () => {
    // Prepare
    const { client } = setUp();
    const first = (await client.enqueue(keyed, { account: 'a1' }))!;
    const refused = await client.enqueue(keyed, { account: 'a1' });

    // Act
    await client.cancel(first);
    const next = await client.enqueue(keyed, { account: 'a1' });

    // Assess
    expect(refused).toBeNull();
    expect(next).toEqual(expect.any(String));
  });

  it('cancels a job waiting for its retry', async () => {
    // Prepare
    const { client, store, claim } = setUp();
    const id = (await client.enqueue(keyed, { account: 'a1' }))!;
    const claimed = await claim(id);
    if (claimed.kind !== 'claimed') throw new Error('expected a claim');
    await store.finishAttempt(
      claimed.record,
      {
        status: JobStatus.RETRYING,
        durationMs: 5,
        error: { name: 'Error', message: 'boom' },
        retryAt: new Date(Date.now() + 30_000).toISOString(),
      },
      new Date().toISOString(),
    );

    // Act
    const record = await client.cancel(id);

    // Assess
    expect(record.status).toBe(JobStatus.CANCELLED);
  });
});

describe('cancel: a job waiting in a one-time schedule (delay beyond 15 minutes or runAt)', () => {
  it('deletes its schedule as well', async () => {
    // Prepare
    const { client, delayedDelivery, keys } = setUp();
    const id = (await client.enqueue(keyed, { account: 'a1' }, { delay: 3600 }))!;
    const waiting = delayedDelivery.pending.has(id);

    // Act
    const record = await client.cancel(id);

    // Assess
    expect(waiting).toBe(true);
    expect(delayedDelivery.pending.has(id)).toBe(false);
    expect(record.status).toBe(JobStatus.CANCELLED);
    expect(keys.holderOf('account:a1')).toBeUndefined();
  });

  it('deletes the delivery of a retry or a deferral due beyond 15 minutes', async () => {
    for (const status of [JobStatus.RETRYING, JobStatus.DEFERRED] as const) {
      // Prepare: the attempt ended; the dispatcher re-sent the job through the delayed delivery.
      const { client, store, claim, delayedDelivery } = setUp();
      const id = (await client.enqueue(keyed, { account: 'a1' }))!;
      const claimed = await claim(id);
      if (claimed.kind !== 'claimed') throw new Error('expected a claim');
      const retryAt = new Date(Date.now() + 7_200_000).toISOString();
      await store.finishAttempt(
        claimed.record,
        status === JobStatus.RETRYING
          ? { status, durationMs: 5, error: { name: 'Error', message: 'boom' }, retryAt }
          : { status, durationMs: 5, retryAt, reason: 'not yet' },
        new Date().toISOString(),
      );
      const delivery = `${id}#due-${Date.parse(retryAt)}`;
      await delayedDelivery.schedule(delivery, QUEUES.default.url, '{}', new Date(retryAt));

      // Act
      const record = await client.cancel(id);

      // Assess
      expect(record.status, status).toBe(JobStatus.CANCELLED);
      expect([...delayedDelivery.pending.keys()], status).toEqual([]);
    }
  });

  it('still cancels when the schedule cannot be deleted: the worker skips the delivery', async () => {
    // Prepare
    const { client, delayedDelivery, logger } = setUp();
    const id = (await client.enqueue(
      echo,
      { n: 1 },
      { runAt: new Date(Date.now() + 86_400_000) },
    ))!;
    delayedDelivery.cancel = async () => {
      throw new Error('ThrottlingException');
    };
    const warn = vi.spyOn(logger, 'warn');

    // Act
    const record = await client.cancel(id);

    // Assess
    expect(record.status).toBe(JobStatus.CANCELLED);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('the worker will skip its delivery'),
      expect.objectContaining({ job_id: id }),
    );
  });
});

describe('cancel: a job that is not waiting says so and changes nothing', () => {
  it('refuses a RUNNING job with its status', async () => {
    // Prepare
    const { client, store, keys, claim } = setUp();
    const id = (await client.enqueue(keyed, { account: 'a1' }))!;
    await claim(id);

    // Act
    const error = await rejectionOf(client.cancel(id));

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect((error as JobStateConflictError).currentStatus).toBe(JobStatus.RUNNING);
    expect((await store.get(id))?.status).toBe(JobStatus.RUNNING);
    expect(keys.holderOf('account:a1')?.jobId).toBe(id);
    expect(aborted).toEqual([]);
  });

  it('refuses a finished job with its status', async () => {
    // Prepare
    const { client, store, claim } = setUp();
    const id = (await client.enqueue(keyed, { account: 'a1' }))!;
    const claimed = await claim(id);
    if (claimed.kind !== 'claimed') throw new Error('expected a claim');
    const finished = await store.finishAttempt(
      claimed.record,
      { status: JobStatus.SUCCESSFUL, durationMs: 3 },
      new Date().toISOString(),
    );

    // Act
    const error = await rejectionOf(client.cancel(id));

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect(error.message).toContain('its status is SUCCESSFUL');
    expect(await store.get(id)).toEqual(finished);
  });

  it('refuses a job cancelled already', async () => {
    // Prepare
    const { client } = setUp();
    const id = (await client.enqueue(echo, { n: 1 }))!;
    await client.cancel(id);

    // Act
    const error = await rejectionOf(client.cancel(id));

    // Assess
    expect((error as JobStateConflictError).currentStatus).toBe(JobStatus.CANCELLED);
  });
});

describe('cancel: no record', () => {
  it('is JobNotFoundError for an unknown id', async () => {
    // Prepare
    const { client } = setUp();

    // Act
    const error = await rejectionOf(client.cancel('0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f'));

    // Assess
    expect(error).toBeInstanceOf(JobNotFoundError);
  });

  it("explains that tracking 'minimal' keeps no record of waiting jobs", async () => {
    // Prepare
    const { client, delayedDelivery } = setUp('minimal');
    const id = (await client.enqueue(echo, { n: 1 }, { delay: 3600 }))!;

    // Act
    const error = await rejectionOf(client.cancel(id));

    // Assess
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect(String((error.cause as Error).message)).toContain("tracking 'minimal'");
    expect(delayedDelivery.pending.has(id)).toBe(true);
  });

  it('refuses an id that cannot be a job id, naming the field', async () => {
    // Prepare
    const { client } = setUp();

    // Act
    const error = await rejectionOf(client.cancel('not a job id'));

    // Assess
    expect(error).toBeInstanceOf(JobInputError);
    expect((error as JobInputError).field).toBe('id');
  });
});
