import type { JobRecord } from './job-record.ts';

/**
 * The claim's "due" rule, shared by every store: a record may be claimed at `dueBy` unless it
 * waits (`retryAt`) until later. Without `dueBy` every claimable record is due.
 *
 * @example
 * ```ts
 * isDue({ ...record, retryAt: '2026-12-03T10:00:05.000Z' }, '2026-12-03T10:00:01.000Z'); // false
 * ```
 */
export function isDue(record: Pick<JobRecord, 'retryAt'>, dueBy: string | undefined): boolean {
  return dueBy === undefined || record.retryAt === undefined || record.retryAt <= dueBy;
}
