import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { SqsEventSourceOptions } from '../../packages/lambda-jobs/src/local/event-source/event-source-options.ts';
import {
  type SqsEventSource,
  startSqsEventSource,
} from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';

/** A queue made for one test, with its dead-letter queue. */
export interface TestQueue {
  readonly sqs: SQSClient;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

/**
 * Creates a fresh queue and DLQ on the SQS emulator. Short visibility timeouts are allowed here
 * (the config module would refuse them), so retries come back within a test.
 */
export async function createTestQueue(
  settings: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
): Promise<TestQueue> {
  // fauxqs queue URLs name a host (sqs.<region>.localhost) that does not resolve here: keep the
  // endpoint from AWS_ENDPOINT_URL_SQS for every call.
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const name = `event-source-${randomBytes(4).toString('hex')}`;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = await queueAttribute(sqs, dlq.QueueUrl!, 'QueueArn');
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: settings.maxReceiveCount ?? 10,
        }),
      },
    }),
  );
  const url = main.QueueUrl!;
  return { sqs, url, arn: await queueAttribute(sqs, url, 'QueueArn'), dlqUrl: dlq.QueueUrl! };
}

/** Sends one message per body, 10 per SendMessageBatch. */
export async function sendMessages(
  queue: TestQueue,
  bodies: readonly string[],
  messageAttributes?: Record<string, MessageAttributeValue>,
): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const result = await queue.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.slice(start, start + 10).map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: messageAttributes,
        })),
      }),
    );
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
  }
}

/** Visible and in-flight counts of a queue. */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

async function queueAttribute(sqs: SQSClient, queueUrl: string, name: 'QueueArn'): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name] }),
  );
  return Attributes![name]!;
}

/**
 * Starts an event source on a test queue with small, test-friendly settings (one-second long
 * polls), and stops it when the test finishes.
 */
export async function startTestEventSource(
  queue: TestQueue,
  onTestFinished: (cleanup: () => Promise<void>) => void,
  overrides: Partial<SqsEventSourceOptions> & Pick<SqsEventSourceOptions, 'handler'>,
): Promise<SqsEventSource> {
  const source = await startSqsEventSource({
    sqs: queue.sqs,
    queueUrl: queue.url,
    batchSize: 10,
    batchingWindowSeconds: 0,
    maxConcurrency: 1,
    functionTimeoutSeconds: 5,
    pollWaitSeconds: 1,
    ...overrides,
  });
  onTestFinished(() => source.stop());
  return source;
}

/**
 * Retries `assertion` until it passes or `timeoutMs` elapses, then throws its last failure.
 * For outcomes that arrive asynchronously; never a statement about speed.
 */
export async function eventually(
  assertion: () => unknown,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() >= giveUpAt) throw error;
      await sleep(intervalMs);
    }
  }
}

/** One handler call as a test saw it: bodies with their receive counts. */
export interface SeenInvocation {
  readonly bodies: readonly string[];
  readonly receiveCounts: readonly number[];
}

/** What a handler saw in an event, for assertions. */
export function seen(event: SQSEvent): SeenInvocation {
  return {
    bodies: event.Records.map((record) => record.body),
    receiveCounts: event.Records.map((record) => Number(record.attributes.ApproximateReceiveCount)),
  };
}

/** A promise with its resolve function, for handlers a test releases by hand. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
