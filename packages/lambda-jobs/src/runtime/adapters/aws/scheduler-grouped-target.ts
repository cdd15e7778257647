/**
 * The EventBridge Scheduler target of a delayed message that carries a message group: the
 * universal target `sqs:sendMessage`, whose input is the SendMessage request itself.
 *
 * The templated SQS target takes a `MessageGroupId` but no deduplication id, and for a FIFO
 * queue requires content-based deduplication, which the job queues keep off (two jobs with the
 * same payload are two jobs). The universal target sends the group and the deduplication id as
 * given. The scheduler's role needs the same `sqs:SendMessage` on the queue as for the
 * templated target (and `kms:GenerateDataKey`/`kms:Decrypt` on a customer-managed key).
 */
import { type MessageRouting, SQS_SEND_MESSAGE_UNIVERSAL_TARGET } from '../../message-group.ts';

export { SQS_SEND_MESSAGE_UNIVERSAL_TARGET };

/**
 * The target ARN and input of a delayed message: the templated target (`queueArn`, the body as
 * input) when it has no group, the universal target with the whole request otherwise.
 *
 * @example
 * ```ts
 * scheduledSendTarget(url, arn, body, { groupId: 'orders', deduplicationId: jobId });
 * // { arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage', input: '{"QueueUrl":…,"MessageGroupId":"orders",…}' }
 * ```
 */
export function scheduledSendTarget(
  queueUrl: string,
  queueArn: string,
  body: string,
  routing: MessageRouting | undefined,
): { readonly arn: string; readonly input: string } {
  if (!routing?.groupId) return { arn: queueArn, input: body };
  return {
    arn: SQS_SEND_MESSAGE_UNIVERSAL_TARGET,
    input: JSON.stringify({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: routing.groupId,
      ...(routing.deduplicationId ? { MessageDeduplicationId: routing.deduplicationId } : {}),
    }),
  };
}
