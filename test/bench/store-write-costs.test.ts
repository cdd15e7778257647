import { describe, expect, it } from 'vitest';
import {
  medianPass,
  passOrder,
  STORE_WRITE_FORMS,
  type StoreWriteCost,
} from '../../bench/store-write-costs.ts';

const sample = (emulatorUsPerWrite: number, nodeUsPerWrite: number): StoreWriteCost => ({
  form: 'claims, grouped (claimMany)',
  table: 'no index',
  requestsPerWrite: { PutItem: 1 },
  emulatorUsPerWrite,
  nodeUsPerWrite,
});

describe('the store-write benchmark', () => {
  it('turns the order of tables and forms by one place each pass, every pair once per pass', () => {
    const tables = ['job table (its index)', 'no index'] as const;
    const first = passOrder(tables, 1);
    const second = passOrder(tables, 2);
    expect(first).toHaveLength(tables.length * STORE_WRITE_FORMS.length);
    expect(first[0]).toEqual(['job table (its index)', STORE_WRITE_FORMS[0]]);
    expect(second[0]).toEqual(first[1]);
    expect(second.at(-1)).toEqual(first[0]);
    expect(new Set(second.map((pair) => pair.join('|')))).toEqual(
      new Set(first.map((pair) => pair.join('|'))),
    );
  });

  it('reports the whole pass whose emulator and Node CPU together are the median', () => {
    const passes = [sample(1_975, 493), sample(1_175, 350), sample(975, 900)];
    // Totals 2,468, 1,525 and 1,875: the median total is the third pass's, whole.
    expect(medianPass(passes)).toBe(passes[2]);
  });
});
