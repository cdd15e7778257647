/**
 * The orphaned-key sweep: a concurrency key item (`KEY#<key>`) can outlive its purpose — a
 * producer (who may PutItem key items with any values) can hold a key far into the future, and
 * a crash between a job's end and its key's release leaves a key whose job is over. Enqueues
 * with that key are skipped meanwhile. Each monitor run reads up to `limitPerRun` keys from their
 * entries in the `byQueueStatus` index (partitions `KEYS#<shard>`, shard by shard, oldest taken
 * first, resuming where the previous run of this instance stopped) and releases a key that:
 *
 * - has no `jobId` or no `expiresAt`, or a `jobId` no job can have (only a forged item);
 * - claims an `expiresAt` beyond the longest lifetime any acquire sets
 *   (`LIMITS.maxConcurrencyKeyLifetimeSeconds`);
 * - is held by a job whose record is terminal (SUCCESSFUL, ERRORED, LOST, CANCELLED);
 * - under tracking `full`, is held by a job with no record `graceSeconds` after it was taken
 *   (enqueue writes the QUEUED record right after it takes the key), or claims to be taken
 *   `graceSeconds` or more in the future.
 *
 * An expired key is left to TTL: acquire already treats it as free. Each release is one
 * DeleteItem conditional on the item being exactly as read (same `jobId`, `expiresAt` and
 * index sort key), so a key re-taken between the read and the delete survives. Each release logs
 * `Orphaned concurrency key released` and counts in the `ConcurrencyKeysReleased` metric.
 *
 * A key item without its index entry (written by a version that indexed keys elsewhere, or by a
 * producer that leaves `gsi1pk`/`gsi1sk` out or writes values acquire never does) is not listed
 * and not swept: its `expiresAt` frees it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { keyIndexPartitions } from '../concurrency-key-index-entry.ts';
import { isTerminal } from '../job-status.ts';
import { LIMITS } from '../limits.ts';
import type { JobStore } from '../ports.ts';
import type { TrackingLevel } from '../tracking-level.ts';
import { mapWithConcurrency } from './map-with-concurrency.ts';
import { MONITOR_LOG_MESSAGES } from './monitor-log.ts';
import type { ConcurrencyKeyIndex, ListedKey } from './monitor-ports.ts';

/** Why a key was released (the `reason` field of the log line). */
export type OrphanReason = 'malformed' | 'beyond-lifetime' | 'job-terminal' | 'no-record';

/** What the sweep needs. */
export interface OrphanKeySweepDeps {
  readonly index: ConcurrencyKeyIndex;
  readonly store: Pick<JobStore, 'get'>;
  readonly tracking: TrackingLevel;
  /** Under tracking `full`, how long a key may exist without its job's record. Default 900. */
  readonly graceSeconds?: number;
  /** Keys read per run at most, over all shards; the rest wait for later runs. Default 100. */
  readonly limitPerRun?: number;
}

/** A key the sweep released. */
export interface ReleasedKey extends ListedKey {
  readonly reason: OrphanReason;
}

/** What one sweep did. */
export interface OrphanKeySweepResult {
  readonly examined: number;
  readonly released: readonly ReleasedKey[];
  /** Keys whose check or release threw (logged); judged again on a later run. */
  readonly failed: number;
}

/** Sweeps orphaned keys; keeps, per shard, where the previous run stopped. */
export interface OrphanKeySweep {
  sweep(now: Date, logger: Logger): Promise<OrphanKeySweepResult>;
}

/**
 * Builds the sweep (see the module header).
 *
 * @example
 * ```ts
 * const sweep = createOrphanKeySweep({ index, store, tracking: 'full' });
 * const { released } = await sweep.sweep(new Date(), logger);
 * ```
 */
export function createOrphanKeySweep(deps: OrphanKeySweepDeps): OrphanKeySweep {
  const graceSeconds = deps.graceSeconds ?? 900;
  const partitions = keyIndexPartitions();
  const perPartition = Math.max(1, Math.ceil((deps.limitPerRun ?? 100) / partitions.length));
  const cursors = new Map<string, Readonly<Record<string, unknown>>>();

  async function orphanReason(
    listed: ListedKey,
    nowSeconds: number,
  ): Promise<OrphanReason | undefined> {
    if (
      listed.jobId === undefined ||
      listed.expiresAt === undefined ||
      !LIMITS.jobIdPattern.test(listed.jobId)
    ) {
      return 'malformed';
    }
    if (listed.expiresAt < nowSeconds) return undefined;
    if (listed.expiresAt > nowSeconds + LIMITS.maxConcurrencyKeyLifetimeSeconds) {
      return 'beyond-lifetime';
    }
    const record = await deps.store.get(listed.jobId);
    if (record) return isTerminal(record.status) ? 'job-terminal' : undefined;
    // Acquire writes its own clock: a takenAt a grace period in the future is forged too.
    if (deps.tracking === 'full' && Math.abs(nowSeconds - listed.takenAt) >= graceSeconds) {
      return 'no-record';
    }
    return undefined;
  }

  async function sweepPartition(partition: string, nowSeconds: number, logger: Logger) {
    const page = await deps.index.page(partition, perPartition, cursors.get(partition));
    if (page.cursor) cursors.set(partition, page.cursor);
    else cursors.delete(partition);
    const released: ReleasedKey[] = [];
    let failed = 0;
    for (const listed of page.keys) {
      try {
        const reason = await orphanReason(listed, nowSeconds);
        if (!reason || !(await deps.index.releaseUnchanged(listed))) continue;
        released.push({ ...listed, reason });
        logger.warn(MONITOR_LOG_MESSAGES.orphanedKeyReleased, {
          concurrency_key: listed.key,
          job_id: listed.jobId,
          reason,
          expires_at: listed.expiresAt,
          taken_at: listed.takenAt,
        });
      } catch (error) {
        failed++;
        logger.error(MONITOR_LOG_MESSAGES.orphanedKeySweepFailed, {
          concurrency_key: listed.key,
          error,
        });
      }
    }
    return { examined: page.keys.length, released, failed };
  }

  return {
    async sweep(now, logger) {
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const results = await mapWithConcurrency(partitions, partitions.length, (partition) =>
        sweepPartition(partition, nowSeconds, logger),
      );
      return {
        examined: results.reduce((sum, r) => sum + r.examined, 0),
        released: results.flatMap((r) => r.released),
        failed: results.reduce((sum, r) => sum + r.failed, 0),
      };
    },
  };
}
