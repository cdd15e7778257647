import { describe, expect, it } from 'vitest';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { listJobsAcross } from '../../packages/lambda-jobs/src/runtime/admin/merged-job-list.ts';
import { JobInputError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { ALL_STATUSES, type JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';

const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second)).toISOString();

function record(id: string, queue: string, status: JobStatus, second: number): JobRecord {
  return {
    id,
    type: id.startsWith('w') ? 'webhook' : 'report',
    queue,
    status,
    attempts: 0,
    maxAttempts: 3,
    enqueuedAt: at(0),
    updatedAt: at(second),
    expiresAt: 0,
  };
}

async function storeWith(records: readonly JobRecord[]) {
  const store = createMemoryJobStore();
  for (const r of records) await store.putQueued(r);
  return store;
}

/** Every page of a listing, following cursors. */
async function allPages(
  store: Awaited<ReturnType<typeof storeWith>>,
  query: Parameters<typeof listJobsAcross>[1],
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listJobsAcross(store, { ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.items.map((r) => r.id));
    cursor = page.cursor;
  } while (cursor && pages.length < 20);
  return pages;
}

describe('listJobsAcross', () => {
  it('merges queues and statuses newest first and pages through them without gaps or repeats', async () => {
    // Prepare: 7 records over two queues and three statuses, updated at distinct seconds.
    const store = await storeWith([
      record('r1', 'default', 'SUCCESSFUL', 1),
      record('r2', 'slow', 'ERRORED', 2),
      record('w3', 'default', 'ERRORED', 3),
      record('r4', 'default', 'SUCCESSFUL', 4),
      record('w5', 'slow', 'QUEUED', 5),
      record('r6', 'default', 'SUCCESSFUL', 6),
      record('r7', 'slow', 'SUCCESSFUL', 7),
    ]);

    // Act
    const pages = await allPages(store, {
      queues: ['default', 'slow'],
      statuses: ALL_STATUSES,
      limit: 3,
    });

    // Assess
    expect(pages).toEqual([['r7', 'r6', 'w5'], ['r4', 'w3', 'r2'], ['r1']]);
  });

  it('narrows by queue, status and type', async () => {
    // Prepare
    const store = await storeWith([
      record('r1', 'default', 'ERRORED', 1),
      record('w2', 'default', 'ERRORED', 2),
      record('w3', 'slow', 'ERRORED', 3),
      record('w4', 'default', 'SUCCESSFUL', 4),
    ]);

    // Act
    const page = await listJobsAcross(store, {
      queues: ['default'],
      statuses: ['ERRORED'],
      type: 'webhook',
    });

    // Assess
    expect(page.items.map((r) => r.id)).toEqual(['w2']);
    expect(page.cursor).toBeUndefined();
  });

  it('resumes inside a store page when one partition supplied only part of a page', async () => {
    // Prepare: one partition holds the 4 newest, the other interleaves.
    const store = await storeWith([
      record('a1', 'default', 'ERRORED', 1),
      record('b2', 'default', 'SUCCESSFUL', 2),
      record('a3', 'default', 'ERRORED', 3),
      record('b4', 'default', 'SUCCESSFUL', 4),
      record('b5', 'default', 'SUCCESSFUL', 5),
      record('b6', 'default', 'SUCCESSFUL', 6),
    ]);

    // Act
    const pages = await allPages(store, {
      queues: ['default'],
      statuses: ['ERRORED', 'SUCCESSFUL'],
      limit: 2,
    });

    // Assess
    expect(pages.flat()).toEqual(['b6', 'b5', 'b4', 'a3', 'b2', 'a1']);
    expect(pages).toHaveLength(3);
  });

  it('refuses a cursor given with other filters, and a limit out of range', async () => {
    // Prepare
    const store = await storeWith([
      record('r1', 'default', 'ERRORED', 1),
      record('r2', 'default', 'ERRORED', 2),
    ]);
    const first = await listJobsAcross(store, {
      queues: ['default'],
      statuses: ['ERRORED'],
      limit: 1,
    });

    // Act
    const otherFilter = listJobsAcross(store, {
      queues: ['default'],
      statuses: ['SUCCESSFUL'],
      limit: 1,
      cursor: first.cursor!,
    });
    const tooMany = listJobsAcross(store, {
      queues: ['default'],
      statuses: ['ERRORED'],
      limit: 101,
    });

    // Assess
    await expect(otherFilter).rejects.toMatchObject({ name: 'JobInputError', field: 'cursor' });
    await expect(tooMany).rejects.toBeInstanceOf(JobInputError);
    await expect(tooMany).rejects.toMatchObject({ field: 'limit' });
  });
});
