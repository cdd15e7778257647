import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The name under which the SDK adds its logger middleware to every client's stack. Without a
 * logger configured, the SDK logs to a `NoOpLogger`, yet the middleware still walks every
 * request's input and every response's output to redact sensitive fields for it (a few per cent
 * of a worker's CPU). lambda-jobs logs its own requests' outcomes, so its clients drop it.
 */
const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

function withoutDiscardedLogging<Client extends SQSClient | DynamoDBClient>(
  client: Client,
): Client {
  client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return client;
}

/**
 * An SQS client for this process. When `AWS_ENDPOINT_URL_SQS` points at a local emulator, the
 * client keeps to that endpoint instead of the host inside each queue URL (which an emulator
 * may name something like `sqs.us-east-1.localhost` that does not resolve). It carries no SDK
 * logger middleware (see {@link SDK_LOGGER_MIDDLEWARE}).
 *
 * @example
 * ```ts
 * const sqs = createSqsClient(); // AWS in Lambda; the emulator in dev mode and tests
 * ```
 */
export function createSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  return withoutDiscardedLogging(
    endpoint ? new SQSClient({ endpoint, useQueueUrlAsEndpoint: false }) : new SQSClient({}),
  );
}

/**
 * A DynamoDB client for this process (endpoint from `AWS_ENDPOINT_URL_DYNAMODB` when set),
 * without the SDK's logger middleware (see {@link SDK_LOGGER_MIDDLEWARE}).
 */
export function createDynamoDbClient(): DynamoDBClient {
  return withoutDiscardedLogging(new DynamoDBClient({}));
}
