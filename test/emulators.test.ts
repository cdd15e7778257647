import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from './support/emulated-resources.ts';

describe('local emulators', () => {
  it('provisions the queues, DLQs and table the config names', async () => {
    const resources = await provisionTestResources(testConfig());
    const { sqs, dynamodb } = emulatorClients();
    const listed = await sqs.send(new ListQueuesCommand({}));
    expect(listed.QueueUrls).toContain(resources.queues.default?.url);
    expect(listed.QueueUrls).toContain(resources.queues.default?.dlqUrl);
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: resources.tableName }));
    expect(table.Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byQueueStatus');
  });
});
