import { isKeyHeld } from '../../concurrency-key-lifetime.ts';
import type { ConcurrencyKeyStore } from '../../ports.ts';
import { createFaultPlan, type InjectedFaults } from './injected-faults.ts';

/** Who holds a concurrency key, and until when (epoch seconds). */
export interface KeyHolder {
  readonly jobId: string;
  readonly expiresAtEpochSeconds: number;
}

/** The in-memory key store, plus what tests use to look inside and to make it fail. */
export interface MemoryConcurrencyKeyStore
  extends ConcurrencyKeyStore,
    InjectedFaults<keyof ConcurrencyKeyStore> {
  /** The key's current holder (expired holders included, as an item awaiting TTL deletion). */
  holderOf(key: string): KeyHolder | undefined;
}

/**
 * Concurrency keys in memory, with the DynamoDB store's semantics: acquire succeeds when the
 * key is free, its holder expired before `now` (`expiresAt < now`) or claims a lifetime no
 * acquire sets (a forged item); any live holder refuses, the same job included. Release removes
 * the key only for its holder and is a no-op otherwise; abandon leaves it expired instead. Each call is atomic, so concurrent acquires race as conditional writes do.
 *
 * @example
 * ```ts
 * const keys = createMemoryConcurrencyKeys();
 * await keys.acquire('account:42', jobId, nowSeconds + 86_400, nowSeconds); // true
 * keys.holderOf('account:42'); // { jobId, expiresAtEpochSeconds }
 * ```
 */
export function createMemoryConcurrencyKeys(): MemoryConcurrencyKeyStore {
  const holders = new Map<string, KeyHolder>();
  const faults = createFaultPlan<keyof ConcurrencyKeyStore>();
  return {
    failNext: faults.failNext,

    // Stryker disable next-line BlockStatement: a test's view of the key, not part of the store's behaviour
    holderOf(key) {
      return holders.get(key);
    },

    async acquire(key, jobId, expiresAtEpochSeconds, nowEpochSeconds) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a key's state
      faults.throwIfArranged('acquire');
      const holder = holders.get(key);
      if (holder && isKeyHeld(holder.expiresAtEpochSeconds, nowEpochSeconds)) return false;
      holders.set(key, { jobId, expiresAtEpochSeconds });
      return true;
    },

    async holder(key, nowEpochSeconds) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a key's state
      faults.throwIfArranged('holder');
      const held = holders.get(key);
      return held && isKeyHeld(held.expiresAtEpochSeconds, nowEpochSeconds)
        ? held.jobId
        : undefined;
    },

    async abandon(key, jobId, nowEpochSeconds) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a key's state
      faults.throwIfArranged('abandon');
      if (holders.get(key)?.jobId === jobId) {
        holders.set(key, { jobId, expiresAtEpochSeconds: nowEpochSeconds - 1 });
      }
    },

    async release(key, jobId) {
      // Stryker disable next-line StringLiteral,CallExpression: the injected-fault hook of tests, not a key's state
      faults.throwIfArranged('release');
      if (holders.get(key)?.jobId === jobId) holders.delete(key);
    },
  };
}
