import { JobTimeoutError } from './errors.ts';

/**
 * Runs `work` with an AbortSignal that fires at the deadline. If the work ignores the signal,
 * the returned promise still rejects with {@link JobTimeoutError} at the deadline, so the worker
 * can record the outcome before the Lambda itself is stopped.
 */
export async function runWithDeadline<T>(
  jobId: string,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError(jobId, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
