/**
 * The entry of a concurrency key item (`KEY#<key>`) in the `byQueueStatus` index, through which
 * the monitor's orphaned-key sweep lists keys oldest first (`TABLE_SCHEMA.keyListing`,
 * `docs/data-model.md`):
 *
 * - partition `KEYS#<shard>`, the shard a stable hash of the key (`0` … `shards − 1`), so one
 *   busy key always lands in one partition and many keys spread over all of them. Job lists use
 *   `<queue>#<STATUS>#<shard>` and the dev-mode delayed deliveries `DELAYED`: neither is ever
 *   `KEYS#<n>`;
 * - sort key the epoch second the key was taken, as 12 zero-padded digits: the index's sort key
 *   is a string, and equal widths make the string order the numeric one.
 *
 * The sort key holds the time only, not the key: a key may be 512 characters, up to 1,536 bytes
 * in UTF-8, and an index sort key at most 1,024 (a longer one makes DynamoDB refuse the whole
 * write, so the acquire would fail). The entry names its key anyway: the table's `pk` is in
 * every index entry.
 */
import { createHash } from 'node:crypto';
import { TABLE_SCHEMA } from '../config/table-schema.ts';

const LISTING = TABLE_SCHEMA.keyListing;
const SORT_KEY_DIGITS = 12;
const SORT_KEY_PATTERN = /^\d{12}$/;

/**
 * The index partition a concurrency key is listed under: `KEYS#<shard>`.
 *
 * @example
 * ```ts
 * keyIndexPartitionOf('report:42'); // 'KEYS#0'
 * ```
 */
export function keyIndexPartitionOf(concurrencyKey: string): string {
  const digest = createHash('sha256').update(concurrencyKey).digest();
  return `${LISTING.partitionPrefix}${digest.readUInt32BE(0) % LISTING.shards}`;
}

/**
 * The index sort key of a key taken at `takenAtEpochSeconds`: 12 digits, zero-padded. Throws a
 * RangeError for anything but a whole number of seconds from 0 to 10¹² − 1 (no clock gives
 * another, and its string would not sort by time).
 *
 * @example
 * ```ts
 * keyIndexSortKeyOf(1_900_000_000); // '001900000000'
 * ```
 */
export function keyIndexSortKeyOf(takenAtEpochSeconds: number): string {
  const text = String(takenAtEpochSeconds);
  if (!Number.isSafeInteger(takenAtEpochSeconds) || takenAtEpochSeconds < 0) {
    throw new RangeError(`takenAt must be whole epoch seconds, got ${text}`);
  }
  if (text.length > SORT_KEY_DIGITS) {
    throw new RangeError(`takenAt must be below 10^${SORT_KEY_DIGITS}, got ${text}`);
  }
  return text.padStart(SORT_KEY_DIGITS, '0');
}

/**
 * The epoch second a key was taken, read back from its index sort key; undefined for anything
 * {@link keyIndexSortKeyOf} does not write (a producer may write any value).
 *
 * @example
 * ```ts
 * takenAtOfKeyIndexSortKey('001900000000'); // 1900000000
 * takenAtOfKeyIndexSortKey('2026-01-01T00:00:00.000Z#job-1'); // undefined
 * ```
 */
export function takenAtOfKeyIndexSortKey(sortKey: unknown): number | undefined {
  return typeof sortKey === 'string' && SORT_KEY_PATTERN.test(sortKey)
    ? Number(sortKey)
    : undefined;
}

/**
 * Every partition keys are listed under, shard 0 first.
 *
 * @example
 * ```ts
 * keyIndexPartitions(); // ['KEYS#0', 'KEYS#1', 'KEYS#2', 'KEYS#3']
 * ```
 */
export function keyIndexPartitions(): string[] {
  return Array.from({ length: LISTING.shards }, (_, i) => `${LISTING.partitionPrefix}${i}`);
}
