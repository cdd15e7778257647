import { LIMITS } from './limits.ts';
import type { MessageRouting } from './message-group.ts';
import type { DelayedDelivery, QueueTransport } from './ports.ts';

/**
 * SQS message attribute on a message the dispatcher sent again: its job has a record already,
 * so its claim goes straight to updating it (receive count 1 would otherwise suggest a first
 * delivery). A producer setting it changes which request the claim sends, not its outcome.
 */
export const RESENT_ATTRIBUTE = 'lambda-jobs.resent';

/** What a re-send needs: the job, the message body it travels in, and a name for this send. */
export interface ResendRequest {
  readonly jobId: string;
  readonly body: string;
  /** Whole seconds until the job is due (0 sends it at once). */
  readonly delaySeconds: number;
  /**
   * Distinguishes this send from the job's earlier ones when it goes through the delayed
   * delivery (e.g. `retry-3`): a one-time schedule named after the job alone may still exist
   * when the next one is made, and would swallow it.
   */
  readonly sendKey: string;
  /** The message's group and deduplication ids (`runtime/message-group.ts`). */
  readonly routing?: MessageRouting;
}

/** How a message came back to the queue: straight to SQS, or through the delayed delivery. */
export type ResendRoute = 'sqs' | 'delayed-delivery';

/** Sends a job's message to its queue again, with a delay. */
export interface MessageResend {
  /** Throws when the message could not be sent (the caller keeps the current one). */
  resend(request: ResendRequest): Promise<ResendRoute>;
}

export interface MessageResendDeps {
  readonly transport: QueueTransport;
  /** Delays beyond SQS's 900 s. Without it such delays are sent in hops of 900 s. */
  readonly delayedDelivery?: DelayedDelivery | undefined;
  readonly queueUrl: string;
  readonly now?: () => Date;
}

/**
 * The delayed delivery's name for one re-send of a job: the job id and the send key joined by
 * `#`, a character job ids never contain, so it never names another job's delivery (the
 * scheduler adapter hashes names it cannot use as they are).
 *
 * @example `resendDeliveryId('0196f3c4', 'retry-2') === '0196f3c4#retry-2'`
 */
export function resendDeliveryId(jobId: string, sendKey: string): string {
  return `${jobId}#${sendKey}`;
}

/**
 * The send key of a re-send due at `retryAt` (a retry, a deferral, a job not due yet): the due
 * instant in epoch milliseconds, so the record's `retryAt` names the delayed delivery that
 * carries the job, and `jobs cancel` can delete it.
 *
 * @example `dueSendKey('2026-01-01T00:00:00.000Z') === 'due-1767225600000'`
 */
export function dueSendKey(retryAt: string): string {
  return `due-${Date.parse(retryAt)}`;
}

/**
 * Creates the re-send a retry, a deferral or the deadline guard uses instead of hiding the
 * message: SQS `DelaySeconds` up to 900 s; beyond, the delayed delivery (EventBridge Scheduler
 * on AWS) at the due instant, or, without one, SQS's longest delay (the worker that receives
 * it early sends it on again). A re-sent message starts with a receive count of 1, so SQS's
 * `maxReceiveCount` counts only deliveries that ended without an outcome.
 *
 * @example
 * ```ts
 * const resend = createMessageResend({ transport, delayedDelivery, queueUrl: queue.url });
 * await resend.resend({ jobId, body: message.body, delaySeconds: 30, sendKey: 'retry-2' });
 * ```
 */
export function createMessageResend(deps: MessageResendDeps): MessageResend {
  const now = deps.now ?? (() => new Date());
  return {
    async resend({ jobId, body, delaySeconds, sendKey, routing }) {
      const seconds = Math.max(0, Math.ceil(delaySeconds));
      if (seconds > LIMITS.maxSqsDelaySeconds && deps.delayedDelivery) {
        const at = new Date(now().getTime() + seconds * 1000);
        await deps.delayedDelivery.schedule(
          resendDeliveryId(jobId, sendKey),
          deps.queueUrl,
          body,
          at,
          routing,
        );
        return 'delayed-delivery';
      }
      const sqsSeconds = Math.min(LIMITS.maxSqsDelaySeconds, seconds);
      await deps.transport.send(
        deps.queueUrl,
        body,
        sqsSeconds || undefined,
        { [RESENT_ATTRIBUTE]: '1' },
        routing,
      );
      return 'sqs';
    },
  };
}
