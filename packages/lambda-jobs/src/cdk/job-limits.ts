/**
 * What the infrastructure needs to know about the job types, as plain numbers: per queue, the
 * longest job timeout and the most attempts, for the synth checks.
 */
import {
  DEFAULT_QUEUE,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_SECONDS,
} from '../runtime/job-definition.ts';
import type { JobRegistry } from '../runtime/registry.ts';

/** One job type's settings that matter to the infrastructure (unset means the default). */
export interface JobTypeFacts {
  readonly type: string;
  readonly queue?: string | undefined;
  readonly timeoutSeconds?: number | undefined;
  readonly retries?: number | undefined;
}

/** The job runtime's defaults for unset settings. */
export interface JobDefaultsFacts {
  readonly queue: string;
  readonly timeoutSeconds: number;
  readonly retries: number;
}

/** The most demanding job types of one queue. */
export interface QueueJobLimits {
  /** The longest job timeout on the queue, seconds. */
  readonly maxJobTimeoutSeconds: number;
  /** The job type with that timeout (for the error message). */
  readonly longestJobType: string;
  /** The most attempts (retries + 1) a job on the queue may make. */
  readonly maxAttempts: number;
  /** The job type with that many attempts. */
  readonly mostAttemptsJobType: string;
}

/**
 * Per queue: the longest timeout and the most attempts among its job types. A queue no job
 * type uses is absent; a job type naming an unconfigured queue appears under that name (the
 * synth checks refuse it).
 *
 * @example
 * ```ts
 * summarizeJobLimits(
 *   [{ type: 'webhook', retries: 5 }, { type: 'report', queue: 'slow', timeoutSeconds: 240 }],
 *   { queue: 'default', timeoutSeconds: 30, retries: 3 },
 * );
 * // { default: { maxJobTimeoutSeconds: 30, maxAttempts: 6, … }, slow: { maxJobTimeoutSeconds: 240, maxAttempts: 4, … } }
 * ```
 */
export function summarizeJobLimits(
  jobs: readonly JobTypeFacts[],
  defaults: JobDefaultsFacts,
): Record<string, QueueJobLimits> {
  const limits: Record<string, QueueJobLimits> = {};
  for (const job of jobs) {
    const queue = job.queue ?? defaults.queue;
    const timeout = job.timeoutSeconds ?? defaults.timeoutSeconds;
    const attempts = (job.retries ?? defaults.retries) + 1;
    const current = limits[queue];
    const longer = !current || timeout > current.maxJobTimeoutSeconds;
    const more = !current || attempts > current.maxAttempts;
    limits[queue] = {
      maxJobTimeoutSeconds: longer ? timeout : current.maxJobTimeoutSeconds,
      longestJobType: longer ? job.type : current.longestJobType,
      maxAttempts: more ? attempts : current.maxAttempts,
      mostAttemptsJobType: more ? job.type : current.mostAttemptsJobType,
    };
  }
  return limits;
}

/**
 * {@link summarizeJobLimits} of every job type in `registry`, with the runtime's defaults.
 *
 * @example
 * ```ts
 * const limits = jobLimitsOf(registry); // { default: { maxJobTimeoutSeconds: 30, ... } }
 * ```
 */
export function jobLimitsOf(registry: JobRegistry): Record<string, QueueJobLimits> {
  return summarizeJobLimits(
    registry.types.map((type) => {
      const job = registry.get(type);
      return { type, queue: job.queue, timeoutSeconds: job.timeoutSeconds, retries: job.retries };
    }),
    { queue: DEFAULT_QUEUE, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, retries: DEFAULT_RETRIES },
  );
}
