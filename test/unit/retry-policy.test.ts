import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_DELAY,
  MAX_VISIBILITY_SECONDS,
  type RetryDelay,
  retryDelaySeconds,
} from '../../packages/lambda-jobs/src/runtime/retry-policy.ts';

/** A `random` that always answers `value`, so jitter is exact. */
const always = (value: number) => () => value;

describe('retryDelaySeconds', () => {
  describe('exponential', () => {
    const doubling: RetryDelay = {
      kind: 'exponential',
      baseSeconds: 3,
      maxSeconds: 100,
      jitter: 'none',
    };

    it('waits baseSeconds after the first failure and doubles after each further one', () => {
      expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(doubling, n))).toEqual([
        3, 6, 12, 24, 48,
      ]);
    });

    it('never waits longer than maxSeconds', () => {
      expect(retryDelaySeconds(doubling, 6)).toBe(96);
      expect(retryDelaySeconds(doubling, 7)).toBe(100);
      expect(retryDelaySeconds(doubling, 60)).toBe(100);
    });

    it('treats an attempt below 1 as the first', () => {
      expect(retryDelaySeconds(doubling, 0)).toBe(3);
      expect(retryDelaySeconds(doubling, -4)).toBe(3);
    });

    it('full jitter: uniform between 0 and the delay', () => {
      const full: RetryDelay = { ...doubling, jitter: 'full' };
      expect(retryDelaySeconds(full, 3, always(0))).toBe(0);
      expect(retryDelaySeconds(full, 3, always(0.25))).toBe(3);
      expect(retryDelaySeconds(full, 3, always(0.999))).toBe(12);
    });

    it('equal jitter: half the delay plus uniform up to the other half', () => {
      const equal: RetryDelay = { ...doubling, jitter: 'equal' };
      expect(retryDelaySeconds(equal, 3, always(0))).toBe(6);
      expect(retryDelaySeconds(equal, 3, always(0.5))).toBe(9);
      expect(retryDelaySeconds(equal, 3, always(0.999))).toBe(12);
    });

    it('uses equal jitter when none is named', () => {
      const unnamed: RetryDelay = { kind: 'exponential', baseSeconds: 4, maxSeconds: 100 };
      expect(retryDelaySeconds(unnamed, 2, always(0))).toBe(4);
      expect(retryDelaySeconds(unnamed, 2, always(0.5))).toBe(6);
    });

    it('draws from Math.random unless told otherwise', () => {
      const full: RetryDelay = { ...doubling, jitter: 'full' };
      const seen = new Set(Array.from({ length: 200 }, () => retryDelaySeconds(full, 7)));
      expect(seen.size).toBeGreaterThan(10);
      for (const delay of seen) {
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(100);
      }
    });
  });

  describe('the default policy', () => {
    it('is exponential from 2 s, capped at 5 minutes, with equal jitter', () => {
      expect(DEFAULT_RETRY_DELAY).toEqual({
        kind: 'exponential',
        baseSeconds: 2,
        maxSeconds: 300,
        jitter: 'equal',
      });
    });

    it('never retries at once, and never later than 5 minutes', () => {
      expect(retryDelaySeconds(DEFAULT_RETRY_DELAY, 1, always(0))).toBe(1);
      expect(retryDelaySeconds(DEFAULT_RETRY_DELAY, 1, always(0.999))).toBe(2);
      expect(retryDelaySeconds(DEFAULT_RETRY_DELAY, 5, always(0))).toBe(16);
      expect(retryDelaySeconds(DEFAULT_RETRY_DELAY, 20, always(0))).toBe(150);
      expect(retryDelaySeconds(DEFAULT_RETRY_DELAY, 20, always(0.999))).toBe(300);
    });
  });

  describe('fixed and function policies', () => {
    it('fixed: the same delay after every attempt', () => {
      const fixed: RetryDelay = { kind: 'fixed', seconds: 30 };
      expect([1, 2, 9].map((n) => retryDelaySeconds(fixed, n, always(0)))).toEqual([30, 30, 30]);
    });

    it('function: called with the attempt that failed', () => {
      const asked: number[] = [];
      const policy: RetryDelay = (attempt) => {
        asked.push(attempt);
        return attempt * 10;
      };
      expect(retryDelaySeconds(policy, 4)).toBe(40);
      expect(asked).toEqual([4]);
    });
  });

  describe('the answer is a whole number of seconds from 0 to 43,200', () => {
    it('rounds to the nearest second', () => {
      expect(retryDelaySeconds({ kind: 'fixed', seconds: 2.4 }, 1)).toBe(2);
      expect(retryDelaySeconds({ kind: 'fixed', seconds: 2.6 }, 1)).toBe(3);
    });

    it('clamps to 43,200 s, the longest SQS can hide a message', () => {
      expect(MAX_VISIBILITY_SECONDS).toBe(43_200);
      expect(retryDelaySeconds({ kind: 'fixed', seconds: 43_200 }, 1)).toBe(43_200);
      expect(retryDelaySeconds({ kind: 'fixed', seconds: 43_201 }, 1)).toBe(43_200);
      const huge: RetryDelay = {
        kind: 'exponential',
        baseSeconds: 3600,
        maxSeconds: 86_400,
        jitter: 'none',
      };
      expect(retryDelaySeconds(huge, 5)).toBe(43_200);
    });

    it('answers 0 for a negative, infinite or non-numeric delay', () => {
      expect(retryDelaySeconds({ kind: 'fixed', seconds: -5 }, 1)).toBe(0);
      expect(retryDelaySeconds(() => Number.POSITIVE_INFINITY, 1)).toBe(0);
      expect(retryDelaySeconds(() => Number.NaN, 1)).toBe(0);
      expect(retryDelaySeconds(() => 0, 1)).toBe(0);
    });
  });
});
