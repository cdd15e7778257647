import { JobStatus } from '../job-status.ts';
import type { JobStore } from '../ports.ts';
import type { CompletionSource } from './monitor-ports.ts';

/** Options for {@link createJobStoreCompletionSource}. */
export interface JobStoreCompletionOptions {
  /** Records counted per queue and status at most; above it the rate is a lower bound. Default 1,000. */
  readonly maxCountedPerStatus?: number;
}

const FINISHED = [JobStatus.SUCCESSFUL, JobStatus.ERRORED] as const;

/**
 * Completions counted from the job records themselves: SUCCESSFUL and ERRORED records updated
 * within the window, listed through the store's queue/status index. For dev mode, where there is
 * no CloudWatch; on AWS the worker's JobsSucceeded/JobsErrored metrics answer the same
 * question without reading one item per job (`cloudwatch-completions.ts`).
 *
 * @example
 * ```ts
 * const completions = createJobStoreCompletionSource(store);
 * await completions.completions(queues, 600, new Date()); // Map { 'default' => 42 }
 * ```
 */
export function createJobStoreCompletionSource(
  store: Pick<JobStore, 'list'>,
  options: JobStoreCompletionOptions = {},
): CompletionSource {
  const cap = options.maxCountedPerStatus ?? 1000;
  async function count(queue: string, status: JobStatus, since: string): Promise<number> {
    let counted = 0;
    let cursor: string | undefined;
    do {
      const page = await store.list({
        queue,
        status,
        since,
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      counted += page.items.length;
      cursor = page.cursor;
    } while (cursor && counted < cap);
    return Math.min(counted, cap);
  }
  return {
    async completions(queues, windowSeconds, now) {
      const since = new Date(now.getTime() - windowSeconds * 1000).toISOString();
      const entries = await Promise.all(
        queues.map(async (queue) => {
          const counts = await Promise.all(
            FINISHED.map((status) => count(queue.name, status, since)),
          );
          return [queue.name, counts.reduce((a, b) => a + b, 0)] as const;
        }),
      );
      return new Map(entries);
    },
  };
}
