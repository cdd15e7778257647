import { describe, expect, it } from 'vitest';
import { BY_QUEUE_STATUS_PROJECTION } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { QUEUE_NAME_PATTERN } from '../../packages/lambda-jobs/src/config/validate-config.ts';
import {
  keyIndexPartitionOf,
  keyIndexPartitions,
  keyIndexSortKeyOf,
  takenAtOfKeyIndexSortKey,
} from '../../packages/lambda-jobs/src/runtime/concurrency-key-index-entry.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { statusIndexPartitions } from '../../packages/lambda-jobs/src/runtime/status-index-shard.ts';

describe('the index entry of a concurrency key', () => {
  it('lists keys under four partitions, KEYS#0 to KEYS#3', () => {
    expect(keyIndexPartitions()).toEqual(['KEYS#0', 'KEYS#1', 'KEYS#2', 'KEYS#3']);
  });

  it('puts a key under one of them, always the same, and spreads many keys over all four', () => {
    // Prepare
    const keys = Array.from({ length: 200 }, (_, i) => `account:${i}`);

    // Act
    const partitions = keys.map(keyIndexPartitionOf);

    // Assess
    expect(keys.map(keyIndexPartitionOf)).toEqual(partitions);
    expect(new Set(partitions)).toEqual(new Set(keyIndexPartitions()));
    for (const partition of new Set(partitions)) {
      expect(partitions.filter((p) => p === partition).length).toBeGreaterThan(20);
    }
  });

  it('never shares a partition with a job list, whatever the queue, status or shard, nor with the delayed deliveries', () => {
    // Prepare: queue names as close to the key partitions as the config lets them be.
    const queues = ['keys', 'default', '0', 'keys-0'];
    expect(queues.every((queue) => QUEUE_NAME_PATTERN.test(queue))).toBe(true);

    // Act
    const jobLists = queues.flatMap((queue) =>
      Object.values(JobStatus).flatMap((status) => statusIndexPartitions(queue, status, 256)),
    );

    // Assess
    const keyPartitions = new Set(keyIndexPartitions());
    expect(jobLists.filter((partition) => keyPartitions.has(partition))).toEqual([]);
    expect(keyPartitions.has('DELAYED')).toBe(false);
  });

  it('sorts by the time the key was taken, as 12 zero-padded digits whose string order is the numeric one', () => {
    // Prepare
    const times = [0, 9, 999, 1_000, 1_900_000_000, 9_999_999_999, 10_000_000_000, 999_999_999_999];

    // Act
    const sortKeys = times.map(keyIndexSortKeyOf);

    // Assess
    expect(keyIndexSortKeyOf(1_900_000_000)).toBe('001900000000');
    expect(sortKeys.every((sortKey) => /^\d{12}$/.test(sortKey))).toBe(true);
    expect([...sortKeys].reverse().sort()).toEqual(sortKeys);
  });

  it('reads the time back from the sort key it writes', () => {
    for (const takenAt of [0, 1, 1_900_000_000, 999_999_999_999]) {
      expect(takenAtOfKeyIndexSortKey(keyIndexSortKeyOf(takenAt))).toBe(takenAt);
    }
  });

  it.each([
    ['a negative time', -1],
    ['a fraction of a second', 1_900_000_000.5],
    ['NaN', Number.NaN],
    ['13 digits', 1_000_000_000_000],
  ])('refuses to write a sort key for %s', (_label, takenAt) => {
    expect(() => keyIndexSortKeyOf(takenAt)).toThrow(RangeError);
  });

  it.each([
    ['a number (not the index’s string type)', 1_900_000_000],
    ['unpadded digits', '1900000000'],
    ['13 digits', '0001900000000'],
    ['digits and more', '001900000000#account:42'],
    ['a leading space', ' 01900000000'],
    ['a sign', '-00000000001'],
    ['a decimal point', '01900000000.'],
    ['a job list’s sort key', '2026-12-06T10:00:00.000Z#job-1'],
    ['nothing', undefined],
    ['an empty string', ''],
  ])('reads no time from %s (a producer may write any value)', (_label, sortKey) => {
    expect(takenAtOfKeyIndexSortKey(sortKey)).toBeUndefined();
  });
});

describe('the byQueueStatus projection, as the key listing reads it', () => {
  it('keeps the fields the orphaned-key sweep reads of a key’s entry: its holder and expiry', () => {
    expect(BY_QUEUE_STATUS_PROJECTION).toEqual(expect.arrayContaining(['jobId', 'expiresAt']));
  });
});
