import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LambdaJobsError } from '../../errors.ts';
import type { QueueDepth, QueueDepthSource } from '../../monitor/monitor-ports.ts';
import { retryOnThrottling, type ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';

const ATTRIBUTES = {
  visible: 'ApproximateNumberOfMessages',
  inFlight: 'ApproximateNumberOfMessagesNotVisible',
  delayed: 'ApproximateNumberOfMessagesDelayed',
} as const;

function count(attributes: Record<string, string> | undefined, name: string, queueUrl: string) {
  const value = Number(attributes?.[name]);
  if (!Number.isInteger(value) || value < 0) {
    throw new LambdaJobsError(
      `GetQueueAttributes for ${queueUrl} returned ${name} = ${JSON.stringify(attributes?.[name])}, not a count`,
    );
  }
  return value;
}

/**
 * Queue depth from SQS GetQueueAttributes (the three approximate counts, one request per
 * queue), on AWS and on the emulator alike. Throttling is retried with backoff.
 *
 * @example
 * ```ts
 * const depth = await createSqsQueueDepthSource(sqs).depth(queueUrl);
 * ```
 */
export function createSqsQueueDepthSource(
  sqs: SQSClient,
  options: { readonly retry?: ThrottleRetryOptions } = {},
): QueueDepthSource {
  return {
    async depth(queueUrl: string): Promise<QueueDepth> {
      const result = await retryOnThrottling(
        () =>
          sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: Object.values(ATTRIBUTES),
            }),
          ),
        options.retry,
      );
      return {
        visible: count(result.Attributes, ATTRIBUTES.visible, queueUrl),
        inFlight: count(result.Attributes, ATTRIBUTES.inFlight, queueUrl),
        delayed: count(result.Attributes, ATTRIBUTES.delayed, queueUrl),
      };
    },
  };
}
