import type { Logger } from '@aws-lambda-powertools/logger';

/** How long before the invocation's end the watch names the jobs still running, ms. */
export const TIMEOUT_WATCH_LEAD_MS = 500;

/** A job the invocation is running, as the warning names it. */
export interface WatchedJob {
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
  readonly startedAt: string;
}

/**
 * Names the jobs an invocation is still running just before Lambda ends it, so that a timeout
 * can be traced to its jobs without a "started" line per job on the success path.
 */
export interface TimeoutWatch {
  /** Watches a job from its claim; the returned function stops watching it. */
  track(job: WatchedJob): () => void;
  /** Sets the warning to fire {@link TIMEOUT_WATCH_LEAD_MS} before the invocation's end. */
  arm(remainingMs: number): void;
  /** Cancels the warning (the batch is answered). */
  disarm(): void;
}

/**
 * Creates the watch for one batch. Its timer is unreferenced: it never keeps a process alive, and it fires
 * only while the event loop runs (a loop blocked until the end writes nothing, as any line).
 * When it fires it first calls `beforeWarning` (the batch writes the line naming the jobs it
 * finished so far), then names the jobs still running.
 *
 * @example
 * ```ts
 * const watch = createTimeoutWatch(logger, 'default');
 * watch.arm(context.getRemainingTimeInMillis());
 * const untrack = watch.track({ id, type, attempt, startedAt });
 * try { await run(); } finally { untrack(); }
 * watch.disarm();
 * ```
 */
export function createTimeoutWatch(
  logger: Logger,
  queue: string,
  beforeWarning: () => void = () => {},
): TimeoutWatch {
  const running = new Set<WatchedJob>();
  let timer: NodeJS.Timeout | undefined;

  const warn = () => {
    timer = undefined;
    beforeWarning();
    if (running.size === 0) return;
    logger.warn('Invocation about to time out; these jobs have no outcome recorded yet', {
      queue,
      running_jobs: [...running].map((job) => ({
        job_id: job.id,
        job_type: job.type,
        attempt: job.attempt,
        started_at: job.startedAt,
      })),
    });
  };

  return {
    track(job) {
      running.add(job);
      return () => running.delete(job);
    },
    arm(remainingMs) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(warn, Math.max(0, remainingMs - TIMEOUT_WATCH_LEAD_MS));
      timer.unref();
    },
    disarm() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
