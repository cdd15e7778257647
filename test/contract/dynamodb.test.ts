import { beforeAll } from 'vitest';
import { createDynamoDbConcurrencyKeys } from '../../runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../runtime/adapters/aws/dynamodb-job-store.ts';
import { emulatorClients, provisionTestResources } from '../support/emulated-resources.ts';
import { describeConcurrencyKeysContract } from './concurrency-keys.contract.ts';
import { describeJobStoreContract } from './job-store.contract.ts';

const { dynamodb: client } = emulatorClients();
let tableName: string;

beforeAll(async () => {
  ({ tableName } = await provisionTestResources());
});

describeJobStoreContract('DynamoDB', async ({ retentionSeconds }) =>
  createDynamoDbJobStore({ client, tableName, retentionSeconds }),
);
describeConcurrencyKeysContract('DynamoDB', async () =>
  createDynamoDbConcurrencyKeys({ client, tableName }),
);
