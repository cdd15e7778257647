/** Options for {@link createGroupCommit}. */
export interface GroupCommitOptions<Entry> {
  /**
   * Writes a group of entries and answers, per entry and in order, whether it was written.
   * A rejection counts as "none written".
   */
  readonly write: (entries: readonly Entry[]) => Promise<readonly boolean[]>;
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
export interface GroupCommit<Entry> {
  /** A piece of work began: the commit waits for it (up to `lingerMs`) before writing. */
  begin(): void;
  /** That piece of work ended. */
  end(): void;
  /**
   * Adds the entry of a piece of work that has begun and waits for the write that carries it:
   * true when it was written, false when the caller must write it itself. While it waits, the
   * work counts as not running.
   */
  commit(entry: Entry): Promise<boolean>;
}

interface Waiting<Entry> {
  readonly entry: Entry;
  readonly settle: (written: boolean) => void;
}

/**
 * @example
 * ```ts
 * const group = createGroupCommit({ write: (records) => store.putMany(records), maxEntries: 25, lingerMs: 20 });
 * group.begin();
 * try { const written = await group.commit(record); if (!written) await store.put(record); }
 * finally { group.end(); }
 * ```
 */
export function createGroupCommit<Entry>(options: GroupCommitOptions<Entry>): GroupCommit<Entry> {
  const maxEntries = Math.max(1, options.maxEntries);
  let running = 0;
  let waiting: Waiting<Entry>[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function writeGroup(group: readonly Waiting<Entry>[]): Promise<void> {
    let written: readonly boolean[];
    try {
      written = await options.write(group.map((w) => w.entry));
    } catch {
      written = [];
    }
    group.forEach((w, i) => {
      w.settle(written[i] === true);
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
      const written = new Promise<boolean>((settle) => {
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
