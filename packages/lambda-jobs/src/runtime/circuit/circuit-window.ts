import type { AttemptCounts } from './circuit-ports.ts';

/**
 * The start of the window `seconds` falls in, epoch seconds: windows are aligned on multiples
 * of their length, so every worker adds to the same counters.
 *
 * @example `windowStartOf(125.4, 60) === 120`
 */
export function windowStartOf(seconds: number, windowSeconds: number): number {
  return Math.floor(seconds / windowSeconds) * windowSeconds;
}

/**
 * The counts of the last `windowSeconds`, estimated from two aligned windows: all of the
 * current one, and of the previous one the share the sliding window still covers (the rate
 * limiter's sliding-window estimate). `elapsed` is how far the current window has run, 0–1.
 *
 * @example
 * ```ts
 * slidingWindowCounts({ attempts: 10, failures: 8 }, { attempts: 20, failures: 0 }, 0.5);
 * // { attempts: 20, failures: 8 }
 * ```
 */
export function slidingWindowCounts(
  current: AttemptCounts,
  previous: AttemptCounts,
  elapsed: number,
): AttemptCounts {
  const kept = Math.min(1, Math.max(0, 1 - elapsed));
  return {
    attempts: Math.round(current.attempts + previous.attempts * kept),
    failures: Math.round(current.failures + previous.failures * kept),
  };
}
