/**
 * Retrying or cancelling many jobs at once (Sidekiq's "Retry all", asynq's `task run --state`):
 * the jobs a filter selects are listed first, up to a limit, then each goes through the very
 * path a single retry or cancel takes ({@link JobsAdmin.retryJob}, {@link JobsAdmin.cancelJob}):
 * one conditional write per job, its concurrency key taken again or the retry refused naming
 * the holder. A job that moved on since it was listed is refused by that write and reported,
 * never overwritten. A stop (an aborted signal) takes effect after the job in hand.
 */
import { JobInputError, JobNotFoundError, JobStateConflictError } from '../errors.ts';
import { CLAIMABLE_STATUSES, type JobStatus } from '../job-status.ts';
import type { JobsAdmin, ListJobsFilter } from './jobs-admin.ts';

/** What a bulk action does to each job. */
export type BulkActionName = 'retry' | 'cancel';

/** How many jobs one bulk action takes: `default` without `limit`, at most `max`. */
export const BULK_LIMIT = { default: 100, max: 1000 } as const;

/** Statuses each action accepts (what the single-job path accepts). */
export const BULK_STATUSES: Readonly<Record<BulkActionName, readonly JobStatus[]>> = {
  retry: ['ERRORED', 'LOST', 'CANCELLED'],
  cancel: CLAIMABLE_STATUSES,
};

/** Which jobs: one status (required), and optionally a queue, a type and a time. */
export interface BulkSelection {
  readonly status: JobStatus;
  readonly queue?: string;
  readonly type?: string;
  /** ISO 8601: records updated at or after. */
  readonly since?: string;
  /** At most this many jobs (default {@link BULK_LIMIT}.default). */
  readonly limit?: number;
}

/** Where a bulk action stands, after each job. */
export interface BulkProgress {
  readonly done: number;
  readonly refused: number;
  /** Selected jobs not handled yet. */
  readonly left: number;
}

/** One job handled: done, or refused with why (its status moved on, its key is held…). */
export type BulkJobEvent =
  | { readonly jobId: string; readonly type: string; readonly outcome: 'done' }
  | {
      readonly jobId: string;
      readonly type: string;
      readonly outcome: 'refused';
      readonly reason: string;
    }
  | { readonly jobId: string; readonly type: string; readonly outcome: 'would' };

export interface BulkOptions {
  /** Select and report, change nothing. */
  readonly dryRun?: boolean;
  /** Stops after the job in hand; the result says so (`stoppedBy: 'signal'`). */
  readonly signal?: AbortSignal;
  readonly onJob?: (event: BulkJobEvent) => void;
  readonly onProgress?: (progress: BulkProgress) => void;
}

/** What a bulk action did. */
export interface BulkResult {
  readonly action: BulkActionName;
  readonly dryRun: boolean;
  /** Jobs the selection found (at most the limit). */
  readonly selected: number;
  /** More jobs matched than the limit took. */
  readonly more: boolean;
  /** Retried or cancelled (in a dry run: 0). */
  readonly done: number;
  readonly doneIds: readonly string[];
  readonly refused: readonly { readonly jobId: string; readonly reason: string }[];
  /** Selected jobs not handled (stopped). */
  readonly left: number;
  /**
   * `done`: every selected job handled; `signal`: stopped by the caller; `error`: stopped by
   * an error that is not a refusal (the store or queue unreachable), named in `error`.
   */
  readonly stoppedBy: 'done' | 'signal' | 'error';
  readonly error?: string;
  /** In a dry run, the jobs that would be handled. */
  readonly wouldIds?: readonly string[];
}

/**
 * Checks a selection: a status the action accepts, a limit within {@link BULK_LIMIT}.
 * Throws JobInputError naming the field and what is allowed.
 */
export function checkBulkSelection(action: BulkActionName, selection: BulkSelection): void {
  const allowed = BULK_STATUSES[action];
  if (!allowed.includes(selection.status)) {
    throw new JobInputError(
      'status',
      allowed.join(', '),
      `Only ${allowed.join(', ')} jobs can be ${action === 'retry' ? 'retried' : 'cancelled'}; got ${selection.status}.`,
    );
  }
  const limit = selection.limit ?? BULK_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > BULK_LIMIT.max) {
    throw new JobInputError(
      'limit',
      `1–${BULK_LIMIT.max}`,
      `limit must be a whole number from 1 to ${BULK_LIMIT.max}; got ${String(selection.limit)}.`,
    );
  }
}

/** The jobs the selection finds, newest first, at most its limit, and whether more matched. */
async function select(
  admin: JobsAdmin,
  selection: BulkSelection,
): Promise<{ jobs: { id: string; type: string }[]; more: boolean }> {
  const limit = selection.limit ?? BULK_LIMIT.default;
  const jobs: { id: string; type: string }[] = [];
  let cursor: string | undefined;
  do {
    const filter: ListJobsFilter = {
      status: selection.status,
      ...(selection.queue !== undefined ? { queue: selection.queue } : {}),
      ...(selection.type !== undefined ? { type: selection.type } : {}),
      ...(selection.since !== undefined ? { since: selection.since } : {}),
      limit: Math.min(100, limit - jobs.length),
      ...(cursor !== undefined ? { cursor } : {}),
    };
    const page = await admin.listJobs(filter);
    for (const record of page.items) jobs.push({ id: record.id, type: record.type });
    cursor = page.cursor;
  } while (cursor !== undefined && jobs.length < limit);
  return { jobs: jobs.slice(0, limit), more: cursor !== undefined };
}

/**
 * Retries or cancels the jobs `selection` finds, one by one through the single-job path.
 * Refusals (the job moved on, its concurrency key is held, its message was not kept) are
 * reported and the run goes on; any other error (the store or queue unreachable) stops it
 * there (`stoppedBy: 'error'`), the jobs before it handled.
 *
 * @example
 * ```ts
 * const result = await runBulkAction(admin, 'retry', { status: 'ERRORED', queue: 'default' }, { signal });
 * console.log(`${result.done} retried, ${result.refused.length} refused`);
 * ```
 */
export async function runBulkAction(
  admin: JobsAdmin,
  action: BulkActionName,
  selection: BulkSelection,
  options: BulkOptions = {},
): Promise<BulkResult> {
  checkBulkSelection(action, selection);
  const { jobs, more } = await select(admin, selection);
  const dryRun = options.dryRun === true;
  const doneIds: string[] = [];
  const refused: { jobId: string; reason: string }[] = [];
  let handled = 0;
  let failure: string | undefined;
  for (const job of jobs) {
    if (options.signal?.aborted) break;
    if (dryRun) {
      options.onJob?.({ jobId: job.id, type: job.type, outcome: 'would' });
    } else {
      try {
        if (action === 'retry') await admin.retryJob(job.id);
        else await admin.cancelJob(job.id);
        doneIds.push(job.id);
        options.onJob?.({ jobId: job.id, type: job.type, outcome: 'done' });
      } catch (error) {
        if (!(error instanceof JobStateConflictError || error instanceof JobNotFoundError)) {
          failure = `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;
          break;
        }
        refused.push({ jobId: job.id, reason: error.message });
        options.onJob?.({
          jobId: job.id,
          type: job.type,
          outcome: 'refused',
          reason: error.message,
        });
      }
    }
    handled += 1;
    options.onProgress?.({
      done: doneIds.length,
      refused: refused.length,
      left: jobs.length - handled,
    });
  }
  return {
    action,
    dryRun,
    selected: jobs.length,
    more,
    done: doneIds.length,
    doneIds,
    refused,
    left: jobs.length - handled,
    stoppedBy: failure !== undefined ? 'error' : handled < jobs.length ? 'signal' : 'done',
    ...(failure !== undefined ? { error: failure } : {}),
    ...(dryRun ? { wouldIds: jobs.slice(0, handled).map((job) => job.id) } : {}),
  };
}
