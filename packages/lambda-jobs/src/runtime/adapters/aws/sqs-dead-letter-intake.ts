import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterIntakeQueue } from '../../monitor/monitor-ports.ts';

/**
 * The monitor's reader of dead-letter intakes: ReceiveMessage without a long poll (an empty
 * intake costs one request per run) and DeleteMessage once a message is reconciled.
 *
 * @example
 * ```ts
 * const intake = createSqsDeadLetterIntake(new SQSClient({}));
 * const messages = await intake.receive(intakeUrl, 10);
 * ```
 */
export function createSqsDeadLetterIntake(sqs: SQSClient): DeadLetterIntakeQueue {
  return {
    async receive(intakeUrl, max) {
      const result = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: intakeUrl,
          MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['MessageGroupId'],
        }),
      );
      return (result.Messages ?? []).flatMap((message) =>
        message.MessageId && message.ReceiptHandle && message.Body !== undefined
          ? [
              {
                messageId: message.MessageId,
                receiptHandle: message.ReceiptHandle,
                body: message.Body,
                ...(message.Attributes?.MessageGroupId
                  ? { groupId: message.Attributes.MessageGroupId }
                  : {}),
              },
            ]
          : [],
      );
    },
    async remove(intakeUrl, receiptHandle) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: intakeUrl, ReceiptHandle: receiptHandle }),
      );
    },
  };
}
