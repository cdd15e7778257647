import { LIMITS } from './limits.ts';

/**
 * Whether a concurrency key whose `expiresAt` is `expiresAtEpochSeconds` still holds at
 * `nowEpochSeconds`: not expired (TTL deletion can lag by days, so the time itself decides),
 * and not claiming a lifetime longer than any acquire sets (`LIMITS.maxConcurrencyKeyLifetimeSeconds`),
 * which only a forged item can. The rule both key stores' acquire and `holder` follow; the
 * DynamoDB acquire states the same in its condition.
 *
 * @example
 * ```ts
 * isKeyHeld(item.expiresAt, Math.floor(Date.now() / 1000)); // false once expired or forged
 * ```
 */
export function isKeyHeld(expiresAtEpochSeconds: number, nowEpochSeconds: number): boolean {
  return (
    !(expiresAtEpochSeconds < nowEpochSeconds) &&
    !(expiresAtEpochSeconds > nowEpochSeconds + LIMITS.maxConcurrencyKeyLifetimeSeconds)
  );
}
