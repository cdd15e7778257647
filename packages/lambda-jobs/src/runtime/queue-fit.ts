import type { JobEnvelope } from './envelope.ts';
import { JobInputError } from './errors.ts';

/** What a queue's worker can run: its function timeout and the part kept back to record outcomes. */
export interface QueueRunLimits {
  readonly queueName: string;
  readonly functionTimeoutMs: number;
  /** Kept back from the function timeout to record the outcome (the dispatcher's deadline margin). */
  readonly marginMs: number;
}

/** The longest job timeout a queue's worker can run, whole seconds. */
function longestTimeoutSeconds(limits: QueueRunLimits): number {
  return Math.floor((limits.functionTimeoutMs - limits.marginMs) / 1000);
}

/**
 * A JobInputError when a job timeout can never fit in the queue's worker (a delivery would wait
 * for an invocation with more time than the function has, forever); undefined when it fits.
 *
 * @example
 * ```ts
 * timeoutMisfit('timeoutSeconds', 120, { queueName: 'default', functionTimeoutMs: 60_000, marginMs: 2000 });
 * // JobInputError: timeoutSeconds is 120 s; queue "default" runs a job for at most 58 s …
 * ```
 */
export function timeoutMisfit(
  field: string,
  timeoutSeconds: number,
  limits: QueueRunLimits,
): JobInputError | undefined {
  const longest = longestTimeoutSeconds(limits);
  if (timeoutSeconds <= longest) return undefined;
  return new JobInputError(
    field,
    `at most ${longest} s on queue "${limits.queueName}"`,
    `${field} is ${timeoutSeconds} s; queue "${limits.queueName}" runs a job for at most ${longest} s (its function timeout of ${limits.functionTimeoutMs / 1000} s less ${limits.marginMs / 1000} s to record the outcome). Lower the timeout or use a queue whose function runs longer.`,
  );
}

/**
 * Why an envelope can never run on the queue it arrived on, or undefined: it names another
 * queue (its record would silently take this one), or its timeout cannot fit in this queue's
 * function. Such a message is rejected once (ERRORED record naming the field, DLQ) rather than
 * returned by the deadline guard on every delivery.
 */
export function envelopeMisfit(
  envelope: JobEnvelope,
  timeoutSeconds: number,
  limits: QueueRunLimits | undefined,
  arrivalQueue: string,
): JobInputError | undefined {
  if (envelope.queue !== arrivalQueue) {
    return new JobInputError(
      'queue',
      `"${arrivalQueue}", the queue the message was sent to`,
      `queue is "${envelope.queue}" but the message arrived on queue "${arrivalQueue}"; send a job's message to the queue its envelope names`,
    );
  }
  if (!limits) return undefined;
  const field =
    envelope.options?.timeoutSeconds === undefined ? 'timeoutSeconds' : 'options.timeoutSeconds';
  return timeoutMisfit(field, timeoutSeconds, limits);
}
