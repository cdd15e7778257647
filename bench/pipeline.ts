import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { QueueConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import type { SqsBatchHandler } from '../packages/lambda-jobs/src/local/event-source/event-source-options.ts';
import { startSqsEventSource } from '../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';

/** Where benchmark progress goes (stderr). */
export type Progress = (line: string) => void;

/** An event-source logger that says nothing: the local poller is not part of what Lambda logs. */
export const quietEventSourceLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * Sends message bodies with SendMessageBatch, 10 per request, `concurrency` requests at once:
 * what a producer using batches does. Throws if SQS refuses an entry.
 *
 * @example
 * ```ts
 * await sendBodies(sqs, queueUrl, bodies, 8);
 * ```
 */
export async function sendBodies(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  concurrency = 8,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const start = next;
      next += 10;
      const chunk = bodies.slice(start, start + 10);
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((body, i) => ({ Id: String(i), MessageBody: body })),
        }),
      );
      if ((result.Failed ?? []).length > 0) {
        throw new Error(
          `SQS refused ${result.Failed?.length} entries: ${result.Failed?.[0]?.Code}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** Options for {@link drainQueue}. */
export interface DrainOptions {
  readonly label: string;
  /** The client the event source polls with (its requests are the event source mapping's). */
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly handler: SqsBatchHandler;
  /** Messages in the queue to wait for. */
  readonly expected: number;
  /** Batch size, batching window, concurrency, timeout and memory of the worker. */
  readonly queue: Pick<
    QueueConfig,
    | 'batchSize'
    | 'batchingWindowSeconds'
    | 'maxConcurrency'
    | 'functionTimeoutSeconds'
    | 'functionMemoryMb'
  >;
  readonly progress: Progress;
  /** Give up after this long. Default 10 minutes. */
  readonly timeoutMs?: number;
}

/** What draining a queue through a handler took. */
export interface DrainResult {
  readonly wallMs: number;
  readonly invocations: number;
  /** Handler duration of every invocation, ms (what Lambda bills, before rounding). */
  readonly durationsMs: readonly number[];
  readonly messagesDeleted: number;
  readonly failedItems: number;
  readonly invocationErrors: number;
  readonly jobsPerSecond: number;
}

/**
 * Runs the local SQS event source (the dev-mode stand-in for Lambda's event source mapping)
 * over a queue already holding `expected` messages, invoking `handler` per batch, until every
 * message is deleted; then stops it. Times each invocation.
 *
 * @example
 * ```ts
 * const result = await drainQueue({ label: 'raw', sqs, queueUrl, queueArn, handler, expected: 3000, queue, progress });
 * result.jobsPerSecond;
 * ```
 */
export async function drainQueue(options: DrainOptions): Promise<DrainResult> {
  const durationsMs: number[] = [];
  const timed = async (
    event: SQSEvent,
    context: Context,
  ): Promise<SQSBatchResponse | undefined> => {
    const started = performance.now();
    try {
      return (await options.handler(event, context)) ?? undefined;
    } finally {
      durationsMs.push(performance.now() - started);
    }
  };
  const started = performance.now();
  const source = await startSqsEventSource({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    queueArn: options.queueArn,
    handler: timed,
    batchSize: options.queue.batchSize,
    batchingWindowSeconds: options.queue.batchingWindowSeconds,
    maxConcurrency: options.queue.maxConcurrency,
    functionTimeoutSeconds: options.queue.functionTimeoutSeconds,
    functionMemoryMb: options.queue.functionMemoryMb,
    functionName: `bench-${options.label}`,
    pollWaitSeconds: 5,
    logger: quietEventSourceLogger,
  });
  const deadline = started + (options.timeoutMs ?? 600_000);
  let lastReport = started;
  let wallMs = 0;
  try {
    for (;;) {
      const stats = source.stats();
      const now = performance.now();
      if (stats.messagesDeleted >= options.expected) {
        wallMs = now - started;
        break;
      }
      if (now > deadline) {
        throw new Error(
          `${options.label}: only ${stats.messagesDeleted} of ${options.expected} messages done after ${Math.round((now - started) / 1000)} s`,
        );
      }
      if (now - lastReport > 3000) {
        lastReport = now;
        const rate = stats.messagesDeleted / ((now - started) / 1000);
        options.progress(
          `  ${options.label}: ${stats.messagesDeleted.toLocaleString('en-US')}/${options.expected.toLocaleString('en-US')} jobs (${Math.round(rate)}/s)`,
        );
      }
      await sleep(20);
    }
  } finally {
    await source.stop();
  }
  const stats = source.stats();
  return {
    wallMs,
    invocations: stats.invocations,
    durationsMs,
    messagesDeleted: stats.messagesDeleted,
    failedItems: stats.failedItems,
    invocationErrors: stats.errors,
    jobsPerSecond: options.expected / (wallMs / 1000),
  };
}
