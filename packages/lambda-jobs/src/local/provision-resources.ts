import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import {
  DEAD_LETTER_INTAKE_VISIBILITY_SECONDS,
  deadLetterIntakeMaxReceiveCount,
} from '../config/defaults.ts';
import type { QueueEndpoints } from '../config/env.ts';
import { fifoQueueAttributes } from '../config/fifo-queue-attributes.ts';
import { localPayloadBucket, resourceNames } from '../config/resource-names.ts';
import { BY_QUEUE_STATUS_PROJECTION, TABLE_SCHEMA } from '../config/table-schema.ts';

/** What dev mode (or a test) created: the table name and each queue's URLs. */
export interface ProvisionedResources {
  readonly tableName: string;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  /** Queue name → URL of the dead-letter intake SQS's redrive moves its messages to. */
  readonly deadLetterIntakes: Readonly<Record<string, string>>;
  /** The payload bucket on the emulator's S3, when `largePayloads` is on. */
  readonly payloadBucket?: string;
}

async function queueArn(sqs: SQSClient, queueUrl: string | undefined): Promise<string | undefined> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn;
}

/**
 * Creates the queues, their dead-letter intakes, DLQs (with redrive: queue → intake → DLQ) and
 * the job table the stack would create, from the
 * same config, against whatever endpoints the SDK clients point at (the local emulators).
 * Idempotent: existing resources are reused. `suffix` isolates parallel test runs.
 */
export async function provisionResources(
  config: LambdaJobsConfig,
  clients: { sqs: SQSClient; dynamodb: DynamoDBClient },
  suffix = '',
): Promise<ProvisionedResources> {
  const names = resourceNames(config, suffix);
  const queues: Record<string, QueueEndpoints> = {};
  const deadLetterIntakes: Record<string, string> = {};
  for (const queue of Object.values(config.queues)) {
    const dlq = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: names.deadLetterQueue(queue.name),
        Attributes: { MessageRetentionPeriod: '1209600', ...fifoQueueAttributes(queue.fifo) },
      }),
    );
    // SQS's own redrive lands here; the monitor reconciles each message, then sends it to the
    // DLQ. What it cannot reconcile, the intake's own redrive moves to the DLQ.
    const intake = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: names.deadLetterIntake(queue.name),
        Attributes: {
          MessageRetentionPeriod: '1209600',
          VisibilityTimeout: String(DEAD_LETTER_INTAKE_VISIBILITY_SECONDS),
          MaximumMessageSize: '262144',
          ...fifoQueueAttributes(queue.fifo),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await queueArn(clients.sqs, dlq.QueueUrl),
            maxReceiveCount: deadLetterIntakeMaxReceiveCount(queue.maxReceiveCount),
          }),
        },
      }),
    );
    const main = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: names.queue(queue.name),
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(queue.messageRetentionSeconds),
          MaximumMessageSize: '262144',
          ...fifoQueueAttributes(queue.fifo),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await queueArn(clients.sqs, intake.QueueUrl),
            maxReceiveCount: queue.maxReceiveCount,
          }),
        },
      }),
    );
    queues[queue.name] = { url: main.QueueUrl!, dlqUrl: dlq.QueueUrl! };
    deadLetterIntakes[queue.name] = intake.QueueUrl!;
  }
  await createTable(clients.dynamodb, names.table);
  const payloadBucket = config.largePayloads?.enabled
    ? await createPayloadBucket(localPayloadBucket(names.table))
    : undefined;
  return {
    tableName: names.table,
    queues,
    deadLetterIntakes,
    ...(payloadBucket ? { payloadBucket } : {}),
  };
}

/**
 * The payload bucket on fauxqs's S3 (the SQS emulator serves S3 on the same endpoint,
 * `AWS_ENDPOINT_URL_S3`). Existing buckets are reused.
 */
async function createPayloadBucket(bucket: string): Promise<string> {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL_SQS;
  const s3 = new S3Client({ ...(endpoint ? { endpoint } : {}), forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  } finally {
    s3.destroy();
  }
  return bucket;
}

async function createTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  const index = TABLE_SCHEMA.byQueueStatus;
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: {
              ProjectionType: 'INCLUDE',
              NonKeyAttributes: [...BY_QUEUE_STATUS_PROJECTION],
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  for (let i = 0; i < 50; i++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
    }),
  );
}
