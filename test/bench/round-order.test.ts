import { describe, expect, it } from 'vitest';
import { BALANCED_ROUNDS, CONTENDERS, roundOrder } from '../../bench/throughput.ts';

const orders = Array.from({ length: BALANCED_ROUNDS }, (_, i) => roundOrder(i + 1));

function tally(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

describe('the throughput rounds drain the contenders in a balanced order', () => {
  it('every round drains each contender once', () => {
    for (const order of orders) expect([...order].sort()).toEqual([...CONTENDERS].sort());
  });

  it('over 2n rounds each contender drains twice in every position', () => {
    const positions = tally(orders.flatMap((order) => order.map((c, i) => `${c}@${i}`)));
    expect(positions.size).toBe(CONTENDERS.length ** 2);
    expect(new Set(positions.values())).toEqual(new Set([2]));
  });

  it('over 2n rounds each contender follows every other exactly twice', () => {
    const pairs = tally(
      orders.flatMap((order) => order.slice(1).map((c, i) => `${order[i]}>${c}`)),
    );
    expect(pairs.size).toBe(CONTENDERS.length * (CONTENDERS.length - 1));
    expect(new Set(pairs.values())).toEqual(new Set([2]));
  });

  it('starts again after 2n rounds', () => {
    expect(roundOrder(BALANCED_ROUNDS + 3)).toEqual(roundOrder(3));
  });
});
