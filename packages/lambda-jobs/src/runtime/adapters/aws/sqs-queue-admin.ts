import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueMessageAdmin, QueueSettings, ReceivedMessage } from '../../admin/admin-ports.ts';

/** Options for {@link createSqsQueueAdmin}. */
export interface SqsQueueAdminOptions {
  /**
   * Long-poll seconds per receive. On AWS a short poll (0) samples only some servers and may
   * answer "empty" for a queue that is not, so the default is 1. The emulator answers exactly
   * either way; 0 keeps listings fast there.
   */
  readonly receiveWaitSeconds?: number;
}

function whole(value: string | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && Number.isInteger(number) ? number : undefined;
}

/**
 * Reading, releasing, deleting and purging messages of a queue through SQS (AWS or the
 * emulator), for DLQ listing and redrive.
 *
 * @example
 * ```ts
 * const messages = createSqsQueueAdmin(createSqsClient());
 * const batch = await messages.receive(dlqUrl, 10, 30);
 * ```
 */
export function createSqsQueueAdmin(
  sqs: SQSClient,
  options: SqsQueueAdminOptions = {},
): QueueMessageAdmin {
  const waitSeconds = options.receiveWaitSeconds ?? 1;
  return {
    async receive(queueUrl, max, visibilitySeconds): Promise<ReceivedMessage[]> {
      const result = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: [
            'SentTimestamp',
            'ApproximateReceiveCount',
            'MessageGroupId',
          ],
        }),
      );
      return (result.Messages ?? []).map((message) => {
        const sent = whole(message.Attributes?.SentTimestamp);
        const receives = whole(message.Attributes?.ApproximateReceiveCount);
        return {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body: message.Body ?? '',
          ...(sent !== undefined ? { sentAt: new Date(sent).toISOString() } : {}),
          ...(receives !== undefined ? { receiveCount: receives } : {}),
          ...(message.Attributes?.MessageGroupId
            ? { groupId: message.Attributes.MessageGroupId }
            : {}),
        };
      });
    },

    async delete(queueUrl, receiptHandle) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }),
      );
    },

    async release(queueUrl, receiptHandles) {
      for (let i = 0; i < receiptHandles.length; i += 10) {
        const chunk = receiptHandles.slice(i, i + 10);
        try {
          await sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((handle, n) => ({
                Id: String(n),
                ReceiptHandle: handle,
                VisibilityTimeout: 0,
              })),
            }),
          );
        } catch {
          // Releasing is a courtesy: a message not released reappears when its short
          // visibility timeout ends.
        }
      }
    },

    async purge(queueUrl) {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    },

    async settings(queueUrl): Promise<QueueSettings> {
      const result = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['VisibilityTimeout', 'MessageRetentionPeriod', 'RedrivePolicy'],
        }),
      );
      const attributes = result.Attributes ?? {};
      let maxReceiveCount: number | undefined;
      let deadLetterTargetArn: string | undefined;
      if (attributes.RedrivePolicy) {
        try {
          const policy = JSON.parse(attributes.RedrivePolicy) as {
            maxReceiveCount?: number | string;
            deadLetterTargetArn?: string;
          };
          maxReceiveCount = whole(String(policy.maxReceiveCount));
          deadLetterTargetArn = policy.deadLetterTargetArn;
        } catch {
          // An unreadable policy reads as none; doctor then reports the missing redrive.
        }
      }
      return {
        visibilityTimeoutSeconds: whole(attributes.VisibilityTimeout) ?? 30,
        messageRetentionSeconds: whole(attributes.MessageRetentionPeriod) ?? 345_600,
        ...(maxReceiveCount !== undefined ? { maxReceiveCount } : {}),
        ...(deadLetterTargetArn !== undefined ? { deadLetterTargetArn } : {}),
      };
    },
  };
}
