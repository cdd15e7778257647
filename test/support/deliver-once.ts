import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A Lambda context whose remaining time the test controls. */
export function fakeLambdaContext(remainingMs = 60_000): Context {
  return {
    awsRequestId: randomUUID(),
    functionName: 'test-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-worker',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/test-worker',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * One step of the SQS event source, for step-by-step scenarios: receive up to `max`
 * messages, invoke the handler with a real-shaped event, delete what the partial batch
 * response did not return. Returns what happened.
 */
export async function deliverOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  options: { max?: number; remainingMs?: number; waitSeconds?: number } = {},
): Promise<{ received: SQSRecord[]; response: SQSBatchResponse | undefined }> {
  const result = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 1,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const received: SQSRecord[] = (result.Messages ?? []).map((m) => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp:
        m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
      ...(m.Attributes?.MessageDeduplicationId
        ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
    awsRegion: 'us-east-1',
  }));
  if (received.length === 0) return { received, response: undefined };
  const response = await handler({ Records: received }, fakeLambdaContext(options.remainingMs));
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = received.filter((r) => !failed.has(r.messageId));
  if (done.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  return { received, response };
}
