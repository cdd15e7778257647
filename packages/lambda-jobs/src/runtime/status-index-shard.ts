/**
 * The write shards of the `byQueueStatus` index. One index partition value absorbs about
 * 1,000 write units per second and, because its sort key only grows, DynamoDB cannot split it
 * for heat; so each queue and status is spread over `indexShards` partition values
 * (`<queue>#<STATUS>#<shard>`), the shard a stable hash of the job id. A job keeps its shard
 * across all its transitions; listing reads every shard of a queue and status and merges them
 * (`docs/data-model.md`, `docs/capacity.md`).
 */
import type { JobStatus } from './job-status.ts';

/** FNV-1a over the id's UTF-16 code units: cheap, stable across runtimes and versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The shard a job's index entries are written to, `0` … `shards − 1`: the same for every
 * transition of the job, spread evenly over many ids.
 *
 * @example `statusShardOf('0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f', 32) // a number 0 … 31`
 */
export function statusShardOf(jobId: string, shards: number): number {
  return fnv1a(jobId) % shards;
}

/**
 * The index partition value of one shard: `<queue>#<STATUS>#<shard>`.
 *
 * @example `statusIndexPartition('default', 'ERRORED', 7) === 'default#ERRORED#7'`
 */
export function statusIndexPartition(queue: string, status: JobStatus, shard: number): string {
  return `${queue}#${status}#${shard}`;
}

/**
 * Every partition value a listing of `queue` and `status` reads, shard 0 first.
 *
 * @example `statusIndexPartitions('default', 'ERRORED', 2) // ['default#ERRORED#0', 'default#ERRORED#1']`
 */
export function statusIndexPartitions(queue: string, status: JobStatus, shards: number): string[] {
  return Array.from({ length: shards }, (_, shard) => statusIndexPartition(queue, status, shard));
}

/** How many shards the index has for a queue: the queue's `indexShards`. */
export type IndexShardsOf = (queue: string) => number;

/**
 * The shard counts of a configuration, by queue; a queue the config does not name (a message
 * rejected for naming an unknown queue) uses `fallback`.
 *
 * @example
 * ```ts
 * const shardsOf = indexShardsOf(config, DEFAULTS.indexShards);
 * shardsOf('default'); // 32
 * ```
 */
export function indexShardsOf(
  config: { readonly queues: Readonly<Record<string, { readonly indexShards: number }>> },
  fallback: number,
): IndexShardsOf {
  return (queue) =>
    Object.hasOwn(config.queues, queue) ? config.queues[queue]!.indexShards : fallback;
}
