/**
 * Every error lambda-jobs throws. Each sets `name`, ends in `Error`, accepts `ErrorOptions`
 * (`cause`) and carries the context a reader needs. Check with `instanceof` or by `name`.
 *
 * Two are control flow, not failure: {@link UnrecoverableJobError} (do not retry) and
 * {@link DeferJobError} (run later without spending an attempt).
 */

export { ConfigError, type ConfigProblem } from '../config/config-error.ts';

/** Root of every lambda-jobs error. */
export class LambdaJobsError extends Error {
  override name = 'LambdaJobsError';
}

/**
 * Bad input: a value that breaks a limit. Names the field and the limit, so the caller can fix it.
 *
 * @example
 * ```ts
 * } catch (e) { if (e instanceof JobInputError) console.error(e.field, e.limit); }
 * ```
 */
export class JobInputError extends LambdaJobsError {
  override name = 'JobInputError';
  constructor(
    readonly field: string,
    readonly limit: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One issue reported by a payload schema. */
export interface PayloadIssue {
  readonly path: string;
  readonly message: string;
}

/** A payload does not match its job type's schema. Thrown at enqueue; recorded at dispatch. */
export class PayloadValidationError extends JobInputError {
  override name = 'PayloadValidationError';
  constructor(
    readonly jobType: string,
    readonly issues: readonly PayloadIssue[],
    options?: ErrorOptions,
  ) {
    super(
      issues[0] ? `payload.${issues[0].path}`.replace(/\.$/, '') : 'payload',
      `the schema of job type "${jobType}"`,
      `Payload for job type "${jobType}" is invalid: ${issues
        .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
        .join('; ')}`,
      options,
    );
  }
}

/** The job type is not in the registry the client or worker was built with. */
export class UnknownJobTypeError extends JobInputError {
  override name = 'UnknownJobTypeError';
  constructor(
    readonly jobType: string,
    readonly known: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      'type',
      `one of the registered job types (${known.join(', ') || 'none'})`,
      `Job type "${jobType}" is not registered. Registered types: ${known.join(', ') || 'none'}. Add it to jobs/index.ts.`,
      options,
    );
  }
}

/** An operator named a job type without a circuit breaker (`circuitBreakers` in the config). */
export class NoCircuitBreakerError extends JobInputError {
  override name = 'NoCircuitBreakerError';
  constructor(
    readonly jobType: string,
    readonly known: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      'type',
      `one of the job types with a circuit breaker (${known.join(', ') || 'none'})`,
      `Job type "${jobType}" has no circuit breaker. Types with one: ${known.join(', ') || 'none'} (circuitBreakers in lambda-jobs.config.ts).`,
      options,
    );
  }
}

/** The queue name is not one of the configured queues. */
export class UnknownQueueError extends JobInputError {
  override name = 'UnknownQueueError';
  constructor(
    readonly queue: string,
    readonly known: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      'queue',
      `one of the configured queues (${known.join(', ')})`,
      `Queue "${queue}" is not configured. Configured queues: ${known.join(', ')} (config/app-config.ts).`,
      options,
    );
  }
}

/** Two job definitions share one `type`. Thrown when the registry is built (cold start). */
export class DuplicateJobTypeError extends LambdaJobsError {
  override name = 'DuplicateJobTypeError';
  constructor(
    readonly jobType: string,
    readonly first: string,
    readonly second: string,
    options?: ErrorOptions,
  ) {
    super(
      `Job type "${jobType}" is defined twice: by ${first} and by ${second}. Type names must be unique.`,
      options,
    );
  }
}

/** A message body is not a valid job envelope (broken JSON, wrong version, missing fields). */
export class MalformedEnvelopeError extends LambdaJobsError {
  override name = 'MalformedEnvelopeError';
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Throw from `run` when retrying cannot help (bad data, a 4xx answer): the job is ERRORED at
 * once, with no further attempts, and its message goes to the DLQ.
 *
 * @example
 * ```ts
 * if (response.status === 404) throw new UnrecoverableJobError(`No such customer ${id}`);
 * ```
 */
export class UnrecoverableJobError extends LambdaJobsError {
  override name = 'UnrecoverableJobError';
}

/**
 * Throw from `run` to fail this attempt and retry after a delay you choose (for example a
 * server's Retry-After), instead of the job type's backoff. Spends an attempt, like any failure.
 *
 * @example
 * ```ts
 * if (response.status === 429) throw new RetryJobError('rate limited', { afterSeconds: 30 });
 * ```
 */
export class RetryJobError extends LambdaJobsError {
  override name = 'RetryJobError';
  readonly afterSeconds: number | undefined;
  constructor(message: string, options?: ErrorOptions & { afterSeconds?: number }) {
    super(message, options);
    this.afterSeconds = options?.afterSeconds;
  }
}

/**
 * Throw from `run` to run the job again later without spending an attempt (a rate limit, a
 * resource not ready yet). `delaySeconds` is 0–43,200 (the SQS visibility limit).
 *
 * @example
 * ```ts
 * if (!report.ready) throw new DeferJobError(60, 'report not ready yet');
 * ```
 */
export class DeferJobError extends LambdaJobsError {
  override name = 'DeferJobError';
  constructor(
    readonly delaySeconds: number,
    message = `Deferred for ${delaySeconds} s`,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The job did not finish before its deadline (its timeout, or the Lambda's remaining time). */
export class JobTimeoutError extends LambdaJobsError {
  override name = 'JobTimeoutError';
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`Job ${jobId} did not finish within ${timeoutMs} ms; its AbortSignal fired`, options);
  }
}

/** No job record with this id (expired by retention, or never enqueued with tracking). */
export class JobNotFoundError extends LambdaJobsError {
  override name = 'JobNotFoundError';
  constructor(
    readonly jobId: string,
    options?: ErrorOptions,
  ) {
    super(`No job record with id ${jobId} (records are kept for the retention period)`, options);
  }
}

/** A state transition was refused because the record is not in a state that allows it. */
export class JobStateConflictError extends LambdaJobsError {
  override name = 'JobStateConflictError';
  constructor(
    readonly jobId: string,
    readonly transition: string,
    readonly currentStatus: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `Cannot ${transition} job ${jobId}: its status is ${currentStatus ?? 'unknown (no record)'}`,
      options,
    );
  }
}

/**
 * A message reached its queue's `maxReceiveCount` without an outcome (crashes, timeouts,
 * throttling): the worker dead-letters the job itself on that last delivery rather than run it
 * and leave SQS's own redrive to move the message behind the job's record.
 */
export class DeliveryLimitError extends LambdaJobsError {
  override name = 'DeliveryLimitError';
  /**
   * @param fifo the queue is FIFO: there a retry, a deferral or a wait for a due time keeps
   *   the message and counts as a delivery too, which the message then says.
   */
  constructor(
    readonly receiveCount: number,
    readonly maxReceiveCount: number,
    options?: ErrorOptions & { readonly fifo?: boolean },
  ) {
    super(
      options?.fifo
        ? `Delivered ${receiveCount} times (the queue's maxReceiveCount is ${maxReceiveCount}); moved to the DLQ instead of run. On a FIFO queue every retry, deferral and wait for a due time keeps the message and counts as a delivery: look for crashes or timeouts, or raise maxReceiveCount for jobs that retry or defer often, then retry or redrive it.`
        : `Delivered ${receiveCount} times without an outcome (the queue's maxReceiveCount is ${maxReceiveCount}); moved to the DLQ instead of run. Look for crashes or timeouts of earlier deliveries, then retry or redrive it.`,
      options,
    );
  }
}

/**
 * SQS's own redrive moved a job's message to the dead-letter queue: it was delivered
 * `maxReceiveCount` times and no delivery recorded an outcome (the last one crashed, timed out,
 * or was throttled). The monitor's dead-letter intake records it on the job's record.
 */
export class RedriveLimitError extends LambdaJobsError {
  override name = 'RedriveLimitError';
  constructor(
    readonly maxReceiveCount: number,
    readonly messageId: string,
    options?: ErrorOptions,
  ) {
    super(
      `SQS delivered message ${messageId} ${maxReceiveCount} times (the queue's maxReceiveCount) without an outcome and moved it to the DLQ itself: the last delivery crashed, timed out or was throttled. Look for worker crashes and timeouts around that time, then retry or redrive it.`,
      options,
    );
  }
}

/**
 * A message's `payloadRef` cannot give its payload and never will: it names another bucket than
 * the stack's payload bucket, a key that is not its job's, an object that is missing,
 * unreadable, larger than the limit, or whose bytes do not match the reference. The worker
 * records the job ERRORED naming the bucket and key and moves the message to the DLQ.
 */
export class PayloadReferenceError extends MalformedEnvelopeError {
  override name = 'PayloadReferenceError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super('payloadRef', `Payload object s3://${bucket}/${key}: ${reason}`, options);
  }
}
