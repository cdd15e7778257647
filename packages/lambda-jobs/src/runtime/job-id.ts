import { randomBytes } from 'node:crypto';

/**
 * A new job id: a UUID version 7 (RFC 9562), so ids sort by creation time and stay unique
 * across producers without coordination.
 *
 * @example
 * ```ts
 * newJobId(); // '0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f'
 * ```
 */
export function newJobId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
