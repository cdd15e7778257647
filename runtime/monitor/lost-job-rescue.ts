/**
 * Lost-job rescue, plain.jobs' idea for Lambda: a RUNNING record whose lease (its attempt's
 * deadline) passed more than a grace period ago belongs to a worker that died mid-run (crash,
 * out of memory, hard timeout). The monitor marks it LOST, frees its concurrency key and runs
 * the job type's `onAborted` hook.
 *
 * Each record moves by one conditional write (`markLost`: still RUNNING, same attempt, lease
 * still expired), so two overlapping monitor runs, or a worker finishing late, never rescue a
 * job twice: the loser gets null and does nothing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { runAbortHook } from '../abort-hook.ts';
import type { JobRecord } from '../job-record.ts';
import type { ConcurrencyKeyStore, JobStore } from '../ports.ts';
import type { JobRegistry } from '../registry.ts';
import { retryTransient } from '../retry-transient.ts';
import { MONITOR_LOG_MESSAGES } from './monitor-log.ts';

/** What the rescue needs: the job store, the key store and the registry (for the hooks). */
export interface LostJobRescueDeps {
  readonly store: Pick<JobStore, 'listExpiredRunning' | 'markLost'>;
  readonly keys: ConcurrencyKeyStore;
  readonly registry: JobRegistry;
  /** Records rescued per queue and run at most; the rest wait for the next run. Default 100. */
  readonly limitPerQueue?: number;
  /** How long one `onAborted` hook may take before the rescue moves on, ms. Default 10,000. */
  readonly hookTimeoutMs?: number;
}

/** What one queue's rescue did. `failed` counts records whose transition threw. */
export interface RescueResult {
  readonly rescued: readonly JobRecord[];
  readonly failed: number;
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
      runAbortHook(deps.registry.find(record.type), record, logger),
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

/**
 * Rescues the lost jobs of one queue: lease expired before `now − graceSeconds`.
 * Errors on one record are logged and counted; the others are still rescued. Throws only
 * when the expired records cannot be listed.
 *
 * @example
 * ```ts
 * const { rescued } = await rescueLostJobs({ store, keys, registry }, 'default', new Date(), 60, logger);
 * ```
 */
export async function rescueLostJobs(
  deps: LostJobRescueDeps,
  queue: string,
  now: Date,
  graceSeconds: number,
  logger: Logger,
): Promise<RescueResult> {
  const expiredBefore = new Date(now.getTime() - graceSeconds * 1000).toISOString();
  const expired = await deps.store.listExpiredRunning(
    queue,
    expiredBefore,
    deps.limitPerQueue ?? 100,
  );
  const rescued: JobRecord[] = [];
  let failed = 0;
  for (const candidate of expired) {
    let lost: JobRecord | null;
    try {
      lost = await retryTransient(() =>
        deps.store.markLost(candidate, expiredBefore, now.toISOString()),
      );
    } catch (error) {
      failed++;
      logger.error(MONITOR_LOG_MESSAGES.rescueFailed, { queue, job_id: candidate.id, error });
      continue;
    }
    if (!lost) continue;
    rescued.push(lost);
    logger.warn(MONITOR_LOG_MESSAGES.jobLost, {
      job_id: lost.id,
      job_type: lost.type,
      queue,
      attempt: lost.attempts,
      max_attempts: lost.maxAttempts,
      lease_expired_at: candidate.leaseExpiresAt,
    });
    if (lost.concurrencyKey) {
      try {
        await deps.keys.release(lost.concurrencyKey, lost.id);
      } catch (error) {
        logger.warn('Concurrency key of a lost job not released; its TTL will free it', {
          job_id: lost.id,
          queue,
          concurrency_key: lost.concurrencyKey,
          error,
        });
      }
    }
    await runHookWithin(lost, deps, logger);
  }
  if (rescued.length > 0) {
    logger.info(MONITOR_LOG_MESSAGES.lostRescued, { queue, jobs_lost: rescued.length });
  }
  return { rescued, failed };
}
