import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';

/**
 * The claim's "due" rule, shared by every store: a RETRYING or DEFERRED record may be claimed
 * at `dueBy` unless it waits (`retryAt`) until later; the worker sent its message again and
 * knows when it is due. A QUEUED record is always due: its message was delayed by its producer
 * (SQS or the scheduler, never early), whose clock need not match the worker's. Without
 * `dueBy` every claimable record is due.
 *
 * @example
 * ```ts
 * isDue({ status: 'RETRYING', retryAt: '2026-12-03T10:00:05.000Z' }, '2026-12-03T10:00:01.000Z'); // false
 * ```
 */
export function isDue(
  record: Pick<JobRecord, 'status' | 'retryAt'>,
  dueBy: string | undefined,
): boolean {
  return (
    dueBy === undefined ||
    record.status === JobStatus.QUEUED ||
    record.retryAt === undefined ||
    record.retryAt <= dueBy
  );
}
