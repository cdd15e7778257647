import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sendRouting } from '../../message-group.ts';
import type { QueueTransport, SendEntry, SendOutcome } from '../../ports.ts';
import { createSqsMessageSender } from './sqs-message-sender.ts';

/**
 * The queue transport on SQS (or any SQS-compatible endpoint the client points at).
 *
 * @example
 * ```ts
 * const transport = createSqsQueueTransport(new SQSClient({}));
 * await transport.send(queueUrl, body, 30);
 * ```
 */
export function createSqsQueueTransport(sqs: SQSClient): QueueTransport {
  return {
    send: createSqsMessageSender(sqs).send,
    async sendBatch(queueUrl, entries: readonly SendEntry[]): Promise<SendOutcome[]> {
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((entry) => {
            const ids = sendRouting(queueUrl, entry.body, entry);
            return {
              Id: entry.entryId,
              MessageBody: entry.body,
              DelaySeconds: entry.delaySeconds,
              ...(ids?.groupId ? { MessageGroupId: ids.groupId } : {}),
              ...(ids?.deduplicationId ? { MessageDeduplicationId: ids.deduplicationId } : {}),
            };
          }),
        }),
      );
      const outcomes: SendOutcome[] = [];
      for (const ok of result.Successful ?? []) {
        outcomes.push({ entryId: ok.Id ?? '', ok: true, messageId: ok.MessageId ?? '' });
      }
      for (const failed of result.Failed ?? []) {
        outcomes.push({
          entryId: failed.Id ?? '',
          ok: false,
          code: failed.Code ?? 'Unknown',
          message: failed.Message ?? 'SQS did not say why',
        });
      }
      return outcomes;
    },
    async changeVisibility(queueUrl, receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}
