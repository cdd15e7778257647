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
