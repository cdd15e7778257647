/**
 * Job statuses, in plain.jobs' words. A record moves through them by one conditional write each.
 *
 * ```
 * QUEUED ─▶ RUNNING ─▶ SUCCESSFUL
 *              │ ├───▶ ERRORED   (attempts exhausted, unrecoverable, or malformed: message in DLQ)
 *              │ ├───▶ RETRYING ─▶ RUNNING …   (failure with attempts left)
 *              │ ├───▶ DEFERRED ─▶ RUNNING …   (DeferJobError: no attempt spent)
 *              │ └───▶ LOST      (past its deadline + grace: worker crashed; onAborted runs)
 * QUEUED/RETRYING/DEFERRED ─▶ CANCELLED (onAborted runs)
 * ```
 */
export const JobStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  RETRYING: 'RETRYING',
  DEFERRED: 'DEFERRED',
  SUCCESSFUL: 'SUCCESSFUL',
  ERRORED: 'ERRORED',
  LOST: 'LOST',
  CANCELLED: 'CANCELLED',
} as const;

export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Statuses a job never leaves (except by an operator's retry or redrive). */
export const TERMINAL_STATUSES: readonly JobStatus[] = [
  JobStatus.SUCCESSFUL,
  JobStatus.ERRORED,
  JobStatus.LOST,
  JobStatus.CANCELLED,
];

/** Statuses from which a worker may claim the job. */
export const CLAIMABLE_STATUSES: readonly JobStatus[] = [
  JobStatus.QUEUED,
  JobStatus.RETRYING,
  JobStatus.DEFERRED,
];

export const ALL_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (ALL_STATUSES as readonly string[]).includes(value);
}
