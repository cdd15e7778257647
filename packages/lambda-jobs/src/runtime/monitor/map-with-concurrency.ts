/**
 * Maps `items` through `task` with at most `limit` tasks running at once; results keep the
 * order of `items`. A task that throws rejects the whole map (the monitor's tasks catch their
 * own errors, so one queue never stops the others).
 *
 * @example
 * ```ts
 * const depths = await mapWithConcurrency(queues, 10, (q) => source.depth(q.url));
 * ```
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
