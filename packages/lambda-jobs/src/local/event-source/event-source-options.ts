import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { JobInputError } from '../../runtime/errors.ts';

/**
 * A Lambda handler for SQS events: what `functions/worker.ts` exports. It may answer with a
 * partial batch response or with nothing (every record succeeded).
 */
export type SqsBatchHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | undefined> | Promise<void>;

/** Why an invocation counted as failed; every one leaves all of its messages in the queue. */
export type InvocationFailure = 'threw' | 'timed-out' | 'invalid-response';

/** The invocation an {@link SqsEventSourceOptions.onInvocationError} call is about. */
export interface FailedInvocation {
  readonly failure: InvocationFailure;
  readonly functionName: string;
  readonly awsRequestId: string;
  readonly messageIds: readonly string[];
}

/**
 * Where the event source writes its own lines. A Powertools `Logger` fits, and so does `console`.
 */
export interface EventSourceLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/**
 * The settings of one SQS event source mapping, named as in the config's queue entries, plus the
 * queue and the handler to invoke.
 */
export interface SqsEventSourceOptions {
  /**
   * The client every call goes through. Against fauxqs, build it with
   * `useQueueUrlAsEndpoint: false`: its queue URLs name a host (`sqs.<region>.localhost`) that
   * may not resolve, and the endpoint from `AWS_ENDPOINT_URL_SQS` must win.
   */
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** `eventSourceARN` of every record. Read from the queue (`QueueArn`) when not given. */
  readonly queueArn?: string;
  readonly handler: SqsBatchHandler;
  /** Most records per invocation, 1–10,000; received 10 at a time. Above 10 needs a batching window. */
  readonly batchSize: number;
  /** Seconds to keep gathering records after the first arrives, 0–300 (0: one receive). */
  readonly batchingWindowSeconds: number;
  /** Most handler invocations in flight at once, 1–1,000 (one poll loop each). */
  readonly maxConcurrency: number;
  /** Function timeout, 1–900 s: the context counts down from it; a longer invocation is abandoned. */
  readonly functionTimeoutSeconds: number;
  /** `context.functionName`. Default: the queue's name followed by `-worker`. */
  readonly functionName?: string;
  /** `context.memoryLimitInMB`. Default 512. */
  readonly functionMemoryMb?: number;
  /** Long-poll wait of each receive, 1–20 s. Default 20; `stop()` interrupts it. */
  readonly pollWaitSeconds?: number;
  /** Called for every failed invocation (thrown, timed out, unreadable batch response). */
  readonly onInvocationError?: (error: Error, invocation: FailedInvocation) => void;
  /** Default: a Powertools Logger with service `lambda-jobs-event-source`. */
  readonly logger?: EventSourceLogger;
}

/**
 * Checks the numeric settings against the limits AWS puts on an SQS event source mapping (with
 * maxConcurrency from 1, so one local loop can be asked for). Throws the first breach.
 *
 * @example
 * ```ts
 * checkEventSourceOptions({ ...options, batchSize: 20, batchingWindowSeconds: 0 });
 * // JobInputError: batchingWindowSeconds must be at least 1 when batchSize (20) is above 10
 * ```
 */
export function checkEventSourceOptions(options: SqsEventSourceOptions): void {
  integerIn('batchSize', options.batchSize, 1, 10_000);
  integerIn('batchingWindowSeconds', options.batchingWindowSeconds, 0, 300);
  if (options.batchSize > 10 && options.batchingWindowSeconds < 1) {
    throw new JobInputError(
      'batchingWindowSeconds',
      '≥ 1 when batchSize > 10',
      `batchingWindowSeconds must be at least 1 when batchSize (${options.batchSize}) is above 10 (an SQS event source rule)`,
    );
  }
  integerIn('maxConcurrency', options.maxConcurrency, 1, 1000);
  integerIn('functionTimeoutSeconds', options.functionTimeoutSeconds, 1, 900);
  if (options.functionMemoryMb !== undefined) {
    integerIn('functionMemoryMb', options.functionMemoryMb, 128, 10_240);
  }
  if (options.pollWaitSeconds !== undefined) {
    integerIn('pollWaitSeconds', options.pollWaitSeconds, 1, 20);
  }
}

function integerIn(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new JobInputError(
      field,
      `an integer ${min}–${max}`,
      `${field} must be an integer from ${min} to ${max}; got ${value}`,
    );
  }
}
