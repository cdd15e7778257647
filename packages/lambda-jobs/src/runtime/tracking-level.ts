/**
 * What the results store records at each tracking level (`tracking` in the config):
 *
 * - `full`: a QUEUED record at enqueue, and every record listed by queue and status.
 * - `minimal`: the record starts when a worker claims the job, and RUNNING and SUCCESSFUL
 *   records are kept (readable by id) but not listed, so the common path (claim, succeed)
 *   writes no index entry: 2 write units per job instead of 8. Failures (RETRYING, ERRORED,
 *   LOST, DEFERRED, CANCELLED) are listed as under `full`. A job whose worker stopped is found
 *   when SQS delivers its message again, not by the monitor's sweep of RUNNING records.
 */
import { JobStatus } from './job-status.ts';

export type TrackingLevel = 'full' | 'minimal';

const UNLISTED: Readonly<Record<TrackingLevel, readonly JobStatus[]>> = {
  full: [],
  minimal: [JobStatus.RUNNING, JobStatus.SUCCESSFUL],
};

/**
 * The statuses a tracking level keeps out of the `byQueueStatus` index.
 *
 * @example `unlistedStatuses('minimal') // ['RUNNING', 'SUCCESSFUL']`
 */
export function unlistedStatuses(tracking: TrackingLevel): readonly JobStatus[] {
  return UNLISTED[tracking];
}
