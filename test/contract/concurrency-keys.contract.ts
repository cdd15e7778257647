import { beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../packages/lambda-jobs/src/runtime/limits.ts';
import type { ConcurrencyKeyStore } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { unique } from './job-store-fixtures.ts';

const NOW = 1_900_000_000;
const DAY = 86_400;

/**
 * The behaviour every {@link ConcurrencyKeyStore} adapter must have: one holder per key, decided
 * by the write itself. `makeKeys` is called before each test; tests use their own key names.
 *
 * @example
 * ```ts
 * describeConcurrencyKeysContract('memory', async () => createMemoryConcurrencyKeys());
 * ```
 */
export function describeConcurrencyKeysContract(
  name: string,
  makeKeys: () => Promise<ConcurrencyKeyStore>,
): void {
  describe(`ConcurrencyKeyStore contract: ${name}`, () => {
    let keys: ConcurrencyKeyStore;
    let key: string;

    beforeEach(async () => {
      keys = await makeKeys();
      key = unique('account');
    });

    it('acquires a free key', async () => {
      // Act
      const acquired = await keys.acquire(key, 'job-1', NOW + DAY, NOW);

      // Assess
      expect(acquired).toBe(true);
    });

    it('refuses a key another live job holds', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + DAY, NOW);

      // Act
      const acquired = await keys.acquire(key, 'job-2', NOW + DAY, NOW + 10);

      // Assess
      expect(acquired).toBe(false);
    });

    it('holds the key up to and including its expiry second', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + 60, NOW);

      // Act
      const acquired = await keys.acquire(key, 'job-2', NOW + DAY, NOW + 60);

      // Assess
      expect(acquired).toBe(false);
    });

    it('acquires a key whose holder expired (TTL deletion may lag)', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + 60, NOW);

      // Act
      const acquired = await keys.acquire(key, 'job-2', NOW + DAY, NOW + 61);
      const third = await keys.acquire(key, 'job-3', NOW + DAY, NOW + 62);

      // Assess
      expect(acquired).toBe(true);
      expect(third).toBe(false);
    });

    it('release by the holder frees the key', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + DAY, NOW);

      // Act
      await keys.release(key, 'job-1');

      // Assess
      expect(await keys.acquire(key, 'job-2', NOW + DAY, NOW)).toBe(true);
    });

    it('release by another job is a no-op: the holder keeps the key', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + DAY, NOW);

      // Act
      await keys.release(key, 'job-2');

      // Assess
      expect(await keys.acquire(key, 'job-3', NOW + DAY, NOW)).toBe(false);
    });

    it('release of a key nobody holds is a no-op', async () => {
      // Act
      const released = keys.release(key, 'job-1');

      // Assess
      await expect(released).resolves.toBeUndefined();
      expect(await keys.acquire(key, 'job-2', NOW + DAY, NOW)).toBe(true);
    });

    it('abandon by the holder (a producer whose send failed) leaves the key free, by PutItem alone', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + DAY, NOW);

      // Act
      await keys.abandon(key, 'job-1', NOW + 5);

      // Assess
      expect(await keys.acquire(key, 'job-2', NOW + DAY, NOW + 5)).toBe(true);
    });

    it('abandon by another job is a no-op: the holder keeps the key', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + DAY, NOW);

      // Act
      await keys.abandon(key, 'job-2', NOW + 5);

      // Assess
      expect(await keys.acquire(key, 'job-3', NOW + DAY, NOW + 5)).toBe(false);
    });

    it('abandon of a free key is a no-op', async () => {
      // Act
      const abandoned = keys.abandon(key, 'job-1', NOW + 5);

      // Assess
      await expect(abandoned).resolves.toBeUndefined();
      expect(await keys.holder(key, NOW + 5)).toBeUndefined();
    });

    it('holder names the live holder, and no one for a free, expired or released key', async () => {
      // Prepare
      const free = unique('free');
      await keys.acquire(key, 'job-1', NOW + 60, NOW);

      // Act, Assess
      expect(await keys.holder(free, NOW)).toBeUndefined();
      expect(await keys.holder(key, NOW + 60)).toBe('job-1');
      expect(await keys.holder(key, NOW + 61)).toBeUndefined();
      await keys.release(key, 'job-1');
      expect(await keys.holder(key, NOW)).toBeUndefined();
    });

    it('treats a key held for longer than any acquire sets (a forged expiresAt) as free', async () => {
      // Prepare: a producer may write any expiresAt, e.g. a thousand years ahead.
      await keys.acquire(key, 'forger', NOW + 1000 * 365 * DAY, NOW);

      // Act
      const acquired = await keys.acquire(key, 'job-1', NOW + DAY, NOW + 1);

      // Assess
      expect(acquired).toBe(true);
      expect(await keys.acquire(key, 'job-2', NOW + DAY, NOW + 2)).toBe(false);
    });

    it('holds a key for the longest lifetime an acquire can set (longest delay plus safety net)', async () => {
      // Prepare
      await keys.acquire(key, 'job-1', NOW + LIMITS.maxConcurrencyKeyLifetimeSeconds, NOW);

      // Act
      const acquired = await keys.acquire(key, 'job-2', NOW + DAY, NOW);

      // Assess
      expect(acquired).toBe(false);
    });

    it.each([
      ['a free key', false],
      ['an expired key', true],
    ])('lets exactly one of several concurrent acquires of %s win', async (_, expired) => {
      // Prepare
      if (expired) await keys.acquire(key, 'job-0', NOW - 1, NOW - DAY);
      const contenders = ['job-1', 'job-2', 'job-3', 'job-4'];

      // Act
      const results = await Promise.all(
        contenders.map((jobId) => keys.acquire(key, jobId, NOW + DAY, NOW)),
      );

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = contenders[results.indexOf(true)]!;
      await keys.release(key, winner);
      expect(await keys.acquire(key, 'job-5', NOW + DAY, NOW)).toBe(true);
    });
  });
}
