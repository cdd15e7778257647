import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import {
  type ProvisionedResources,
  provisionResources,
} from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';

/** SDK clients pointed at the emulators (through AWS_ENDPOINT_URL_* set in setup.ts). */
export function emulatorClients(): { sqs: SQSClient; dynamodb: DynamoDBClient } {
  return { sqs: createSqsClient(), dynamodb: createDynamoDbClient() };
}

/** A small config for tests: one `default` queue with short timeouts, plus any overrides. */
export function testConfig(
  overrides: Partial<Parameters<typeof defineConfig>[0]> = {},
): LambdaJobsConfig {
  return defineConfig({
    appName: 'test',
    queues: {
      default: {
        batchSize: 10,
        functionTimeoutSeconds: 10,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 10,
      },
    },
    ...overrides,
  });
}

/**
 * Fresh queues, DLQs and table on the emulators, with a unique suffix so test files never
 * see each other's messages or records.
 */
export async function provisionTestResources(
  config: LambdaJobsConfig = testConfig(),
): Promise<ProvisionedResources> {
  const suffix = `-${randomBytes(4).toString('hex')}`;
  return provisionResources(config, emulatorClients(), suffix);
}
