import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import type { QueueEndpoints } from '../config/env.ts';
import { resourceNames } from '../config/resource-names.ts';
import { TABLE_SCHEMA } from '../config/table-schema.ts';

/** What dev mode (or a test) created: the table name and each queue's URLs. */
export interface ProvisionedResources {
  readonly tableName: string;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
}

/**
 * Creates the queues, DLQs (with redrive) and the job table the stack would create, from the
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
  for (const queue of Object.values(config.queues)) {
    const dlq = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: names.deadLetterQueue(queue.name),
        Attributes: { MessageRetentionPeriod: '1209600' },
      }),
    );
    const dlqArn = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: names.queue(queue.name),
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(queue.messageRetentionSeconds),
          MaximumMessageSize: '262144',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
            maxReceiveCount: queue.maxReceiveCount,
          }),
        },
      }),
    );
    queues[queue.name] = { url: main.QueueUrl!, dlqUrl: dlq.QueueUrl! };
  }
  await createTable(clients.dynamodb, names.table);
  return { tableName: names.table, queues };
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
            Projection: { ProjectionType: 'ALL' },
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
