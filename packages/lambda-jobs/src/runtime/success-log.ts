import type { Logger } from '@aws-lambda-powertools/logger';
import type { StoredPayload } from './payload-reference.ts';

/** The message of the line that names a batch's successful jobs. */
export const JOBS_SUCCEEDED_MESSAGE = 'Jobs succeeded';

/**
 * Most bytes of job entries one line carries. CloudWatch Logs takes log events of at most
 * 256 KiB (262,144 bytes) and Lambda cuts a longer line, which leaves JSON no query can read:
 * a batch of up to 10,000 jobs (about 150 bytes each, more with `exposePayload`) is written
 * as several lines of at most this many bytes of entries, each well under the limit with its
 * envelope. A single entry over it goes on a line of its own.
 */
export const SUCCESS_LINE_MAX_ENTRY_BYTES = 65_536;

/** A successful job, as the batch's line names it. */
export interface SucceededJob {
  readonly job_id: string;
  readonly job_type: string;
  readonly attempt: number;
  readonly duration_ms: number;
  readonly wait_ms?: number;
  readonly trace_id?: string;
  /** Only for job types that set `exposePayload`, when the payload came in the message. */
  readonly payload?: unknown;
  /** Only for job types that set `exposePayload`, when the payload came by reference. */
  readonly stored_payload?: StoredPayload;
}

/**
 * The success path's log line: one INFO line per batch naming every job it finished
 * (`{"message":"Jobs succeeded","queue":"default","jobs":[{"job_id":…,"job_type":…,
 * "attempt":1,"duration_ms":12,"wait_ms":340}, …]}`), written when the batch is answered, or
 * just before the invocation's end for the jobs finished by then.
 *
 * CloudWatch Logs bills every byte ingested: a line per job repeats the envelope of a
 * Powertools line (level, timestamp, service, request id: about 240 bytes) for each job, a
 * line per batch once (several for a batch whose entries pass
 * {@link SUCCESS_LINE_MAX_ENTRY_BYTES}). Failures keep a line per job.
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
  let entryBytes = 0;
  const flush = () => {
    if (jobs.length === 0) return;
    const written = jobs;
    jobs = [];
    entryBytes = 0;
    logger.info(JOBS_SUCCEEDED_MESSAGE, { queue, jobs: written });
  };
  return {
    add(job) {
      const bytes = Buffer.byteLength(JSON.stringify(job) ?? '', 'utf8') + 1;
      if (entryBytes + bytes > SUCCESS_LINE_MAX_ENTRY_BYTES) flush();
      jobs.push(job);
      entryBytes += bytes;
    },
    flush,
  };
}
