import { JobStateConflictError } from '../errors.ts';
import { LIMITS } from '../limits.ts';

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
    this.message = `Cannot retry job ${jobId} (${currentStatus}): its record did not keep the message (records keep only messages of up to ${LIMITS.maxLeanEnvelopeBytes} bytes, or ${LIMITS.maxStoredEnvelopeBytes} for a rejected or redriven-by-SQS message), so it can only come back from the dead-letter queue: redrive queue "${queue}" (dlq redrive ${queue} --type <type>)`;
  }
}

/**
 * An operator retry or redrive was refused because the job's concurrency key is held by
 * another live job: re-queueing it would run both at once. Names the holder, so the operator
 * can wait for it or cancel it. A {@link JobStateConflictError}, as the other refusals.
 *
 * @example
 * ```ts
 * } catch (e) { if (e instanceof ConcurrencyKeyHeldError) console.error(`held by ${e.holderJobId}`); }
 * ```
 */
export class ConcurrencyKeyHeldError extends JobStateConflictError {
  override name = 'ConcurrencyKeyHeldError';
  constructor(
    jobId: string,
    transition: 'retry' | 'redrive',
    currentStatus: string | undefined,
    readonly concurrencyKey: string,
    /** The job holding the key; undefined when it changed hands while the refusal was made. */
    readonly holderJobId: string | undefined,
    options?: ErrorOptions,
  ) {
    super(jobId, transition, currentStatus, options);
    const holder = holderJobId ? `job ${holderJobId}` : 'another job';
    this.message = `Cannot ${transition} job ${jobId}: its concurrency key "${concurrencyKey}" is held by ${holder}, which is queued or running; both would run at once. Wait for ${holder} to finish${holderJobId ? ` (jobs show ${holderJobId}) or cancel it (jobs cancel ${holderJobId})` : ''}, then ${transition} again.`;
  }
}
