import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../packages/lambda-jobs/src/config/env.ts';
import { startDynamoDbEmulator } from '../packages/lambda-jobs/src/local/dynamodb-emulator.ts';
import {
  type ProvisionedResources,
  provisionResources,
} from '../packages/lambda-jobs/src/local/provision-resources.ts';
import { startSqsEmulator } from '../packages/lambda-jobs/src/local/sqs-emulator.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { countRequests, type RequestCounter } from './request-counter.ts';

/** The local emulators the benchmarks run against, started once per bench run. */
export interface BenchEmulators {
  /** Clients nothing counts: provisioning and checks. */
  readonly setup: { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient };
  /** Queues, DLQs and a job table from `config`, under a fresh suffix. */
  provision(config: LambdaJobsConfig, label: string): Promise<BenchResources>;
  /** SDK clients pointed at the emulators whose every request `counter` counts. */
  countedClients(counter: RequestCounter): { sqs: SQSClient; dynamodb: DynamoDBClient };
  stop(): Promise<void>;
}

/** Provisioned resources plus what a worker reads from its environment. */
export interface BenchResources extends ProvisionedResources {
  /** LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS, as the stack would set them. */
  readonly env: NodeJS.ProcessEnv;
  readonly suffix: string;
  queueArn(queue: string): Promise<string>;
  /** A table keyed by one string attribute and nothing else (no index), removed by dispose(). */
  createPlainTable(label: string, key: string, ttlAttribute?: string): Promise<string>;
  /** Deletes the queues and tables, so the emulators' memory stays flat across runs. */
  dispose(): Promise<void>;
}

/**
 * Starts fauxqs (in process, loopback only) and DynamoDB Local, as dev mode does, and points
 * the SDK at them through `AWS_ENDPOINT_URL_*`.
 *
 * @example
 * ```ts
 * const emulators = await startBenchEmulators();
 * try { await runBenchmarks(emulators); } finally { await emulators.stop(); }
 * ```
 */
export async function startBenchEmulators(): Promise<BenchEmulators> {
  const [sqsEmulator, dynamodbEmulator] = await Promise.all([
    startSqsEmulator({ port: 0 }),
    startDynamoDbEmulator({ port: 0 }),
  ]);
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_ENDPOINT_URL_SQS = sqsEmulator.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodbEmulator.endpoint;
  const setup = { sqs: createSqsClient(), dynamodb: createDynamoDbClient() };

  return {
    setup,
    async provision(config, label) {
      const suffix = `-${label}-${randomBytes(3).toString('hex')}`;
      const resources = await provisionResources(config, setup, suffix);
      const tables = [resources.tableName];
      return {
        ...resources,
        suffix,
        env: { ...resourceEnv(resources), AWS_REGION: process.env.AWS_REGION },
        async queueArn(queue) {
          const url = resources.queues[queue]?.url;
          const { Attributes } = await setup.sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
          );
          return Attributes?.QueueArn ?? '';
        },
        async createPlainTable(tableLabel, key, ttlAttribute) {
          const name = `bench${suffix}-${tableLabel}`;
          await createPlainTable(setup.dynamodb, name, key, ttlAttribute);
          tables.push(name);
          return name;
        },
        async dispose() {
          const urls = Object.values(resources.queues).flatMap((q) => [q.url, q.dlqUrl]);
          await Promise.allSettled([
            ...urls.map((QueueUrl) => setup.sqs.send(new DeleteQueueCommand({ QueueUrl }))),
            ...tables.map((TableName) =>
              setup.dynamodb.send(new DeleteTableCommand({ TableName })),
            ),
          ]);
        },
      };
    },
    countedClients(counter) {
      const sqs = createSqsClient();
      const dynamodb = createDynamoDbClient();
      countRequests(sqs, counter);
      countRequests(dynamodb, counter);
      return { sqs, dynamodb };
    },
    async stop() {
      setup.sqs.destroy();
      setup.dynamodb.destroy();
      await Promise.all([sqsEmulator.stop(), dynamodbEmulator.stop()]);
    },
  };
}

async function createPlainTable(
  dynamodb: DynamoDBClient,
  name: string,
  key: string,
  ttlAttribute: string | undefined,
) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    }),
  );
  for (let i = 0; i < 50; i++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (ttlAttribute === undefined) return;
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    }),
  );
}
