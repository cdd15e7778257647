import { Stack } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { SQS_SEND_MESSAGE_UNIVERSAL_TARGET } from '../runtime/message-group.ts';

/** What a cron firing to a FIFO queue sends. */
export interface FifoCronFiring {
  readonly queue: IQueue;
  /** The envelope, with the scheduler's `<aws.scheduler.scheduled-time>` placeholders. */
  readonly body: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  /** A standard queue: EventBridge Scheduler takes no FIFO queue as a dead-letter queue. */
  readonly deadLetterQueue: IQueue;
}

/**
 * The target of a cron schedule whose job goes to a FIFO queue: the universal `sqs:sendMessage`
 * target with the group and deduplication ids (the templated SQS target carries no
 * deduplication id and needs content-based deduplication on a FIFO queue), dead-lettering to
 * `deadLetterQueue`. The scheduler replaces the placeholders inside the JSON-quoted body, as
 * it does in a plain input: they hold no character JSON escapes.
 *
 * @example
 * ```ts
 * fifoCronTarget(this, { queue, body, groupId: 'reconcile', deduplicationId, deadLetterQueue });
 * ```
 */
export function fifoCronTarget(
  scope: IConstruct,
  firing: FifoCronFiring,
): { arn: string; input: string; deadLetterConfig: { arn: string } } {
  return {
    arn: SQS_SEND_MESSAGE_UNIVERSAL_TARGET,
    input: Stack.of(scope).toJsonString({
      QueueUrl: firing.queue.queueUrl,
      MessageBody: firing.body,
      MessageGroupId: firing.groupId,
      MessageDeduplicationId: firing.deduplicationId,
    }),
    deadLetterConfig: { arn: firing.deadLetterQueue.queueArn },
  };
}
