import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * An SQS client for this process. When `AWS_ENDPOINT_URL_SQS` points at a local emulator, the
 * client keeps to that endpoint instead of the host inside each queue URL (which an emulator
 * may name something like `sqs.us-east-1.localhost` that does not resolve).
 *
 * @example
 * ```ts
 * const sqs = createSqsClient(); // AWS in Lambda; the emulator in dev mode and tests
 * ```
 */
export function createSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  return endpoint ? new SQSClient({ endpoint, useQueueUrlAsEndpoint: false }) : new SQSClient({});
}

/** A DynamoDB client for this process (endpoint from `AWS_ENDPOINT_URL_DYNAMODB` when set). */
export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({});
}
