/** Options for {@link createGroupCommit}. */
export interface GroupCommitOptions<Entry, Result> {
  /**
   * Writes a group of entries and answers, per entry and in order, what became of it (for
   * example whether it was written). A rejection counts as `unwritten` for every entry.
   */
  readonly write: (entries: readonly Entry[]) => Promise<readonly Result[]>;
  /** The answer for an entry the write did not carry (it rejected, or answered nothing for it). */
  readonly unwritten: Result;
  /** Most entries per write; a full group is written at once. */
  readonly maxEntries: number;
  /** Longest an entry waits for the work still running before its group is written, ms. */
  readonly lingerMs: number;
}

/**
 * Gathers the writes of concurrent work into groups, as a database's group commit does: an
 * entry is written when every piece of work that has begun is waiting on the commit (or has
 * ended), when `maxEntries` are waiting, or after `lingerMs`, whichever comes first.
 */
export interface GroupCommit<Entry, Result> {
  /** A piece of work began: the commit waits for it (up to `lingerMs`) before writing. */
  begin(): void;
  /** That piece of work ended. */
  end(): void;
  /**
   * Adds the entry of a piece of work that has begun and waits for the write that carries it,
   * answering what the write answered for it (`unwritten` when the caller must write it
   * itself). While it waits, the work counts as not running.
   */
  commit(entry: Entry): Promise<Result>;
}

interface Waiting<Entry, Result> {
  readonly entry: Entry;
  readonly settle: (result: Result) => void;
}

/**
 * @example
 * ```ts
 * const group = createGroupCommit({ write: (records) => store.putMany(records), unwritten: false, maxEntries: 25, lingerMs: 20 });
 * group.begin();
 * try { const written = await group.commit(record); if (!written) await store.put(record); }
 * finally { group.end(); }
 * ```
 */
export function createGroupCommit<Entry, Result>(
  options: GroupCommitOptions<Entry, Result>,
): GroupCommit<Entry, Result> {
  const maxEntries = Math.max(1, options.maxEntries);
  let running = 0;
  let waiting: Waiting<Entry, Result>[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function writeGroup(group: readonly Waiting<Entry, Result>[]): Promise<void> {
    let results: readonly Result[];
    try {
      results = await options.write(group.map((w) => w.entry));
    } catch {
      results = [];
    }
    group.forEach((w, i) => {
      w.settle(i < results.length ? (results[i] as Result) : options.unwritten);
    });
  }

  function flush(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const taken = waiting;
    waiting = [];
    for (let start = 0; start < taken.length; start += maxEntries) {
      void writeGroup(taken.slice(start, start + maxEntries));
    }
  }

  function flushIfReady(): void {
    if (waiting.length === 0) return;
    if (running <= 0 || waiting.length >= maxEntries) flush();
    else timer ??= setTimeout(flush, options.lingerMs);
  }

  return {
    begin() {
      running += 1;
    },
    end() {
      running -= 1;
      flushIfReady();
    },
    async commit(entry) {
      const written = new Promise<Result>((settle) => {
        waiting.push({ entry, settle });
      });
      running -= 1;
      flushIfReady();
      try {
        return await written;
      } finally {
        running += 1;
      }
    },
  };
}
