import { beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbConcurrencyKeys } from '../../runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../runtime/adapters/aws/dynamodb-job-store.ts';
import { JobStatus } from '../../runtime/job-status.ts';
import { unlistedStatuses } from '../../runtime/tracking-level.ts';
import { emulatorClients, provisionTestResources } from '../support/emulated-resources.ts';
import { describeConcurrencyKeysContract } from './concurrency-keys.contract.ts';
import { describeJobStoreContract } from './job-store.contract.ts';
import { at, claimRequest, unique } from './job-store-fixtures.ts';

const { dynamodb: client } = emulatorClients();
let tableName: string;

beforeAll(async () => {
  ({ tableName } = await provisionTestResources());
});

describeJobStoreContract('DynamoDB', async (settings) =>
  createDynamoDbJobStore({ client, tableName, ...settings }),
);
describeConcurrencyKeysContract('DynamoDB', async () =>
  createDynamoDbConcurrencyKeys({ client, tableName }),
);

describe('DynamoDB write units of a job that succeeds on its first attempt', () => {
  async function unitsFor(unlistedStatuses: readonly JobStatus[]): Promise<number> {
    let units = 0;
    const store = createDynamoDbJobStore({
      client,
      tableName,
      retentionSeconds: 3600,
      unlistedStatuses,
      onConsumedCapacity: (consumed) => {
        units += consumed;
      },
    });
    const id = unique('job');
    const outcome = await store.claim(claimRequest(id, unique('queue')));
    if (outcome.kind !== 'claimed') throw new Error('claim refused');
    await store.finishAttempt(
      outcome.record,
      { status: JobStatus.SUCCESSFUL, durationMs: 5 },
      at(20),
    );
    return units;
  }

  it('are 2 (claim, result) with RUNNING and SUCCESSFUL unlisted, and 5 when every status is listed', async () => {
    // Act
    const minimal = await unitsFor(unlistedStatuses('minimal'));
    const full = await unitsFor(unlistedStatuses('full'));

    // Assess: listed, the claim adds an index put (1 + 1) and the result an index delete and
    // put (1 + 2); unlisted, each is the table write alone.
    expect(minimal).toBe(2);
    expect(full).toBe(5);
  });
});
