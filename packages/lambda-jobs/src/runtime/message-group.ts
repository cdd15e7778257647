/**
 * Message groups and deduplication ids: what a send to a FIFO queue must carry, and what a
 * send to a standard queue carries for SQS fair queues (`docs/fifo-and-fair-queues.md`).
 *
 * - FIFO queue: `MessageGroupId` is the job type's `groupKey(payload)`, or the job type when it
 *   has none (jobs of one type then run one at a time, in order: the safe reading of "FIFO"
 *   for a type that did not say what may run side by side); `MessageDeduplicationId` is the job
 *   id at enqueue, so a retried enqueue of the same id within SQS's 5-minute window is one job.
 * - Standard queue: `MessageGroupId` is the job type's `tenantKey(payload)` when it has one, so
 *   that fair queues keep one tenant's backlog from delaying the others; no deduplication id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { JobInputError } from './errors.ts';
import type { AnyJobDefinition } from './job-definition.ts';

/**
 * EventBridge Scheduler's universal target for SQS SendMessage: a delayed message or a cron
 * firing that must carry a group and a deduplication id is sent through it.
 */
export const SQS_SEND_MESSAGE_UNIVERSAL_TARGET = 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage';

/** SQS: MessageGroupId and MessageDeduplicationId are at most 128 characters. */
export const MAX_MESSAGE_GROUP_ID_LENGTH = 128;

/** SQS: alphanumeric characters and punctuation ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``. */
const MESSAGE_GROUP_ID_PATTERN = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;

/** The limit a group or tenant key must keep, as errors name it. */
const KEY_LIMIT = `1–${MAX_MESSAGE_GROUP_ID_LENGTH} characters of A-Z a-z 0-9 and ASCII punctuation`;

/** What a send adds to its message beside the body (both absent on a plain standard send). */
export interface MessageRouting {
  /** `MessageGroupId`: the FIFO group, or the fair-queue tenant on a standard queue. */
  readonly groupId?: string;
  /** `MessageDeduplicationId` (FIFO only). */
  readonly deduplicationId?: string;
}

/** True for a FIFO queue's URL (its name ends in `.fifo`). */
export function isFifoQueueUrl(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}

/**
 * Checks a `groupKey` or `tenantKey` result: a string of 1–128 characters SQS accepts as a
 * MessageGroupId.
 *
 * @throws JobInputError naming the field and the limit.
 * @example `checkGroupKey('tenantKey', 'tenant-42') // 'tenant-42'`
 */
export function checkGroupKey(field: 'groupKey' | 'tenantKey', value: unknown): string {
  if (typeof value !== 'string') {
    throw new JobInputError(field, KEY_LIMIT, `${field} must return a string; got ${typeof value}`);
  }
  if (value.length === 0 || value.length > MAX_MESSAGE_GROUP_ID_LENGTH) {
    throw new JobInputError(
      field,
      KEY_LIMIT,
      `${field} must be 1–${MAX_MESSAGE_GROUP_ID_LENGTH} characters; got ${value.length}`,
    );
  }
  if (!MESSAGE_GROUP_ID_PATTERN.test(value)) {
    throw new JobInputError(
      field,
      KEY_LIMIT,
      `${field} "${value.slice(0, 40)}" has a character SQS refuses in a MessageGroupId; use A-Z a-z 0-9 and ASCII punctuation`,
    );
  }
  return value;
}

/**
 * The routing of a job's first send: its group (FIFO) or tenant (standard, when the type has a
 * `tenantKey`), and on FIFO its id as deduplication id.
 *
 * @throws JobInputError when the key function returns a value SQS would refuse.
 * @example
 * ```ts
 * enqueueRouting('https://…/shop-orders.fifo', orderJob, { orderId: 'o-1' }, jobId);
 * // { groupId: 'order:o-1', deduplicationId: jobId }
 * ```
 */
export function enqueueRouting(
  queueUrl: string,
  definition: Pick<AnyJobDefinition, 'type' | 'groupKey' | 'tenantKey'>,
  payload: unknown,
  jobId: string,
): MessageRouting {
  if (isFifoQueueUrl(queueUrl)) {
    const groupId = definition.groupKey
      ? checkGroupKey('groupKey', definition.groupKey(payload))
      : definition.type;
    return { groupId, deduplicationId: jobId };
  }
  if (!definition.tenantKey) return {};
  return { groupId: checkGroupKey('tenantKey', definition.tenantKey(payload)) };
}

/**
 * A deduplication id for a send that is not the job's first (a re-send, a dead letter, a
 * redrive): distinct from the job id, so SQS's 5-minute window never swallows it as a copy of
 * the enqueue. `sendKey` names the send when a retried call must be recognised as the same
 * send (a scheduled delivery); without it every call is a new send. Hashed when too long.
 *
 * @example `laterDeduplicationId('0196f3c4', 'due-1767225600000') === '0196f3c4#due-1767225600000'`
 */
export function laterDeduplicationId(jobId: string, sendKey: string = randomUUID()): string {
  const id = `${jobId}#${sendKey}`;
  if (id.length <= MAX_MESSAGE_GROUP_ID_LENGTH && MESSAGE_GROUP_ID_PATTERN.test(id)) return id;
  return createHash('sha256').update(id).digest('hex');
}

/**
 * The routing of a later send of a message received with `groupId` (SQS's `MessageGroupId`
 * attribute): the same group; on FIFO a fresh deduplication id (see
 * {@link laterDeduplicationId}), and `fallbackGroupId` when the message had none.
 */
export function laterSendRouting(
  queueUrl: string,
  jobId: string,
  groupId: string | undefined,
  fallbackGroupId: string,
  sendKey?: string,
): MessageRouting {
  if (isFifoQueueUrl(queueUrl)) {
    return {
      groupId: groupId ?? fallbackGroupId,
      deduplicationId: laterDeduplicationId(jobId, sendKey),
    };
  }
  return groupId ? { groupId } : {};
}

function envelopeField(body: string, field: 'id' | 'type'): string | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)?.[field];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The routing a send to `queueUrl` goes out with: `routing` as given, completed on a FIFO queue
 * when a caller gave no group or deduplication id (a send that does not know the message's
 * group: the monitor's rescue of a lost job, an operator's retry). The group is then the job
 * type read from the body (the default group), else `lambda-jobs`; the deduplication id is new.
 * SQS refuses a FIFO send without a group, so no send fails for the lack of one.
 *
 * @example `sendRouting('https://…/orders.fifo', body, undefined) // { groupId: 'order-paid', deduplicationId: '…#…' }`
 */
export function sendRouting(
  queueUrl: string,
  body: string,
  routing: MessageRouting | undefined,
): MessageRouting | undefined {
  if (!isFifoQueueUrl(queueUrl)) {
    return routing?.groupId ? { groupId: routing.groupId } : undefined;
  }
  if (routing?.groupId && routing.deduplicationId) return routing;
  const groupId = routing?.groupId ?? envelopeField(body, 'type') ?? 'lambda-jobs';
  const deduplicationId =
    routing?.deduplicationId ?? laterDeduplicationId(envelopeField(body, 'id') ?? 'message');
  return { groupId, deduplicationId };
}

/**
 * True when a job delayed by `delaySeconds` must go through the delayed delivery (EventBridge
 * Scheduler) rather than SQS's DelaySeconds: beyond SQS's 900 s, or any delay at all on a FIFO
 * queue (SQS refuses a per-message DelaySeconds there).
 */
export function delayNeedsScheduler(
  queueUrl: string,
  delaySeconds: number,
  maxSqsDelaySeconds: number,
): boolean {
  return delaySeconds > maxSqsDelaySeconds || (delaySeconds > 0 && isFifoQueueUrl(queueUrl));
}

/**
 * The group a job's messages are sent with, computed again from its type and payload: for a
 * delivery that came without its `MessageGroupId` attribute. Undefined when the type has no
 * key for this kind of queue, or its key function throws or returns a value SQS would refuse
 * (the job still runs; only the record and later sends go without a group).
 */
export function keyedGroup(
  queueUrl: string,
  definition: Pick<AnyJobDefinition, 'type' | 'groupKey' | 'tenantKey'>,
  payload: unknown,
): string | undefined {
  try {
    return enqueueRouting(queueUrl, definition, payload, 'unused').groupId;
  } catch {
    return undefined;
  }
}
