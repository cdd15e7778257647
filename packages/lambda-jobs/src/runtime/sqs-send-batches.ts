import { LIMITS } from './limits.ts';

/**
 * Splits items into SendMessageBatch requests, in order: at most {@link LIMITS.sqsBatchSize}
 * entries and {@link LIMITS.sqsBatchBytes} of message bodies per request. Every item fits a
 * request on its own (an envelope is at most {@link LIMITS.maxEnvelopeBytes}).
 *
 * @example
 * ```ts
 * for (const batch of sqsSendBatches(items, (item) => Buffer.byteLength(item.body))) {
 *   await transport.sendBatch(url, batch.map(toEntry));
 * }
 * ```
 */
export function sqsSendBatches<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    const full =
      current.length === LIMITS.sqsBatchSize || currentBytes + bytes > LIMITS.sqsBatchBytes;
    if (full && current.length > 0) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
