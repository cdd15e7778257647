/**
 * Listing a dead-letter queue without disturbing it: messages are received (hidden for a short
 * while so each is seen once), described, and made visible again at once.
 */
import { parseEnvelope, salvageJobId } from '../envelope.ts';
import type { QueueMessageAdmin, ReceivedMessage } from './admin-ports.ts';
import type { DeadLetter } from './jobs-admin.ts';

/** Bytes of a body shown in a listing. */
export const BODY_PREVIEW_BYTES = 4096;

/** Messages `dlqList` returns at most in one call. */
export const DLQ_LIST_LIMIT = { min: 1, max: 1000, default: 25 } as const;

/** Seconds a listed message stays hidden before it is released (or, if the CLI dies, by itself). */
const LISTING_VISIBILITY_SECONDS = 30;

/** SQS receives at most 10 messages per request. */
export const RECEIVE_BATCH = 10;

function preview(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length <= BODY_PREVIEW_BYTES) return body;
  // Cut on a character boundary: drop a trailing partial UTF-8 sequence.
  return bytes
    .subarray(0, BODY_PREVIEW_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}

/** What a dead-letter message says about its job, when its body is a readable envelope. */
export interface DeadLetterIdentity {
  readonly jobId: string | undefined;
  readonly type: string | undefined;
  /** False when the body is not a valid envelope (the worker rejected it as malformed). */
  readonly wellFormed: boolean;
}

/**
 * Reads a dead letter's job id and type. A malformed body may still carry a readable id (the
 * one its ERRORED record was written under).
 *
 * @example
 * ```ts
 * identifyDeadLetter('{"version":1,"id":"a1","type":"webhook",…}'); // { jobId: 'a1', type: 'webhook', wellFormed: true }
 * ```
 */
export function identifyDeadLetter(body: string): DeadLetterIdentity {
  try {
    const envelope = parseEnvelope(body);
    return { jobId: envelope.id, type: envelope.type, wellFormed: true };
  } catch {
    return { jobId: salvageJobId(body), type: undefined, wellFormed: false };
  }
}

/**
 * A received message as an operator sees it.
 *
 * @example
 * ```ts
 * const letter = toDeadLetter(message); // { messageId, jobId, type, sentAt, receiveCount, bodyPreview }
 * ```
 */
export function toDeadLetter(message: ReceivedMessage): DeadLetter {
  const { jobId, type } = identifyDeadLetter(message.body);
  return {
    messageId: message.messageId,
    jobId,
    type,
    sentAt: message.sentAt,
    receiveCount: message.receiveCount,
    bodyPreview: preview(message.body),
  };
}

/**
 * Up to `limit` messages of a dead-letter queue, in the order SQS hands them out. Each is
 * hidden while the listing runs and released at the end, so the queue is left as it was
 * (SQS counts one more receive for each message; a DLQ has no redrive policy of its own, so
 * that count has no effect).
 *
 * @example
 * ```ts
 * const letters = await listDeadLetters(messages, dlqUrl, 25);
 * ```
 */
export async function listDeadLetters(
  messages: QueueMessageAdmin,
  dlqUrl: string,
  limit: number,
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const held: string[] = [];
  const seen = new Set<string>();
  try {
    while (letters.length < limit) {
      const batch = await messages.receive(
        dlqUrl,
        Math.min(RECEIVE_BATCH, limit - letters.length),
        LISTING_VISIBILITY_SECONDS,
      );
      if (batch.length === 0) break;
      let fresh = 0;
      for (const message of batch) {
        held.push(message.receiptHandle);
        if (seen.has(message.messageId) || letters.length >= limit) continue;
        seen.add(message.messageId);
        fresh += 1;
        letters.push(toDeadLetter(message));
      }
      if (fresh === 0) break;
    }
  } finally {
    await messages.release(dlqUrl, held);
  }
  return letters;
}
