import { bodyBytes } from '../../envelope.ts';
import { LIMITS } from '../../limits.ts';
import { isFifoQueueUrl, type MessageRouting, sendRouting } from '../../message-group.ts';
import type { QueueTransport, SendEntry, SendOutcome } from '../../ports.ts';
import { MAX_VISIBILITY_SECONDS } from '../../retry-policy.ts';
import { createFaultPlan, type InjectedFaults } from './injected-faults.ts';

/** SQS refuses a per-message DelaySeconds on a FIFO queue (only the queue's own delay applies). */
function fifoDelayRefusal(queueUrl: string, delaySeconds: number | undefined): string | undefined {
  return isFifoQueueUrl(queueUrl) && (delaySeconds ?? 0) > 0
    ? 'The request include parameter that is not valid for this queue type: DelaySeconds'
    : undefined;
}

/** A message the memory transport holds. */
export interface MemoryQueueMessage {
  readonly messageId: string;
  /** The handle `changeVisibility` takes, as if the message had been received once. */
  readonly receiptHandle: string;
  readonly body: string;
  readonly delaySeconds: number;
  /** When it was sent, by the transport's clock. */
  readonly sentAt: Date;
  /** `MessageGroupId`, as SQS would keep it (a FIFO send without one gets `sendRouting`'s). */
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

/** One `changeVisibility` call, as made. */
export interface VisibilityChange {
  readonly queueUrl: string;
  readonly receiptHandle: string;
  readonly seconds: number;
}

/** What a refused batch entry reports (SQS's `Failed` entry). */
export interface EntryFailure {
  readonly code: string;
  readonly message: string;
}

/** Options for {@link createMemoryQueueTransport}. */
export interface MemoryQueueTransportOptions {
  /** The clock stamping `sentAt`. Default: the system clock. */
  readonly now?: () => Date;
}

/** The in-memory transport, plus what tests use to look inside and to make it fail. */
export interface MemoryQueueTransport extends QueueTransport, InjectedFaults<keyof QueueTransport> {
  /** Messages sent to `queueUrl`, oldest first (nothing is ever removed). */
  messages(queueUrl: string): readonly MemoryQueueMessage[];
  /** The last visibility timeout set for this receipt handle, seconds; undefined if never set. */
  visibilityOf(receiptHandle: string): number | undefined;
  /** Every `changeVisibility` call, oldest first. */
  visibilityChanges(): readonly VisibilityChange[];
  /**
   * In the next `sendBatch`, the entries `select` picks are refused with `failure` (reported in
   * the outcomes, not thrown, as SQS's `Failed` list) and not enqueued.
   */
  failNextBatchEntries(select: (entry: SendEntry) => boolean, failure?: EntryFailure): void;
}

/** An error shaped like the SQS SDK's (same `name`), for calls SQS itself would refuse. */
function sqsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Why SQS would refuse this message, if it would. */
function invalidMessage(body: string, delaySeconds: number | undefined): string | undefined {
  if (
    delaySeconds !== undefined &&
    (!Number.isInteger(delaySeconds) ||
      delaySeconds < 0 ||
      delaySeconds > LIMITS.maxSqsDelaySeconds)
  ) {
    return `DelaySeconds must be a whole number from 0 to ${LIMITS.maxSqsDelaySeconds}; got ${delaySeconds}`;
  }
  if (Buffer.byteLength(body, 'utf8') > LIMITS.maxEnvelopeBytes) {
    return `Message body is longer than ${LIMITS.maxEnvelopeBytes} bytes`;
  }
  return undefined;
}

/**
 * The queue transport in memory: messages kept per queue URL, each with an id and a receipt
 * handle; batches report every entry's outcome in entry order. It refuses what SQS refuses (a
 * delay outside 0–900 s, a body over the queue's size, an empty batch, more than 10 entries,
 * repeated entry ids), with SQS's error names. Deterministic ids (`message-1`, `receipt-1`, …).
 *
 * @example
 * ```ts
 * const transport = createMemoryQueueTransport();
 * await transport.send(queueUrl, body);
 * transport.messages(queueUrl)[0]?.body; // body
 * transport.failNext('changeVisibility'); // the next changeVisibility rejects
 * ```
 */
export function createMemoryQueueTransport(
  options: MemoryQueueTransportOptions = {},
): MemoryQueueTransport {
  const now = options.now ?? (() => new Date());
  const queues = new Map<string, MemoryQueueMessage[]>();
  const visibility = new Map<string, number>();
  const changes: VisibilityChange[] = [];
  const faults = createFaultPlan<keyof QueueTransport>();
  let refuseEntries: { select: (entry: SendEntry) => boolean; failure: EntryFailure } | undefined;
  let sent = 0;

  const enqueue = (
    queueUrl: string,
    body: string,
    delaySeconds: number | undefined,
    routing?: MessageRouting,
  ) => {
    sent += 1;
    const ids = sendRouting(queueUrl, body, routing);
    const message: MemoryQueueMessage = {
      messageId: `message-${sent}`,
      receiptHandle: `receipt-${sent}`,
      body,
      delaySeconds: delaySeconds ?? 0,
      sentAt: now(),
      ...ids,
    };
    const list = queues.get(queueUrl) ?? [];
    list.push(message);
    queues.set(queueUrl, list);
    return message.messageId;
  };

  return {
    failNext: faults.failNext,

    failNextBatchEntries(
      select,
      failure = { code: 'InternalError', message: 'Injected failure of this entry' },
    ) {
      refuseEntries = { select, failure };
    },

    messages(queueUrl) {
      return [...(queues.get(queueUrl) ?? [])];
    },

    visibilityOf(receiptHandle) {
      return visibility.get(receiptHandle);
    },

    visibilityChanges() {
      return [...changes];
    },

    async send(queueUrl, body, delaySeconds, _attributes, routing) {
      faults.throwIfArranged('send');
      const invalid =
        invalidMessage(body, delaySeconds) ?? fifoDelayRefusal(queueUrl, delaySeconds);
      if (invalid) throw sqsError('InvalidParameterValue', invalid);
      return { messageId: enqueue(queueUrl, body, delaySeconds, routing) };
    },

    async sendBatch(queueUrl, entries): Promise<SendOutcome[]> {
      faults.throwIfArranged('sendBatch');
      const refused = refuseEntries;
      refuseEntries = undefined;
      if (entries.length === 0) {
        throw sqsError('EmptyBatchRequest', 'There should be at least one entry in the request');
      }
      if (entries.length > LIMITS.sqsBatchSize) {
        throw sqsError(
          'TooManyEntriesInBatchRequest',
          `Maximum number of entries per request are ${LIMITS.sqsBatchSize}; got ${entries.length}`,
        );
      }
      const requestBytes = entries.reduce((sum, entry) => sum + bodyBytes(entry.body), 0);
      if (requestBytes > LIMITS.sqsBatchBytes) {
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${LIMITS.sqsBatchBytes} bytes; got ${requestBytes}`,
        );
      }
      if (new Set(entries.map((entry) => entry.entryId)).size !== entries.length) {
        throw sqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id');
      }
      return entries.map((entry): SendOutcome => {
        const { entryId } = entry;
        if (refused?.select(entry)) return { entryId, ok: false, ...refused.failure };
        const invalid =
          invalidMessage(entry.body, entry.delaySeconds) ??
          fifoDelayRefusal(queueUrl, entry.delaySeconds);
        if (invalid) return { entryId, ok: false, code: 'InvalidParameterValue', message: invalid };
        return {
          entryId,
          ok: true,
          messageId: enqueue(queueUrl, entry.body, entry.delaySeconds, entry),
        };
      });
    },

    async changeVisibility(queueUrl, receiptHandle, seconds) {
      faults.throwIfArranged('changeVisibility');
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
        throw sqsError(
          'InvalidParameterValue',
          `VisibilityTimeout must be a whole number from 0 to ${MAX_VISIBILITY_SECONDS}; got ${seconds}`,
        );
      }
      visibility.set(receiptHandle, seconds);
      changes.push({ queueUrl, receiptHandle, seconds });
    },
  };
}
