import { JobStateConflictError } from '../errors.ts';

/**
 * An operator retry was refused because the job's record did not keep its message (it was
 * larger than records keep), so only the copy in the dead-letter queue can bring it back.
 * A {@link JobStateConflictError}, so callers that handle conflicts handle this one too.
 *
 * @example
 * ```ts
 * } catch (e) { if (e instanceof JobMessageNotKeptError) console.error(`dlq redrive ${e.queue}`); }
 * ```
 */
export class JobMessageNotKeptError extends JobStateConflictError {
  override name = 'JobMessageNotKeptError';
  constructor(
    jobId: string,
    readonly queue: string,
    currentStatus: string,
    options?: ErrorOptions,
  ) {
    super(jobId, 'retry', currentStatus, options);
    this.message = `Cannot retry job ${jobId} (${currentStatus}): its record did not keep the message (too large to store), so it can only come back from the dead-letter queue: redrive queue "${queue}" (dlq redrive ${queue} --type <type>)`;
  }
}
