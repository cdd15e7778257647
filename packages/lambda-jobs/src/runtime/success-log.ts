import type { Logger } from '@aws-lambda-powertools/logger';

/** The message of the line that names a batch's successful jobs. */
export const JOBS_SUCCEEDED_MESSAGE = 'Jobs succeeded';

/** A successful job, as the batch's line names it. */
export interface SucceededJob {
  readonly job_id: string;
  readonly job_type: string;
  readonly attempt: number;
  readonly duration_ms: number;
  readonly wait_ms?: number;
  readonly trace_id?: string;
  /** Only for job types that set `exposePayload`. */
  readonly payload?: unknown;
}

/**
 * The success path's log line: one INFO line per batch naming every job it finished
 * (`{"message":"Jobs succeeded","queue":"default","jobs":[{"job_id":…,"job_type":…,
 * "attempt":1,"duration_ms":12,"wait_ms":340}, …]}`), written when the batch is answered, or
 * just before the invocation's end for the jobs finished by then.
 *
 * CloudWatch Logs bills every byte ingested: a line per job repeats the envelope of a
 * Powertools line (level, timestamp, service, request id: about 240 bytes) for each job, a
 * line per batch once. Failures keep a line per job.
 */
export interface SuccessLog {
  /** Adds a job whose success is recorded. */
  add(job: SucceededJob): void;
  /** Writes the line for the jobs added since the last flush, if any. */
  flush(): void;
}

/**
 * Creates the success line of one batch.
 *
 * @example
 * ```ts
 * const successLog = createSuccessLog(logger, 'default');
 * successLog.add({ job_id, job_type, attempt: 1, duration_ms: 12 });
 * successLog.flush();
 * ```
 */
export function createSuccessLog(logger: Logger, queue: string): SuccessLog {
  let jobs: SucceededJob[] = [];
  return {
    add(job) {
      jobs.push(job);
    },
    flush() {
      if (jobs.length === 0) return;
      const written = jobs;
      jobs = [];
      logger.info(JOBS_SUCCEEDED_MESSAGE, { queue, jobs: written });
    },
  };
}
