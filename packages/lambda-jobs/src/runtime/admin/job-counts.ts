/**
 * The overview cards' numbers (plain.jobs' admin: successful, errored, lost, retried), counted
 * from job records updated since an instant. Counting reads records page by page, so it is
 * bounded: past {@link MAX_COUNTED_RECORDS} it stops and says so (`capped`), and the numbers
 * are lower bounds.
 */
import { type JobStatus, JobStatus as Status } from '../job-status.ts';
import type { JobStore } from '../ports.ts';
import type { JobCounts } from './jobs-admin.ts';

/** Records read at most for one count. */
export const MAX_COUNTED_RECORDS = 10_000;

/** {@link JobCounts} plus whether the count stopped at {@link MAX_COUNTED_RECORDS}. */
export interface BoundedJobCounts extends JobCounts {
  /** True when more records exist than were read: every number is then "at least". */
  readonly capped: boolean;
  /** Records read. */
  readonly examined: number;
}

/**
 * Statuses in the order they are read: the rare, important ones first, so a cap cuts the
 * common SUCCESSFUL count rather than the errored or lost ones.
 */
const COUNT_ORDER: readonly JobStatus[] = [
  Status.ERRORED,
  Status.LOST,
  Status.RETRYING,
  Status.CANCELLED,
  Status.DEFERRED,
  Status.RUNNING,
  Status.QUEUED,
  Status.SUCCESSFUL,
];

/**
 * Counts records of `queues` updated at or after `sinceIso`. `retried` counts jobs that needed
 * more than one attempt: attempts > 1 in any status, or RETRYING now.
 *
 * @example
 * ```ts
 * const counts = await countJobs(store, ['default'], new Date(Date.now() - 86_400_000).toISOString());
 * // { since, successful: 120, errored: 3, lost: 0, retried: 7, capped: false, examined: 131 }
 * ```
 */
export async function countJobs(
  store: Pick<JobStore, 'list'>,
  queues: readonly string[],
  sinceIso: string,
  maxRecords: number = MAX_COUNTED_RECORDS,
): Promise<BoundedJobCounts> {
  const byStatus = new Map<JobStatus, number>();
  let retried = 0;
  let examined = 0;
  let capped = false;
  outer: for (const status of COUNT_ORDER) {
    for (const queue of queues) {
      let cursor: string | undefined;
      do {
        if (examined >= maxRecords) {
          capped = true;
          break outer;
        }
        const page = await store.list({
          queue,
          status,
          since: sinceIso,
          limit: Math.min(100, maxRecords - examined),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        for (const record of page.items) {
          examined += 1;
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          if (record.attempts > 1 || record.status === Status.RETRYING) retried += 1;
        }
        cursor = page.cursor;
      } while (cursor !== undefined);
    }
  }
  return {
    since: sinceIso,
    successful: byStatus.get(Status.SUCCESSFUL) ?? 0,
    errored: byStatus.get(Status.ERRORED) ?? 0,
    lost: byStatus.get(Status.LOST) ?? 0,
    retried,
    capped,
    examined,
  };
}
