import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sendRouting } from '../../message-group.ts';
import type { QueueTransport } from '../../ports.ts';

/**
 * Only the `send` of the SQS queue transport: for callers that send and never receive or hide
 * a message (the monitor's lost-job rescue), so their bundle, and therefore their role, carries
 * `sqs:SendMessage` alone.
 *
 * @example
 * ```ts
 * const sender = createSqsMessageSender(new SQSClient({}));
 * await sender.send(queueUrl, body, 0, { 'lambda-jobs.resent': '1' });
 * ```
 */
export function createSqsMessageSender(sqs: SQSClient): Pick<QueueTransport, 'send'> {
  return {
    async send(queueUrl, body, delaySeconds, attributes, routing) {
      const ids = sendRouting(queueUrl, body, routing);
      const result = await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          DelaySeconds: delaySeconds,
          ...(ids?.groupId ? { MessageGroupId: ids.groupId } : {}),
          ...(ids?.deduplicationId ? { MessageDeduplicationId: ids.deduplicationId } : {}),
          ...(attributes
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([name, value]) => [
                    name,
                    { DataType: 'String', StringValue: value },
                  ]),
                ),
              }
            : {}),
        }),
      );
      return { messageId: result.MessageId ?? '' };
    },
  };
}
