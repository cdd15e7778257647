/**
 * Lost-job rescue, plain.jobs' idea for Lambda: a RUNNING record whose lease (its attempt's
 * deadline) passed more than a grace period ago belongs to an attempt that ended without an
 * outcome (crash, out of memory, hard timeout, or an outcome the store never took). A lost
 * attempt is an attempt outcome, as in plain.jobs: the monitor records it, runs the job
 * type's `onAborted` hook with the attempt and the attempts allowed, and then
 *
 * - while attempts remain: the record becomes RETRYING (the lost attempt noted in `error`)
 *   and the stored envelope is sent to the job's queue again, so the job runs once more;
 * - after the last attempt: the record becomes LOST, the stored envelope goes to the DLQ
 *   (`deadLetteredAt` is set) and the concurrency key is released.
 *
 * Records keep the message only when it is small (LIMITS.maxLeanEnvelopeBytes). A record that
 * kept none is left to its own message, which comes back at the latest one visibility timeout
 * after the lease (the crashed invocation never deleted it): the worker's rescue on that
 * redelivery records the lost attempt and runs `onAborted` with the real payload. Only when
 * the lease ended longer ago than that (plus the grace) does the monitor rescue such a record
 * itself, with no payload for the hook.
 *
 * Each record moves by one conditional write (`markLost`: still RUNNING, same attempt, lease
 * still expired), so two overlapping monitor runs, or a worker finishing late, never rescue a
 * job twice: the loser gets null and does nothing. The job's original message may also come
 * back (a crashed invocation's message): its claim then finds the retry's record, and the
 * claim decides which copy runs.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { runAbortHook } from '../abort-hook.ts';
import type { JobRecord } from '../job-record.ts';
import { JobStatus } from '../job-status.ts';
import { laterSendRouting } from '../message-group.ts';
import type { PayloadSource } from '../payload-fetch.ts';
import type { ConcurrencyKeyStore, JobStore, QueueTransport } from '../ports.ts';
import type { JobRegistry } from '../registry.ts';
import { retryTransient } from '../retry-transient.ts';
import { lostAttemptRetry } from '../transition-records.ts';
import { MONITOR_LOG_MESSAGES } from './monitor-log.ts';
import type { MonitoredQueue } from './monitor-ports.ts';

/** What the rescue needs: the job store, the key store, the registry (for the hooks), SQS. */
export interface LostJobRescueDeps {
  readonly store: Pick<JobStore, 'listExpiredRunning' | 'get' | 'markLost' | 'markDeadLettered'>;
  readonly keys: ConcurrencyKeyStore;
  readonly registry: JobRegistry;
  /** Sends a lost job's stored envelope again (to its queue) or to its DLQ. */
  readonly transport: Pick<QueueTransport, 'send'>;
  /** Records rescued per queue and run at most; the rest wait for the next run. Default 100. */
  readonly limitPerQueue?: number;
  /** How long one `onAborted` hook may take before the rescue moves on, ms. Default 10,000. */
  readonly hookTimeoutMs?: number;
  /** Where `onAborted` hooks read payloads that travel by reference (the payload bucket). */
  readonly payloads?: PayloadSource;
}

/** What one queue's rescue did. `failed` counts records whose transition threw. */
export interface RescueResult {
  /** Every lost attempt recorded: RETRYING (will run again) or LOST (the last one). */
  readonly rescued: readonly JobRecord[];
  readonly failed: number;
  /** Lost attempts left to their message's redelivery (their record kept no message). */
  readonly awaitingRedelivery: number;
}

/**
 * Whether a lost attempt whose record kept no message is still to be rescued by its own
 * message: that message comes back at the latest one visibility timeout after the lease.
 */
function awaitsRedelivery(
  candidate: JobRecord,
  queue: MonitoredQueue,
  expiredBefore: string,
): boolean {
  if (queue.visibilityTimeoutSeconds === undefined) return false;
  const leaseEnd = Date.parse(candidate.leaseExpiresAt ?? '');
  return (
    Number.isFinite(leaseEnd) &&
    leaseEnd + queue.visibilityTimeoutSeconds * 1000 >= Date.parse(expiredBefore)
  );
}

async function runHookWithin(
  record: JobRecord,
  deps: LostJobRescueDeps,
  logger: Logger,
): Promise<void> {
  const timeoutMs = deps.hookTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      runAbortHook(deps.registry.find(record.type), record, logger, undefined, deps.payloads),
      timedOut,
    ]);
    if (outcome === 'timed-out') {
      logger.error('onAborted hook did not finish in time; the rescue moved on', {
        job_id: record.id,
        job_type: record.type,
        queue: record.queue,
        timeout_ms: timeoutMs,
      });
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Sends the lost job's stored envelope to its queue again; false (logged) when it could not. */
async function requeueLost(
  record: JobRecord,
  deps: LostJobRescueDeps,
  queue: MonitoredQueue,
  logger: Logger,
): Promise<void> {
  const keys = { job_id: record.id, job_type: record.type, queue: queue.name };
  if (record.envelope === undefined) {
    logger.warn('Lost job kept no message to send again; its original message retries it', keys);
    return;
  }
  try {
    const routing = laterSendRouting(queue.url, record.id, record.messageGroup, record.type);
    await retryTransient(() =>
      deps.transport.send(queue.url, record.envelope as string, undefined, undefined, routing),
    );
  } catch (error) {
    logger.error(
      'Lost job is RETRYING but its message was not sent again; its original message retries it',
      { ...keys, error },
    );
  }
}

/** Ends the last lost attempt: stored envelope to the DLQ, `deadLetteredAt`, key released. */
async function deadLetterLost(
  record: JobRecord,
  deps: LostJobRescueDeps,
  queue: MonitoredQueue,
  now: Date,
  logger: Logger,
): Promise<void> {
  const keys = { job_id: record.id, job_type: record.type, queue: queue.name };
  if (record.envelope !== undefined) {
    try {
      const routing = laterSendRouting(queue.dlqUrl, record.id, record.messageGroup, record.type);
      await retryTransient(() =>
        deps.transport.send(queue.dlqUrl, record.envelope as string, undefined, undefined, routing),
      );
      await retryTransient(() => deps.store.markDeadLettered(record.id, now.toISOString()));
    } catch (error) {
      // The original message, when it comes back, finds LOST without deadLetteredAt and
      // finishes the move (the worker's onConflict).
      logger.error('Lost job not yet in the DLQ; its next delivery moves it', { ...keys, error });
    }
  }
  if (record.concurrencyKey) {
    try {
      await retryTransient(() => deps.keys.release(record.concurrencyKey as string, record.id));
    } catch (error) {
      logger.warn('Concurrency key of a lost job not released; its TTL will free it', {
        ...keys,
        concurrency_key: record.concurrencyKey,
        error,
      });
    }
  }
}

/**
 * Rescues the lost attempts of one queue: RUNNING, lease expired before `now − graceSeconds`
 * (see the module header for what happens to each). Errors on one record are logged and
 * counted; the others are still rescued. Throws only when the expired records cannot be listed.
 *
 * @example
 * ```ts
 * const { rescued } = await rescueLostJobs(
 *   { store, keys, registry, transport }, { name: 'default', url, dlqUrl }, new Date(), 60, logger,
 * );
 * ```
 */
export async function rescueLostJobs(
  deps: LostJobRescueDeps,
  queue: MonitoredQueue,
  now: Date,
  graceSeconds: number,
  logger: Logger,
): Promise<RescueResult> {
  const expiredBefore = new Date(now.getTime() - graceSeconds * 1000).toISOString();
  const expired = await deps.store.listExpiredRunning(
    queue.name,
    expiredBefore,
    deps.limitPerQueue ?? 100,
  );
  const rescued: JobRecord[] = [];
  let failed = 0;
  let awaitingRedelivery = 0;
  const at = now.toISOString();
  for (const candidate of expired) {
    const retry = lostAttemptRetry(candidate, at);
    let lost: JobRecord | null;
    try {
      // A list shows no envelope: the whole record says whether one was kept.
      const whole = await retryTransient(() => deps.store.get(candidate.id));
      if (whole?.envelope === undefined && awaitsRedelivery(candidate, queue, expiredBefore)) {
        awaitingRedelivery++;
        continue;
      }
      lost = await retryTransient(() => deps.store.markLost(candidate, expiredBefore, at, retry));
    } catch (error) {
      failed++;
      logger.error(MONITOR_LOG_MESSAGES.rescueFailed, {
        queue: queue.name,
        job_id: candidate.id,
        error,
      });
      continue;
    }
    if (!lost) continue;
    rescued.push(lost);
    const willRetry = lost.status === JobStatus.RETRYING;
    logger.warn(MONITOR_LOG_MESSAGES.jobLost, {
      job_id: lost.id,
      job_type: lost.type,
      queue: queue.name,
      status: lost.status,
      attempt: lost.attempts,
      max_attempts: lost.maxAttempts,
      will_retry: willRetry,
      lease_expired_at: candidate.leaseExpiresAt,
    });
    // plain.jobs: onAborted fires when the attempt is lost, before any retry runs.
    await runHookWithin(lost, deps, logger);
    if (willRetry) await requeueLost(lost, deps, queue, logger);
    else await deadLetterLost(lost, deps, queue, now, logger);
  }
  if (rescued.length > 0) {
    logger.info(MONITOR_LOG_MESSAGES.lostRescued, { queue: queue.name, jobs_lost: rescued.length });
  }
  if (awaitingRedelivery > 0) {
    logger.info('Lost attempts left to their message’s redelivery', {
      queue: queue.name,
      jobs_awaiting_redelivery: awaitingRedelivery,
    });
  }
  return { rescued, failed, awaitingRedelivery };
}
