import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGroupCommit } from '../../packages/lambda-jobs/src/runtime/group-commit.ts';

/** A group commit whose writes are recorded and all succeed, unless `answer` says otherwise. */
function recordingCommit(
  options: {
    maxEntries?: number;
    lingerMs?: number;
    answer?: (entries: string[]) => boolean[];
  } = {},
) {
  const groups: string[][] = [];
  const group = createGroupCommit<string, boolean>({
    unwritten: false,
    write: async (entries) => {
      groups.push([...entries]);
      return options.answer ? options.answer([...entries]) : entries.map(() => true);
    },
    maxEntries: options.maxEntries ?? 25,
    lingerMs: options.lingerMs ?? 50,
  });
  return { group, groups };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createGroupCommit', () => {
  it('writes once every piece of work that began is waiting on it', async () => {
    // Prepare
    const { group, groups } = recordingCommit();
    group.begin();
    group.begin();
    group.begin();

    // Act
    const first = group.commit('a');
    const second = group.commit('b');
    await vi.advanceTimersByTimeAsync(0);
    const writtenBeforeTheLast = groups.length;
    const third = group.commit('c');

    // Assess
    expect(await Promise.all([first, second, third])).toEqual([true, true, true]);
    expect(writtenBeforeTheLast).toBe(0);
    expect(groups).toEqual([['a', 'b', 'c']]);
  });

  it('writes when the work it waits for ends without an entry', async () => {
    // Prepare
    const { group, groups } = recordingCommit();
    group.begin();
    group.begin();
    const waiting = group.commit('a');

    // Act
    group.end();

    // Assess
    expect(await waiting).toBe(true);
    expect(groups).toEqual([['a']]);
  });

  it('writes after lingerMs when other work is still running', async () => {
    // Prepare
    const { group, groups } = recordingCommit({ lingerMs: 50 });
    group.begin();
    group.begin();
    const waiting = group.commit('a');

    // Act
    await vi.advanceTimersByTimeAsync(49);
    const before = groups.length;
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(before).toBe(0);
    expect(groups).toEqual([['a']]);
    expect(await waiting).toBe(true);
  });

  it('writes a full group at once, without waiting for the rest', async () => {
    // Prepare
    const { group, groups } = recordingCommit({ maxEntries: 2 });
    for (let i = 0; i < 3; i++) group.begin();

    // Act
    const full = [group.commit('a'), group.commit('b')];

    // Assess
    expect(await Promise.all(full)).toEqual([true, true]);
    expect(groups).toEqual([['a', 'b']]);
  });

  it('answers each entry as its write did, and false for all when the write rejects', async () => {
    // Prepare
    const partly = recordingCommit({ answer: (entries) => entries.map((e) => e !== 'b') });
    const failing = createGroupCommit<string, boolean>({
      unwritten: false,
      write: () => Promise.reject(new Error('throttled')),
      maxEntries: 25,
      lingerMs: 50,
    });
    partly.group.begin();
    partly.group.begin();
    failing.begin();

    // Act
    const answers = await Promise.all([partly.group.commit('a'), partly.group.commit('b')]);
    const rejected = await failing.commit('c');

    // Assess
    expect(answers).toEqual([true, false]);
    expect(rejected).toBe(false);
  });

  it('counts work as running again once its entry is written', async () => {
    // Prepare: the first piece of work commits, then keeps running (logs, releases its key).
    const { group, groups } = recordingCommit({ lingerMs: 50 });
    group.begin();
    group.begin();
    group.commit('a');
    group.end(); // the second piece ends without an entry: 'a' is written
    await vi.advanceTimersByTimeAsync(0);
    group.begin(); // a third piece begins

    // Act: the third commits while the first still runs, so it waits for the linger.
    const third = group.commit('c');
    await vi.advanceTimersByTimeAsync(0);
    const before = groups.length;
    await vi.advanceTimersByTimeAsync(50);

    // Assess
    expect(before).toBe(1);
    expect(groups).toEqual([['a'], ['c']]);
    expect(await third).toBe(true);
  });
});
