import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { LambdaJobsError } from '../../runtime/errors.ts';
import { readBatchResponse } from './batch-response.ts';
import {
  checkEventSourceOptions,
  type EventSourceLogger,
  type InvocationFailure,
  type SqsEventSourceOptions,
} from './event-source-options.ts';
import { InvalidBatchResponseError, InvocationTimeoutError } from './invocation-errors.ts';
import { lambdaContext } from './lambda-context.ts';
import { type SqsRecordSource, toSqsRecord } from './sqs-record.ts';

/** SQS takes at most 10 messages per receive, delete or visibility batch. */
const SQS_BATCH_LIMIT = 10;
/** Pause after a failed SQS call before the loop tries again. */
const RETRY_PAUSE_MS = 1000;

/** Counters since start. */
export interface SqsEventSourceStats {
  readonly state: 'running' | 'stopping' | 'stopped';
  /** Paused: no receive is made until resumed (a batch in hand is still invoked). */
  readonly paused: boolean;
  /** Handler invocations started. */
  readonly invocations: number;
  /** Invocations running now (abandoned ones no longer count, as in Lambda). */
  readonly inFlight: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  /** Messages left in the queue after their invocation: reported failures, or a failed batch. */
  readonly failedItems: number;
  /** Invocations that outlived the function timeout; their messages were not deleted. */
  readonly abandonedInvocations: number;
  /** Invocations that failed: the handler threw, timed out, or returned an unreadable response. */
  readonly errors: number;
  /** SQS calls of the event source itself that failed (receive, delete). */
  readonly pollErrors: number;
}

/** A running local event source mapping. */
export interface SqsEventSource {
  /**
   * Stops receiving at once (open long polls are cancelled; a batching window is cut short and
   * what it gathered is invoked), waits for invocations in flight to finish or time out and for
   * their deletes, then resolves. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
  /**
   * Stops receiving until {@link resume}, as a disabled event source mapping does: a receive
   * already open ends by itself (its messages are invoked), then no receive is made.
   */
  pause(): void;
  resume(): void;
  stats(): SqsEventSourceStats;
}

type Invocation =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timed-out' };

/**
 * Runs a Lambda SQS handler against a queue the way an SQS event source mapping with
 * `ReportBatchItemFailures` does: long polling, batches of up to `batchSize` gathered within the
 * batching window, real `SQSEvent` and `Context` shapes, at most `maxConcurrency` invocations at
 * once, partial batch responses (delete the rest, keep the failures), whole-batch failure when the
 * handler throws, times out or answers with an unknown `itemIdentifier`. Retries come from the
 * queue's visibility timeout and dead-lettering from its redrive policy, as on AWS.
 *
 * @example
 * ```ts
 * import { handler } from '../../handlers/worker.ts';
 *
 * const source = await startSqsEventSource({
 *   sqs: new SQSClient({}), queueUrl, handler,
 *   batchSize: 10, batchingWindowSeconds: 0, maxConcurrency: 5, functionTimeoutSeconds: 60,
 * });
 * process.once('SIGINT', () => void source.stop());
 * ```
 */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  checkEventSourceOptions(options);
  const recordSource: SqsRecordSource = {
    queueArn: options.queueArn ?? (await readQueueArn(options)),
    region: await options.sqs.config.region(),
  };
  return new EventSourcePoller(options, recordSource);
}

async function readQueueArn({ sqs, queueUrl }: SqsEventSourceOptions): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) {
    throw new LambdaJobsError(`Queue ${queueUrl} reported no QueueArn; pass queueArn`);
  }
  return Attributes.QueueArn;
}

class EventSourcePoller implements SqsEventSource {
  readonly #options: SqsEventSourceOptions;
  readonly #recordSource: SqsRecordSource;
  readonly #logger: EventSourceLogger;
  readonly #functionName: string;
  readonly #pollWaitSeconds: number;
  readonly #stopping = new AbortController();
  readonly #loops: Promise<void>[];
  #stopped: Promise<void> | undefined;
  #state: SqsEventSourceStats['state'] = 'running';
  #paused = false;
  /** Pollers waiting for a resume (or a stop). */
  #waiting: (() => void)[] = [];
  #counts = {
    invocations: 0,
    inFlight: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    failedItems: 0,
    abandonedInvocations: 0,
    errors: 0,
    pollErrors: 0,
  };

  constructor(options: SqsEventSourceOptions, recordSource: SqsRecordSource) {
    this.#options = options;
    this.#recordSource = recordSource;
    this.#functionName = options.functionName ?? `${queueName(options.queueUrl)}-worker`;
    this.#pollWaitSeconds = options.pollWaitSeconds ?? 20;
    this.#logger = options.logger ?? new Logger({ serviceName: 'lambda-jobs-event-source' });
    this.#logger.info('event source started', {
      queueUrl: options.queueUrl,
      functionName: this.#functionName,
      batchSize: options.batchSize,
      batchingWindowSeconds: options.batchingWindowSeconds,
      maxConcurrency: options.maxConcurrency,
      functionTimeoutSeconds: options.functionTimeoutSeconds,
    });
    this.#loops = Array.from({ length: options.maxConcurrency }, () => this.#pollLoop());
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stopAndWait();
    return this.#stopped;
  }

  stats(): SqsEventSourceStats {
    return { state: this.#state, paused: this.#paused, ...this.#counts };
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#logger.info('event source paused', { queueUrl: this.#options.queueUrl });
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#wakeWaiting();
    this.#logger.info('event source resumed', { queueUrl: this.#options.queueUrl });
  }

  #wakeWaiting(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const wake of waiting) wake();
  }

  async #stopAndWait(): Promise<void> {
    this.#state = 'stopping';
    this.#stopping.abort();
    this.#wakeWaiting();
    await Promise.all(this.#loops);
    this.#state = 'stopped';
    this.#logger.info('event source stopped', {
      queueUrl: this.#options.queueUrl,
      ...this.#counts,
    });
  }

  get #isStopping(): boolean {
    return this.#stopping.signal.aborted;
  }

  /** One poller: receive a batch, invoke, delete what succeeded; until stopped. Never rejects. */
  async #pollLoop(): Promise<void> {
    while (!this.#isStopping) {
      if (this.#paused) {
        await new Promise<void>((wake) => this.#waiting.push(wake));
        continue;
      }
      try {
        const messages = await this.#gatherBatch();
        if (messages.length > 0) await this.#invokeAndSettle(messages);
      } catch (error) {
        this.#counts.pollErrors += 1;
        this.#logger.error('event source poll loop failed; retrying', { error });
        await this.#pause();
      }
    }
  }

  /**
   * Receives up to `batchSize` messages, 10 per call: the first receive long-polls; once a
   * message is in hand, receives go on until the batch is full or the batching window has passed
   * (window 0: the first receive that returns messages ends the batch), or stop() is called.
   * A message received again within the window (visibility timeout shorter than the window) is
   * kept once, with its newest receipt handle.
   */
  async #gatherBatch(): Promise<Message[]> {
    const { batchSize, batchingWindowSeconds } = this.#options;
    const batch = new Map<string, Message>();
    let windowEndsAt: number | undefined;
    while (batch.size < batchSize && !this.#isStopping && !(this.#paused && batch.size === 0)) {
      const remainingMs = windowEndsAt === undefined ? undefined : windowEndsAt - Date.now();
      if (remainingMs !== undefined && remainingMs <= 0) break;
      const waitSeconds =
        remainingMs === undefined
          ? this.#pollWaitSeconds
          : Math.min(this.#pollWaitSeconds, Math.ceil(remainingMs / 1000));
      const received = await this.#receive(
        Math.min(SQS_BATCH_LIMIT, batchSize - batch.size),
        waitSeconds,
      );
      if (received.length === 0) continue;
      for (const message of received) batch.set(message.MessageId ?? '', message);
      windowEndsAt ??= Date.now() + batchingWindowSeconds * 1000;
      if (batchingWindowSeconds === 0) break;
    }
    return [...batch.values()];
  }

  async #receive(maxMessages: number, waitSeconds: number): Promise<Message[]> {
    try {
      const { Messages = [] } = await this.#options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#options.queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitSeconds,
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.#stopping.signal },
      );
      this.#counts.messagesReceived += Messages.length;
      return Messages;
    } catch (error) {
      if (this.#isStopping) return [];
      this.#counts.pollErrors += 1;
      this.#logger.warn('ReceiveMessage failed; retrying', {
        queueUrl: this.#options.queueUrl,
        error,
      });
      await this.#pause();
      return [];
    }
  }

  async #invokeAndSettle(messages: readonly Message[]): Promise<void> {
    const records = messages.map((message) => toSqsRecord(message, this.#recordSource));
    const timeoutMs = this.#options.functionTimeoutSeconds * 1000;
    const context = lambdaContext(this.#functionName, timeoutMs, {
      region: this.#recordSource.region,
      ...(this.#options.functionMemoryMb ? { memoryLimitMb: this.#options.functionMemoryMb } : {}),
    });
    this.#counts.invocations += 1;
    this.#counts.inFlight += 1;
    let invocation: Invocation;
    try {
      invocation = await this.#invoke({ Records: records }, context, timeoutMs);
    } finally {
      this.#counts.inFlight -= 1;
    }
    if (invocation.kind === 'timed-out') {
      this.#counts.abandonedInvocations += 1;
      const error = new InvocationTimeoutError(this.#functionName, context.awsRequestId, timeoutMs);
      this.#failWholeBatch(records, context, 'timed-out', error);
      return;
    }
    if (invocation.kind === 'threw') {
      this.#failWholeBatch(records, context, 'threw', asError(invocation.error));
      return;
    }
    const outcome = readBatchResponse(
      invocation.value,
      new Set(records.map((record) => record.messageId)),
    );
    if (outcome.kind === 'invalid') {
      const error = new InvalidBatchResponseError(outcome.reason);
      this.#failWholeBatch(records, context, 'invalid-response', error);
      return;
    }
    const failed = outcome.kind === 'partial' ? outcome.failedMessageIds : new Set<string>();
    const succeeded = records.filter((record) => !failed.has(record.messageId));
    this.#counts.failedItems += records.length - succeeded.length;
    await this.#delete(succeeded);
    this.#logger.debug('invocation finished', {
      awsRequestId: context.awsRequestId,
      records: records.length,
      failedItems: records.length - succeeded.length,
    });
  }

  /** Calls the handler; settles as Lambda would at the function timeout, leaving it running. */
  async #invoke(event: SQSEvent, context: Context, timeoutMs: number): Promise<Invocation> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Invocation>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timed-out' }), timeoutMs);
    });
    const handled = (async () => this.#options.handler(event, context))().then(
      (value): Invocation => ({ kind: 'returned', value }),
      (error: unknown): Invocation => ({ kind: 'threw', error }),
    );
    try {
      return await Promise.race([handled, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #failWholeBatch(
    records: readonly SQSRecord[],
    context: Context,
    failure: InvocationFailure,
    error: Error,
  ): void {
    this.#counts.errors += 1;
    this.#counts.failedItems += records.length;
    const messageIds = records.map((record) => record.messageId);
    this.#logger.error('invocation failed; its messages return after the visibility timeout', {
      failure,
      functionName: this.#functionName,
      awsRequestId: context.awsRequestId,
      messageIds,
      error,
    });
    try {
      this.#options.onInvocationError?.(error, {
        failure,
        functionName: this.#functionName,
        awsRequestId: context.awsRequestId,
        messageIds,
      });
    } catch (listenerError) {
      this.#logger.warn('onInvocationError threw', { error: listenerError });
    }
  }

  /** DeleteMessageBatch, 10 at a time; not cancelled by stop(), so finished work is kept. */
  async #delete(records: readonly SQSRecord[]): Promise<void> {
    await Promise.all(
      chunks(records, SQS_BATCH_LIMIT).map(async (chunk) => {
        try {
          const { Successful = [], Failed = [] } = await this.#options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.#options.queueUrl,
              Entries: chunk.map((record, index) => ({
                Id: String(index),
                ReceiptHandle: record.receiptHandle,
              })),
            }),
          );
          this.#counts.messagesDeleted += Successful.length;
          if (Failed.length > 0) {
            this.#counts.pollErrors += 1;
            this.#logger.warn('DeleteMessageBatch left messages undeleted', { failed: Failed });
          }
        } catch (error) {
          this.#counts.pollErrors += 1;
          this.#logger.warn('DeleteMessageBatch failed; the messages will be received again', {
            error,
          });
        }
      }),
    );
  }

  async #pause(): Promise<void> {
    await sleep(RETRY_PAUSE_MS, undefined, { signal: this.#stopping.signal }).catch(
      () => undefined,
    );
  }
}

function queueName(queueUrl: string): string {
  return queueUrl.split('/').filter(Boolean).at(-1) ?? 'queue';
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

function asError(value: unknown): Error {
  return value instanceof Error
    ? value
    : new LambdaJobsError(`The handler threw a non-Error value: ${String(value)}`, {
        cause: value,
      });
}
