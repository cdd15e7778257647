import { JobNotFoundError, JobStateConflictError } from './errors.ts';

/**
 * Runs a store or queue call up to `tries` times, waiting a little longer each time, when it
 * fails for a reason that is not a domain answer (a throttle, a dropped connection, a lost
 * response). Used for writes that are safe to repeat: claims carry a token and outcomes carry
 * their timestamp, so a repeat of an applied write is recognised.
 */
export async function retryTransient<T>(
  work: () => Promise<T>,
  tries = 3,
  baseDelayMs = 50,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const domain = error instanceof JobStateConflictError || error instanceof JobNotFoundError;
      if (domain || attempt >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 4 ** (attempt - 1)));
    }
  }
}

/**
 * Tries of an attempt's outcome write (about 4 s of waits in all): an outcome the store did not
 * take leaves the record RUNNING until the rescue finds the attempt lost and runs it again,
 * so the write is worth a few more tries than other calls.
 */
export const OUTCOME_WRITE_TRIES = 5;

/**
 * Seconds after which a message whose processing failed on a store or queue error (after
 * its retries) is delivered again: soon, rather than after the queue's whole visibility
 * timeout. Its next delivery decides from the record as it then stands.
 */
export const REDELIVERY_AFTER_FAILURE_SECONDS = 5;
