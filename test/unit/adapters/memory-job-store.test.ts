import { describe, expect, it } from 'vitest';
import { createMemoryConcurrencyKeys } from '../../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import type { JobRecord } from '../../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../../packages/lambda-jobs/src/runtime/job-status.ts';

const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T00:00:01.000Z';

const queued = (id: string, updatedAt = T0): JobRecord => ({
  id,
  type: 'report',
  queue: 'default',
  status: JobStatus.QUEUED,
  attempts: 0,
  maxAttempts: 3,
  enqueuedAt: T0,
  updatedAt,
  expiresAt: 0,
});

describe('memory job store (beyond the contract)', () => {
  it('keeps records for 7 days unless told otherwise', async () => {
    // Prepare
    const store = createMemoryJobStore();

    // Act
    await store.putQueued(queued('job-1'));

    // Assess
    expect((await store.get('job-1'))?.expiresAt).toBe(Date.parse(T0) / 1000 + 604_800);
  });

  it('hands out copies: changing a returned record changes nothing stored', async () => {
    // Prepare
    const store = createMemoryJobStore();
    const record = { ...queued('job-1'), output: { n: 1 } };
    await store.putQueued(record);

    // Act
    record.output.n = 2;
    const read = (await store.get('job-1')) as { output: { n: number } };
    read.output.n = 3;

    // Assess
    expect((await store.get('job-1'))?.output).toEqual({ n: 1 });
  });

  it('records() lists every record, newest updatedAt first', async () => {
    // Prepare
    const store = createMemoryJobStore();
    await store.putQueued(queued('job-1', T0));
    await store.putQueued(queued('job-2', T1));

    // Act
    const records = store.records();

    // Assess
    expect(records.map((r) => r.id)).toEqual(['job-2', 'job-1']);
  });

  it('failNext makes the next call of that method reject once, changing nothing', async () => {
    // Prepare
    const store = createMemoryJobStore();
    const throttled = new Error('ProvisionedThroughputExceededException');
    store.failNext('putQueued', throttled);

    // Act
    const failed = store.putQueued(queued('job-1'));

    // Assess
    await expect(failed).rejects.toBe(throttled);
    expect(await store.get('job-1')).toBeUndefined();
    await expect(store.putQueued(queued('job-1'))).resolves.toBeUndefined();
  });

  it('refuses a since that is not an instant with JobInputError naming the field', async () => {
    // Prepare
    const store = createMemoryJobStore();

    // Act
    const listing = store.list({ queue: 'default', status: JobStatus.QUEUED, since: 'yesterday' });

    // Assess
    await expect(listing).rejects.toMatchObject({ name: 'JobInputError', field: 'since' });
  });
});

describe('memory concurrency keys (beyond the contract)', () => {
  it('holderOf shows who holds a key and until when', async () => {
    // Prepare
    const keys = createMemoryConcurrencyKeys();

    // Act
    await keys.acquire('account:1', 'job-1', 2000, 1000);

    // Assess
    expect(keys.holderOf('account:1')).toEqual({ jobId: 'job-1', expiresAtEpochSeconds: 2000 });
    expect(keys.holderOf('account:2')).toBeUndefined();
  });

  it('failNext makes the next acquire reject once, leaving the key free', async () => {
    // Prepare
    const keys = createMemoryConcurrencyKeys();
    keys.failNext('acquire');

    // Act
    const failed = keys.acquire('account:1', 'job-1', 2000, 1000);

    // Assess
    await expect(failed).rejects.toThrow('Injected failure of acquire');
    expect(keys.holderOf('account:1')).toBeUndefined();
  });
});

describe('memory job store: the transitions the store contract leaves open', () => {
  const LEASE_END = '2030-01-01T00:00:03.000Z';
  const LATER = '2030-01-01T00:05:00.000Z';

  /** A RUNNING attempt of `id`, claimed at T0 with its lease to LEASE_END. */
  async function running(store: ReturnType<typeof createMemoryJobStore>, id: string) {
    const claim = await store.claim({
      id,
      type: 'echo',
      queue: 'default',
      enqueuedAt: T0,
      maxAttempts: 3,
      leaseExpiresAt: LEASE_END,
      now: T0,
      messageId: 'm-1',
      claimToken: 'token-1',
    });
    if (claim.kind !== 'claimed') throw new Error('claim refused');
    return claim.record;
  }

  it('recordProgress writes the progress of the running attempt and leaves the rest of the record', async () => {
    const store = createMemoryJobStore();
    const claimed = await running(store, 'job-p');

    await store.recordProgress(claimed, { fraction: 0.5, at: T1, attempt: 1 });

    expect(await store.get('job-p')).toEqual({
      ...claimed,
      progress: { fraction: 0.5, at: T1, attempt: 1 },
    });
  });

  it('recordProgress refuses another attempt, a finished one and a missing record', async () => {
    const store = createMemoryJobStore();
    const claimed = await running(store, 'job-p');

    await expect(
      store.recordProgress({ ...claimed, attempts: 2 }, { fraction: 0.1, at: T1, attempt: 1 }),
    ).rejects.toMatchObject({ name: 'JobStateConflictError' });
    await store.finishAttempt(claimed, { status: JobStatus.SUCCESSFUL, durationMs: 1 }, T1);
    await expect(
      store.recordProgress(claimed, { fraction: 0.1, at: T1, attempt: 1 }),
    ).rejects.toMatchObject({
      name: 'JobStateConflictError',
    });
    await expect(
      store.recordProgress({ ...claimed, id: 'job-none' }, { fraction: 0.1, at: T1, attempt: 1 }),
    ).rejects.toMatchObject({ name: 'JobNotFoundError' });
  });

  it('markLost refuses a RUNNING record a producer wrote (not the worker’s)', async () => {
    const store = createMemoryJobStore();
    const claimed = await running(store, 'job-f');
    store.writeAsProducer(claimed);

    expect(await store.markLost(claimed, LATER, LATER)).toBeNull();
    expect((await store.get('job-f'))?.status).toBe(JobStatus.RUNNING);
  });

  it('requeue clears the error, the end and the dead-letter mark of the ended attempt', async () => {
    const store = createMemoryJobStore();
    const claimed = await running(store, 'job-r');
    await store.finishAttempt(
      claimed,
      { status: JobStatus.ERRORED, durationMs: 1, error: { name: 'Error', message: 'boom' } },
      T1,
    );
    await store.markDeadLettered('job-r', T1);

    const requeued = await store.requeue('job-r', LATER);

    expect(requeued).toMatchObject({ status: JobStatus.QUEUED, attempts: 0 });
    for (const field of ['error', 'endedAt', 'deadLetteredAt', 'leaseExpiresAt', 'durationMs']) {
      expect(requeued).not.toHaveProperty(field);
    }
  });

  it('markDeadLetterDeleted of a missing record is JobNotFoundError', async () => {
    const store = createMemoryJobStore();

    await expect(store.markDeadLetterDeleted('job-none', T1)).rejects.toMatchObject({
      name: 'JobNotFoundError',
    });
  });
});
