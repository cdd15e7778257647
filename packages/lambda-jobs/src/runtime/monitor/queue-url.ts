import { LambdaJobsError } from '../errors.ts';

/**
 * The physical queue name in an SQS queue URL (its last path segment): what CloudWatch's
 * `QueueName` dimension and the emulator's inspect API are keyed by.
 *
 * @example
 * ```ts
 * queueNameFromUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/shop-default'); // 'shop-default'
 * ```
 */
export function queueNameFromUrl(queueUrl: string): string {
  const path = new URL(queueUrl).pathname.replace(/\/+$/, '');
  const name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (name === '') throw new LambdaJobsError(`No queue name in the queue URL ${queueUrl}`);
  return name;
}
