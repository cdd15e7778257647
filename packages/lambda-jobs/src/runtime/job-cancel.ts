import type { Logger } from '@aws-lambda-powertools/logger';
import { runAbortHook } from './abort-hook.ts';
import { JobInputError, JobNotFoundError } from './errors.ts';
import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import { LIMITS } from './limits.ts';
import { dueSendKey, resendDeliveryId } from './message-resend.ts';
import type { PayloadSource } from './payload-fetch.ts';
import type { ConcurrencyKeyStore, DelayedDelivery, JobStore } from './ports.ts';
import type { JobRegistry } from './registry.ts';
import { retryTransient } from './retry-transient.ts';

/** What cancelling needs: the client's stores, its delayed delivery and a logger for hooks. */
export interface JobCancelDeps {
  readonly store: JobStore;
  readonly keys: ConcurrencyKeyStore;
  readonly registry: JobRegistry;
  readonly tracking: 'full' | 'minimal';
  readonly delayedDelivery?: DelayedDelivery | undefined;
  /** Where a failing `onAborted` hook or a leftover schedule is reported. */
  readonly logger: Logger;
  readonly now: () => Date;
  /** Where the `onAborted` hook reads a payload that went to S3 (the payload bucket). */
  readonly payloads?: PayloadSource | undefined;
}

/**
 * The delayed deliveries (one-time schedules on AWS) that may still carry a waiting job:
 *
 * - QUEUED and due more than {@link LIMITS.maxSqsDelaySeconds} after it was enqueued (a long
 *   delay or `runAt`): the delivery named after the job id;
 * - RETRYING or DEFERRED with a `retryAt`: the re-send due then (`<id>#due-<ms>`, see
 *   {@link dueSendKey}). Whether its delay went beyond SQS's 15 minutes is not in the record
 *   to the second, so it is always asked for; a delivery that was sent through SQS, or has
 *   fired already, is simply not found.
 */
function deliveriesOf(record: JobRecord): string[] {
  if (record.retryAt === undefined) return [];
  if (record.status === JobStatus.QUEUED) {
    const waitMs = Date.parse(record.retryAt) - Date.parse(record.enqueuedAt);
    return waitMs > LIMITS.maxSqsDelaySeconds * 1000 ? [record.id] : [];
  }
  if (record.status === JobStatus.RETRYING || record.status === JobStatus.DEFERRED) {
    return [resendDeliveryId(record.id, dueSendKey(record.retryAt))];
  }
  return [];
}

function notFound(jobId: string, tracking: JobCancelDeps['tracking']): JobNotFoundError {
  const reason =
    tracking === 'minimal'
      ? "with tracking 'minimal' a job's record starts when a worker claims it, so a job that has not started has no record and cannot be cancelled; set tracking: 'full' in the config to cancel waiting jobs"
      : 'the id is unknown, or its record expired after the retention period';
  return new JobNotFoundError(jobId, { cause: new Error(reason) });
}

/**
 * Cancels a job that is still waiting.
 *
 * - Input: the job id. Output: the record, now CANCELLED.
 * - QUEUED / RETRYING / DEFERRED → CANCELLED, one conditional write. A message SQS still holds
 *   (a delay up to 15 minutes, a retry's backoff) cannot be deleted before it is delivered, so
 *   it stays: the worker's claim refuses the CANCELLED record and deletes the message as a
 *   duplicate. A job waiting in a one-time schedule (a longer delay or `runAt`, or a retry or
 *   deferral beyond 15 minutes) also has that schedule deleted; if that fails, or the schedule
 *   fired meanwhile, the delivery is refused the same way when it comes.
 * - Then the job's concurrency key is released and its type's `onAborted` hook runs (its
 *   errors are logged, never thrown).
 *
 * @throws JobStateConflictError (with `currentStatus`) when the job is RUNNING or finished;
 *   nothing is changed.
 * @throws JobNotFoundError when there is no record: an unknown or expired id, or a job that
 *   has not started under tracking `minimal` (records start at the claim there).
 * @throws JobInputError for an id that cannot be a job id.
 * @example
 * ```ts
 * const record = await cancelWaitingJob(deps, jobId); // record.status === 'CANCELLED'
 * ```
 */
export async function cancelWaitingJob(deps: JobCancelDeps, jobId: string): Promise<JobRecord> {
  if (typeof jobId !== 'string' || !LIMITS.jobIdPattern.test(jobId)) {
    throw new JobInputError(
      'id',
      '1–128 characters of A-Z a-z 0-9 _ - : .',
      `id "${String(jobId)}" must be 1–128 characters of A-Z a-z 0-9 _ - : .`,
    );
  }
  const current = await deps.store.get(jobId);
  if (!current) throw notFound(jobId, deps.tracking);
  // One conditional write (QUEUED/RETRYING/DEFERRED only) decides any race with a worker's
  // claim: a RUNNING or finished job is refused with JobStateConflictError and left as it is.
  const cancelled = await deps.store.cancel(jobId, deps.now().toISOString());
  const keys = { job_id: jobId, job_type: cancelled.type, queue: cancelled.queue };

  const delayedDelivery = deps.delayedDelivery;
  for (const delivery of delayedDelivery ? deliveriesOf(current) : []) {
    try {
      await retryTransient(() => delayedDelivery!.cancel(delivery));
    } catch (error) {
      deps.logger.warn(
        'Schedule of a cancelled job not deleted; the worker will skip its delivery',
        { ...keys, delivery, error },
      );
    }
  }
  if (cancelled.concurrencyKey) {
    const key = cancelled.concurrencyKey;
    try {
      await retryTransient(() => deps.keys.release(key, jobId));
    } catch (error) {
      deps.logger.warn('Concurrency key of a cancelled job not released; its TTL will free it', {
        ...keys,
        concurrency_key: key,
        error,
      });
    }
  }
  deps.logger.info('Job cancelled', { ...keys, status: JobStatus.CANCELLED });
  await runAbortHook(
    deps.registry.find(cancelled.type),
    cancelled,
    deps.logger,
    undefined,
    deps.payloads,
  );
  return cancelled;
}
