import { beforeEach, describe, expect, it } from 'vitest';
import type { CircuitStateStore } from '../../packages/lambda-jobs/src/runtime/circuit/circuit-ports.ts';
import { unique } from './job-store-fixtures.ts';

const AT = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:00:30.000Z';
const MUCH_LATER = '2026-01-01T00:05:00.000Z';

/**
 * The behaviour every {@link CircuitStateStore} adapter must have: each transition decided by
 * one conditional write, so of concurrent workers exactly one opens a circuit and exactly one
 * takes the probe's turn; counts add up across shards and windows.
 *
 * @example
 * ```ts
 * describeCircuitStateContract('memory', async () => createMemoryCircuitState());
 * ```
 */
export function describeCircuitStateContract(
  name: string,
  makeStore: () => Promise<CircuitStateStore>,
): void {
  describe(`CircuitStateStore contract: ${name}`, () => {
    let store: CircuitStateStore;
    let type: string;

    beforeEach(async () => {
      store = await makeStore();
      type = unique('upstream-call');
    });

    it('reads a circuit never written as closed, generation 0', async () => {
      expect(await store.read(type)).toEqual({ type, position: 'closed', generation: 0 });
    });

    it('opens once among concurrent openers of the same generation', async () => {
      // Act
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          store.open(type, 0, {
            at: AT,
            probeAfter: LATER,
            mode: 'automatic',
            attempts: 20,
            failures: 12,
          }),
        ),
      );

      // Assess
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect(await store.read(type)).toMatchObject({
        position: 'open',
        generation: 1,
        mode: 'automatic',
        probeAfter: LATER,
        attempts: 20,
        failures: 12,
      });
    });

    it('gives the probe turn to exactly one of concurrent takers, only after probeAfter', async () => {
      // Prepare
      await store.open(type, 0, { at: AT, probeAfter: LATER, mode: 'automatic' });

      // Act
      const early = await store.takeProbe(type, 1, 'early', AT, MUCH_LATER);
      const taken = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.takeProbe(type, 1, `job-${i}`, LATER, MUCH_LATER),
        ),
      );

      // Assess
      expect(early).toBe(false);
      expect(taken.filter(Boolean)).toHaveLength(1);
      const winner = `job-${taken.indexOf(true)}`;
      expect(await store.read(type)).toMatchObject({
        probeJobId: winner,
        probeLeaseUntil: MUCH_LATER,
      });
    });

    it('lets another probe take the turn once the first probe’s lease ended', async () => {
      await store.open(type, 0, { at: AT, probeAfter: AT, mode: 'automatic' });
      expect(await store.takeProbe(type, 1, 'first', AT, LATER)).toBe(true);

      expect(await store.takeProbe(type, 1, 'second', AT, MUCH_LATER)).toBe(false);
      expect(await store.takeProbe(type, 1, 'second', MUCH_LATER, MUCH_LATER)).toBe(true);
    });

    it('closes on the probe’s success, re-opens on its failure, and ignores a stale probe', async () => {
      // Prepare
      await store.open(type, 0, { at: AT, probeAfter: AT, mode: 'automatic' });
      await store.takeProbe(type, 1, 'probe', AT, LATER);

      // Act / Assess: failure re-opens (generation 2), the stale probe then changes nothing.
      expect(
        await store.endProbe(type, 1, 'probe', { kind: 'reopen', probeAfter: LATER }, AT),
      ).toBe(true);
      expect(await store.read(type)).toMatchObject({
        position: 'open',
        generation: 2,
        probeAfter: LATER,
      });
      expect(await store.endProbe(type, 1, 'probe', { kind: 'close' }, LATER)).toBe(false);

      // Success of the next probe closes (generation 3).
      await store.takeProbe(type, 2, 'next', LATER, MUCH_LATER);
      expect(await store.endProbe(type, 2, 'next', { kind: 'close' }, LATER)).toBe(true);
      const closed = await store.read(type);
      expect(closed).toMatchObject({ position: 'closed', generation: 3, closedAt: LATER });
      expect(closed.probeJobId).toBeUndefined();
      expect(closed.probeAfter).toBeUndefined();
    });

    it('gives the turn back unjudged, leaving the circuit open', async () => {
      await store.open(type, 0, { at: AT, probeAfter: AT, mode: 'automatic' });
      await store.takeProbe(type, 1, 'probe', AT, MUCH_LATER);

      expect(await store.endProbe(type, 1, 'probe', { kind: 'release' }, AT)).toBe(true);
      expect(await store.takeProbe(type, 1, 'other', LATER, MUCH_LATER)).toBe(true);
    });

    it('lets an operator open (no probe) and close whatever the state', async () => {
      // Act
      const opened = await store.setManually(type, 'open', AT);
      const probe = await store.takeProbe(type, opened.generation, 'probe', MUCH_LATER, MUCH_LATER);
      const closed = await store.setManually(type, 'closed', LATER);

      // Assess
      expect(opened).toMatchObject({ position: 'open', mode: 'manual', generation: 1 });
      expect(opened.probeAfter).toBeUndefined();
      expect(probe).toBe(false);
      expect(closed).toMatchObject({ position: 'closed', mode: 'manual', generation: 2 });
      // An opening decided on the generation before the operator's is refused.
      expect(await store.open(type, 1, { at: LATER, mode: 'automatic' })).toBeUndefined();
    });

    it('adds counts per generation, window and shard, and sums them per window', async () => {
      // Act
      await store.addCounts(
        { type, generation: 1, windowStart: 60, shard: 0 },
        { attempts: 3, failures: 1 },
        999,
      );
      await store.addCounts(
        { type, generation: 1, windowStart: 60, shard: 0 },
        { attempts: 2, failures: 2 },
        999,
      );
      await store.addCounts(
        { type, generation: 1, windowStart: 60, shard: 7 },
        { attempts: 5, failures: 0 },
        999,
      );
      await store.addCounts(
        { type, generation: 1, windowStart: 0, shard: 3 },
        { attempts: 4, failures: 4 },
        999,
      );
      await store.addCounts(
        { type, generation: 2, windowStart: 60, shard: 0 },
        { attempts: 9, failures: 9 },
        999,
      );

      // Assess
      expect(await store.readCounts(type, 1, [60, 0, 120], 8)).toEqual([
        { attempts: 10, failures: 3 },
        { attempts: 4, failures: 4 },
        { attempts: 0, failures: 0 },
      ]);
    });
  });
}
