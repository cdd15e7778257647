/**
 * Job lists across several queues and statuses. The store lists one queue and one status at a
 * time (one index partition, newest first); an operator asks for "all errored jobs" or "every
 * job of queue default". This merges the partitions newest first and pages through them with
 * one cursor.
 *
 * The cursor records, for each partition not yet exhausted, where its current store page
 * starts and how many of that page's items were already shown. Pages are a best-effort view:
 * a record that changes status between two pages may be shown twice or skipped, as in any
 * listing of live data.
 */
import { createHash } from 'node:crypto';
import { JobInputError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import type { JobStatus } from '../job-status.ts';
import type { JobPage, JobStore } from '../ports.ts';
import { indexSortInstant } from '../transition-records.ts';

/** Page sizes accepted by {@link listJobsAcross}. */
export const JOB_PAGE_LIMIT = { min: 1, max: 100, default: 25 } as const;

/** What to list: every pair of `queues` × `statuses`, narrowed by type and time. */
export interface MergedJobQuery {
  readonly queues: readonly string[];
  readonly statuses: readonly JobStatus[];
  readonly type?: string;
  /** ISO 8601: records updated at or after. */
  readonly since?: string;
  /** 1–100. Default 25. */
  readonly limit?: number;
  readonly cursor?: string;
}

const CURSOR_VERSION = 'm1';
const SEPARATOR = '=';
const RAW_SAFE = /^[A-Za-z0-9_-]*$/;

/** Where one partition stands: its current page's store cursor and how much of it was shown. */
interface PartitionPosition {
  readonly pageCursor: string | undefined;
  readonly offset: number;
}

function badCursor(): never {
  throw new JobInputError(
    'cursor',
    'the cursor of a previous page, with the same filters',
    'cursor is not one this listing returned for these filters: pass the `cursor` of the previous page unchanged, with the same queue, status, type and since',
  );
}

function filterHash(query: MergedJobQuery, pageSize: number): string {
  const key = JSON.stringify([query.queues, query.statuses, query.type, query.since, pageSize]);
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

/** Store cursors travel as-is when they are base64url (as both stores' are), else encoded. */
const packInner = (cursor: string | undefined) =>
  cursor === undefined
    ? ''
    : RAW_SAFE.test(cursor)
      ? `r${cursor}`
      : `b${Buffer.from(cursor).toString('base64url')}`;

function unpackInner(packed: string): string | undefined {
  if (packed === '') return undefined;
  if (packed.startsWith('r')) return packed.slice(1);
  if (packed.startsWith('b')) return Buffer.from(packed.slice(1), 'base64url').toString('utf8');
  return badCursor();
}

function encodeCursor(hash: string, positions: ReadonlyMap<number, PartitionPosition>): string {
  const fields = [CURSOR_VERSION, hash];
  for (const [index, position] of positions) {
    fields.push(String(index), String(position.offset), packInner(position.pageCursor));
  }
  return fields.join(SEPARATOR);
}

function decodeCursor(
  cursor: string,
  hash: string,
  partitions: number,
): Map<number, PartitionPosition> {
  const fields = cursor.split(SEPARATOR);
  if (fields[0] !== CURSOR_VERSION || fields[1] !== hash || (fields.length - 2) % 3 !== 0) {
    return badCursor();
  }
  const positions = new Map<number, PartitionPosition>();
  for (let i = 2; i < fields.length; i += 3) {
    const index = Number(fields[i]);
    const offset = Number(fields[i + 1]);
    if (!Number.isInteger(index) || index < 0 || index >= partitions) return badCursor();
    if (!Number.isInteger(offset) || offset < 0) return badCursor();
    positions.set(index, { pageCursor: unpackInner(fields[i + 2] ?? ''), offset });
  }
  return positions;
}

/** As the index sorts each partition: RUNNING by lease, the others by `updatedAt`. */
const sortKey = (record: JobRecord) => `${indexSortInstant(record)}#${record.id}`;

/** Reads one partition page by page, remembering where a later call can resume. */
class PartitionReader {
  private buffer: JobRecord[] = [];
  private pageCursor: string | undefined;
  private consumedOfPage = 0;
  private nextCursor: string | undefined;
  private loaded = false;

  constructor(
    private readonly load: (cursor: string | undefined) => Promise<JobPage>,
    start: PartitionPosition,
  ) {
    this.pageCursor = start.pageCursor;
    this.consumedOfPage = start.offset;
  }

  /** The newest record not yet taken, or undefined when the partition is exhausted. */
  async head(): Promise<JobRecord | undefined> {
    while (this.buffer.length === 0) {
      if (this.loaded && this.nextCursor === undefined) return undefined;
      if (this.loaded) {
        this.pageCursor = this.nextCursor;
        this.consumedOfPage = 0;
      }
      const page = await this.load(this.pageCursor);
      this.loaded = true;
      this.nextCursor = page.cursor;
      this.buffer = page.items.slice(this.consumedOfPage);
    }
    return this.buffer[0];
  }

  take(): void {
    this.buffer.shift();
    this.consumedOfPage += 1;
  }

  /** Where to resume, or undefined when nothing is left. */
  position(): PartitionPosition | undefined {
    if (this.buffer.length > 0) {
      return { pageCursor: this.pageCursor, offset: this.consumedOfPage };
    }
    if (this.loaded && this.nextCursor === undefined) return undefined;
    return this.loaded
      ? { pageCursor: this.nextCursor, offset: 0 }
      : { pageCursor: this.pageCursor, offset: this.consumedOfPage };
  }
}

/**
 * One page of jobs across every queue × status pair of `query`, newest first (by `updatedAt`,
 * then id; a RUNNING record by its lease, as the index sorts it). Throws {@link JobInputError} for a limit outside 1–100 or a cursor that was not
 * returned for the same filters.
 *
 * @example
 * ```ts
 * const page = await listJobsAcross(store, { queues: ['default', 'slow'], statuses: ['ERRORED'] });
 * const next = await listJobsAcross(store, { queues: ['default', 'slow'], statuses: ['ERRORED'], cursor: page.cursor });
 * ```
 */
export async function listJobsAcross(
  store: Pick<JobStore, 'list'>,
  query: MergedJobQuery,
): Promise<JobPage> {
  const limit = query.limit ?? JOB_PAGE_LIMIT.default;
  if (!Number.isInteger(limit) || limit < JOB_PAGE_LIMIT.min || limit > JOB_PAGE_LIMIT.max) {
    throw new JobInputError(
      'limit',
      `a whole number from ${JOB_PAGE_LIMIT.min} to ${JOB_PAGE_LIMIT.max}`,
      `limit must be a whole number from ${JOB_PAGE_LIMIT.min} to ${JOB_PAGE_LIMIT.max}; got ${String(limit)}`,
    );
  }
  const partitions = query.queues.flatMap((queue) =>
    query.statuses.map((status) => ({ queue, status })),
  );
  const hash = filterHash(query, limit);
  const start =
    query.cursor === undefined
      ? new Map(partitions.map((_, i) => [i, { pageCursor: undefined, offset: 0 }] as const))
      : decodeCursor(query.cursor, hash, partitions.length);
  const readers = new Map<number, PartitionReader>();
  for (const [index, position] of start) {
    const { queue, status } = partitions[index]!;
    readers.set(
      index,
      new PartitionReader(
        (cursor) =>
          store.list({
            queue,
            status,
            limit,
            ...(query.type !== undefined ? { type: query.type } : {}),
            ...(query.since !== undefined ? { since: query.since } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
          }),
        position,
      ),
    );
  }

  const items: JobRecord[] = [];
  while (items.length < limit) {
    const heads = await Promise.all(
      [...readers].map(async ([index, reader]) => ({ index, record: await reader.head() })),
    );
    let newest: { index: number; record: JobRecord } | undefined;
    for (const head of heads) {
      if (!head.record) continue;
      if (!newest || sortKey(head.record) > sortKey(newest.record)) {
        newest = { index: head.index, record: head.record };
      }
    }
    if (!newest) break;
    items.push(newest.record);
    readers.get(newest.index)!.take();
  }

  const remaining = new Map<number, PartitionPosition>();
  for (const [index, reader] of readers) {
    if ((await reader.head()) === undefined) continue;
    const position = reader.position();
    if (position) remaining.set(index, position);
  }
  return remaining.size > 0 ? { items, cursor: encodeCursor(hash, remaining) } : { items };
}
