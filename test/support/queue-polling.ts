import {
  GetQueueAttributesCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Waits until `condition` holds, checking every 100 ms; throws after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One of SQS's approximate counts of a queue, e.g. `ApproximateNumberOfMessages`. */
export async function queueCount(
  sqs: SQSClient,
  url: string,
  attribute: QueueAttributeName,
): Promise<number> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [attribute] }),
  );
  return Number(result.Attributes?.[attribute] ?? 0);
}
