import { createHash } from 'node:crypto';
import { TABLE_SCHEMA } from '../config/table-schema.ts';

/**
 * The `keyShard` a concurrency key is listed under in the `keysByShard` index: a stable hash
 * of the key, `0` … `TABLE_SCHEMA.keysByShard.shards − 1`, so one busy key always lands in one
 * shard and many keys spread over all of them.
 *
 * @example
 * ```ts
 * keyShardOf('report:42'); // '3'
 * ```
 */
export function keyShardOf(concurrencyKey: string): string {
  const digest = createHash('sha256').update(concurrencyKey).digest();
  return String(digest.readUInt32BE(0) % TABLE_SCHEMA.keysByShard.shards);
}

/** Every shard of the `keysByShard` index, in order. */
export function allKeyShards(): string[] {
  return Array.from({ length: TABLE_SCHEMA.keysByShard.shards }, (_, i) => String(i));
}
