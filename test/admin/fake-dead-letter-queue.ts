/**
 * A dead-letter queue in memory for the redrive tests: it hides what it hands out until it is
 * released or deleted (as SQS does), and keeps what the redrive asked of it (each receive's
 * visibility, the handles released, the messages sent on with their routing).
 */
import type {
  QueueMessageAdmin,
  ReceivedMessage,
} from '../../packages/lambda-jobs/src/runtime/admin/admin-ports.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import type { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { MessageRouting } from '../../packages/lambda-jobs/src/runtime/message-group.ts';

export const queue = { name: 'default', url: 'q://default', dlqUrl: 'q://default-dlq' };

/** An envelope of the `default` queue (the fields given replace the defaults). */
export function envelope(
  id: string,
  type = 'report',
  fields: {
    readonly queue?: string;
    readonly payload?: unknown;
    readonly concurrencyKey?: string;
  } = {},
): string {
  return serializeEnvelope({
    version: ENVELOPE_VERSION,
    id,
    type,
    queue: fields.queue ?? 'default',
    payload: fields.payload ?? {},
    enqueuedAt: '2030-01-01T00:00:00.000Z',
    ...(fields.concurrencyKey !== undefined
      ? { options: { concurrencyKey: fields.concurrencyKey } }
      : {}),
  });
}

export function record(id: string, status: JobStatus, attempts = 1): JobRecord {
  return {
    id,
    type: 'report',
    queue: 'default',
    status,
    attempts,
    maxAttempts: 3,
    enqueuedAt: '2030-01-01T00:00:00.000Z',
    updatedAt: new Date().toISOString(),
    expiresAt: 0,
  };
}

export interface FakeDeadLetter {
  readonly body: string;
  readonly groupId?: string;
}

export interface FakeDeadLetterQueueOptions {
  /** Messages handed out per receive at most (SQS: up to the `max` asked for). */
  readonly perReceive?: number;
  /** Hands out messages it already handed out, as SQS does once their visibility ends. */
  readonly forgetsHiding?: boolean;
  /** The counts the depth source reports instead of the messages held (counts can be off). */
  readonly depth?: {
    readonly visible: number;
    readonly inFlight: number;
    readonly delayed: number;
  };
}

export interface SentMessage {
  readonly url: string;
  readonly body: string;
  readonly routing: MessageRouting | undefined;
}

/** A DLQ in memory: receive hides messages until released or deleted. */
export function fakeDeadLetterQueue(
  letters: readonly (string | FakeDeadLetter)[],
  options: FakeDeadLetterQueueOptions = {},
) {
  const messages = letters.map((letter, i) => ({
    messageId: `m${i}`,
    hidden: false,
    ...(typeof letter === 'string' ? { body: letter } : letter),
  }));
  const sent: SentMessage[] = [];
  const receives: { max: number; visibility: number }[] = [];
  const released: string[] = [];
  const deleted: string[] = [];
  const admin: QueueMessageAdmin = {
    async receive(_url, max, visibility) {
      receives.push({ max, visibility });
      const batch = messages
        .filter((m) => options.forgetsHiding || !m.hidden)
        .slice(0, Math.min(max, options.perReceive ?? max));
      for (const m of batch) m.hidden = true;
      return batch.map<ReceivedMessage>((m) => ({
        messageId: m.messageId,
        receiptHandle: m.messageId,
        body: m.body,
        ...(m.groupId !== undefined ? { groupId: m.groupId } : {}),
      }));
    },
    async delete(_url, handle) {
      deleted.push(handle);
      messages.splice(
        messages.findIndex((m) => m.messageId === handle),
        1,
      );
    },
    async release(_url, handles) {
      released.push(...handles);
      for (const m of messages) if (handles.includes(m.messageId)) m.hidden = false;
    },
    async purge() {
      messages.length = 0;
    },
    async settings() {
      return { visibilityTimeoutSeconds: 30, messageRetentionSeconds: 60 };
    },
  };
  const transport = {
    async send(
      url: string,
      body: string,
      _delaySeconds?: number,
      _attributes?: Readonly<Record<string, string>>,
      routing?: MessageRouting,
    ) {
      sent.push({ url, body, routing });
      return { messageId: `sent-${sent.length}` };
    },
  };
  const depth = {
    async depth() {
      return options.depth ?? { visible: messages.length, inFlight: 0, delayed: 0 };
    },
  };
  /** A worker that rejects everything at once: each sent body is back in the DLQ, as a new message. */
  const rejectingAtOnce = {
    async send(url: string, body: string) {
      sent.push({ url, body, routing: undefined });
      messages.push({ messageId: `back-${sent.length}`, body, hidden: false });
      return { messageId: `sent-${sent.length}` };
    },
  };
  return {
    admin,
    transport,
    rejectingAtOnce,
    depth,
    sent,
    receives,
    released,
    deleted,
    remaining: () => messages.map((m) => m.messageId),
    /** The messages left in the DLQ that a receive would get now. */
    visible: () => messages.filter((m) => !m.hidden).map((m) => m.messageId),
  };
}
