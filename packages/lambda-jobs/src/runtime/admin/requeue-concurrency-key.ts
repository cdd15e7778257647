/**
 * An operator's retry or redrive re-queues a job that had ended, and with it released its
 * concurrency key. Before the job may run again it takes the key back, with the same
 * conditional acquire as an enqueue, so that a job enqueued since with the same key never
 * runs alongside it. When another live job holds the key, the re-queue is refused with a
 * {@link ConcurrencyKeyHeldError} naming that job.
 */
import { salvageConcurrencyKey } from '../envelope.ts';
import type { JobRecord } from '../job-record.ts';
import { DEFAULT_CONCURRENCY_KEY_TTL_SECONDS } from '../limits.ts';
import type { ConcurrencyKeyStore } from '../ports.ts';
import { ConcurrencyKeyHeldError } from './admin-errors.ts';

/** The key a job's record or message names, if any. */
export function concurrencyKeyOf(
  record: Pick<JobRecord, 'concurrencyKey' | 'envelope'> | undefined,
  body?: string,
): string | undefined {
  return (
    record?.concurrencyKey ??
    (record?.envelope !== undefined ? salvageConcurrencyKey(record.envelope) : undefined) ??
    (body !== undefined ? salvageConcurrencyKey(body) : undefined)
  );
}

/**
 * Takes `key` for `jobId` before it is re-queued: free (or expired) → taken; already held by
 * this job → kept. Resolves to true when this call took it (so a failed re-queue can give it
 * back), false when the job held it already.
 *
 * @throws ConcurrencyKeyHeldError naming the holder when another live job holds the key.
 * @example
 * ```ts
 * const taken = await takeConcurrencyKeyBack(keys, { jobId, key, transition: 'retry', status, now: new Date() });
 * ```
 */
export async function takeConcurrencyKeyBack(
  keys: Pick<ConcurrencyKeyStore, 'acquire' | 'holder'>,
  request: {
    readonly jobId: string;
    readonly key: string;
    readonly transition: 'retry' | 'redrive';
    readonly status: string | undefined;
    readonly now: Date;
  },
): Promise<boolean> {
  const nowSeconds = Math.floor(request.now.getTime() / 1000);
  // Held at most as long as an enqueue's key without a configured lifetime (a safety net).
  const expires = nowSeconds + DEFAULT_CONCURRENCY_KEY_TTL_SECONDS;
  // Twice: a holder that finishes between the refused acquire and the read frees the key.
  for (let tries = 0; tries < 2; tries++) {
    if (await keys.acquire(request.key, request.jobId, expires, nowSeconds)) return true;
    const holder = await keys.holder(request.key, nowSeconds);
    if (holder === request.jobId) return false;
    if (holder !== undefined || tries === 1) {
      throw new ConcurrencyKeyHeldError(
        request.jobId,
        request.transition,
        request.status,
        request.key,
        holder,
      );
    }
  }
  return false;
}
