/**
 * Job statuses, in plain.jobs' words. A record moves through them by one conditional write each.
 *
 * ```
 * QUEUED ─▶ RUNNING ─▶ SUCCESSFUL
 *              │ ├───▶ ERRORED   (attempts exhausted, unrecoverable, or malformed: message in DLQ)
 *              │ ├───▶ RETRYING ─▶ RUNNING …   (failure with attempts left)
 *              │ ├───▶ DEFERRED ─▶ RUNNING …   (DeferJobError: no attempt spent)
 *              │ ├───▶ RETRYING ─▶ RUNNING …   (lost: past its deadline + grace with no
 *              │ │                              outcome, attempts left; onAborted runs first)
 *              │ └───▶ LOST      (the last attempt lost; onAborted runs, message to the DLQ)
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

/** The error name of a lost attempt (`lostAttemptError`), on RETRYING and LOST records. */
export const JOB_LOST_ERROR_NAME = 'JobLostError';

/** The fields that tell a lost attempt waiting for its retry from other RETRYING records. */
export interface StatusFields {
  readonly status: string;
  readonly error?: { readonly name: string } | undefined;
  readonly lostAttempts?: number | undefined;
}

/**
 * True for a RETRYING record whose last attempt was lost (the rescue recorded it): "lost, will
 * retry", as opposed to a terminal LOST and to a retry after a failure.
 *
 * @example `isLostWillRetry(record) ? 'lost, will retry' : record.status`
 */
export function isLostWillRetry(record: StatusFields): boolean {
  return (
    record.status === JobStatus.RETRYING &&
    record.error?.name === JOB_LOST_ERROR_NAME &&
    (record.lostAttempts ?? 0) > 0
  );
}

/** What operators read for a lost attempt that runs again (CLI and dashboard). */
const LOST_WILL_RETRY_LABEL = 'lost, will retry';

/**
 * The status as the CLI shows it: the status, with "(lost, will retry)" after a RETRYING whose
 * last attempt was lost.
 *
 * @example `statusLabel({ status: 'RETRYING', error: { name: 'JobLostError' }, lostAttempts: 1 }) === 'RETRYING (lost, will retry)'`
 */
export function statusLabel(record: StatusFields): string {
  return isLostWillRetry(record) ? `${record.status} (${LOST_WILL_RETRY_LABEL})` : record.status;
}
