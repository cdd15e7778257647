/**
 * Retry delay as data: how long to wait before attempt `n + 1` after attempt `n` failed.
 *
 * @example
 * ```ts
 * retryDelay: { kind: 'exponential', baseSeconds: 2, maxSeconds: 300, jitter: 'full' }
 * retryDelay: { kind: 'fixed', seconds: 30 }
 * retryDelay: (attempt) => attempt * 10
 * ```
 */
export type RetryDelay =
  | { readonly kind: 'fixed'; readonly seconds: number }
  | {
      readonly kind: 'exponential';
      /** Delay after the first failure; doubles after each further one. */
      readonly baseSeconds: number;
      /** Ceiling for any one delay. */
      readonly maxSeconds: number;
      /** `full`: uniform in [0, delay]; `equal`: delay/2 + uniform in [0, delay/2]; `none`. */
      readonly jitter?: 'full' | 'equal' | 'none';
    }
  | ((attempt: number) => number);

/** Default: exponential from 2 s, capped at 5 minutes, equal jitter (never 0, never bunched). */
export const DEFAULT_RETRY_DELAY: RetryDelay = {
  kind: 'exponential',
  baseSeconds: 2,
  maxSeconds: 300,
  jitter: 'equal',
};

/** The longest SQS can hide a message (ChangeMessageVisibility): 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Seconds to wait after `attempt` (1-based) failed, as a whole number in 0–43,200.
 * `random` is injectable so tests are exact.
 */
export function retryDelaySeconds(
  policy: RetryDelay,
  attempt: number,
  random: () => number = Math.random,
): number {
  let seconds: number;
  if (typeof policy === 'function') {
    seconds = policy(attempt);
  } else if (policy.kind === 'fixed') {
    seconds = policy.seconds;
  } else {
    const raw = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
    const jitter = policy.jitter ?? 'equal';
    seconds =
      jitter === 'full'
        ? raw * random()
        : jitter === 'equal'
          ? raw / 2 + (raw / 2) * random()
          : raw;
  }
  if (!Number.isFinite(seconds) || seconds < 0) return 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(seconds));
}
