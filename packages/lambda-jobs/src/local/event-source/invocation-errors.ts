import { LambdaJobsError } from '../../runtime/errors.ts';

/**
 * A local invocation outlived its function timeout. As Lambda does, the event source abandons it:
 * none of its messages are deleted, so they return to the queue after the visibility timeout.
 *
 * @example
 * ```ts
 * onInvocationError: (error) => {
 *   if (error instanceof InvocationTimeoutError) console.warn(`${error.functionName} timed out`);
 * },
 * ```
 */
export class InvocationTimeoutError extends LambdaJobsError {
  override name = 'InvocationTimeoutError';
  constructor(
    readonly functionName: string,
    readonly awsRequestId: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `${functionName} (request ${awsRequestId}): Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
      options,
    );
  }
}

/**
 * A handler returned a batch response Lambda cannot read (a `batchItemFailures` that is not a
 * list, or an item whose `itemIdentifier` is missing, empty or not a message of the batch).
 * Lambda treats the whole batch as failed, and so does the local event source.
 *
 * @example
 * ```ts
 * onInvocationError: (error) => {
 *   if (error instanceof InvalidBatchResponseError) console.error(error.reason);
 * },
 * ```
 */
export class InvalidBatchResponseError extends LambdaJobsError {
  override name = 'InvalidBatchResponseError';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Invalid partial batch response, the whole batch failed: ${reason}`, options);
  }
}
