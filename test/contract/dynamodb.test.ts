import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { createDynamoDbCircuitState } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-circuit-state.ts';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { statusShardOf } from '../../packages/lambda-jobs/src/runtime/status-index-shard.ts';
import { unlistedStatuses } from '../../packages/lambda-jobs/src/runtime/tracking-level.ts';
import { emulatorClients, provisionTestResources } from '../support/emulated-resources.ts';
import { describeCircuitStateContract } from './circuit-state.contract.ts';
import { describeConcurrencyKeysContract } from './concurrency-keys.contract.ts';
import { describeJobStoreContract } from './job-store.contract.ts';
import {
  at,
  CONTRACT_RETENTION_SECONDS,
  claimRequest,
  queuedRecord,
  rejectedRecord,
  unique,
} from './job-store-fixtures.ts';

const { dynamodb: client } = emulatorClients();
let tableName: string;

beforeAll(async () => {
  ({ tableName } = await provisionTestResources());
});

/** A producer's PutItem: no condition, only the attribute names its IAM policy allows. */
async function writeAsProducer(record: JobRecord): Promise<void> {
  const item = { [TABLE_SCHEMA.partitionKey]: `JOB#${record.id}`, ...record };
  const allowed: readonly string[] = TABLE_SCHEMA.producerAttributes.jobRecord;
  const foreign = Object.keys(item).filter((name) => !allowed.includes(name));
  if (foreign.length > 0) throw new Error(`IAM would refuse attributes ${foreign.join(', ')}`);
  await DynamoDBDocumentClient.from(client).send(
    new PutCommand({ TableName: tableName, Item: item }),
  );
}

describeJobStoreContract(
  'DynamoDB',
  async (settings) => createDynamoDbJobStore({ client, tableName, ...settings }),
  async (_store, record) => writeAsProducer(record),
);
describeConcurrencyKeysContract('DynamoDB', async () =>
  createDynamoDbConcurrencyKeys({ client, tableName }),
);

describeCircuitStateContract('DynamoDB', async () =>
  createDynamoDbCircuitState({ client, tableName }),
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

describe('DynamoDB write units of an attempt history', () => {
  it('a full history of the longest entries adds at most 4 KB-units to an outcome write, all to the table item (the index entries hold no history)', async () => {
    // Prepare: 11 failures with the longest error name and message the history keeps.
    let units = 0;
    const store = createDynamoDbJobStore({
      client,
      tableName,
      retentionSeconds: 3600,
      onConsumedCapacity: (consumed) => {
        units += consumed;
      },
    });
    const id = unique('job');
    const queue = unique('queue');
    const error = { name: 'E'.repeat(200), message: 'm'.repeat(2000), stack: 's'.repeat(100) };
    const perWrite: number[] = [];
    for (let n = 1; n <= 11; n++) {
      const outcome = await store.claim(
        claimRequest(id, queue, {
          now: at(n * 100),
          leaseExpiresAt: at(n * 100 + 60),
          firstDelivery: n === 1,
          maxAttempts: 20,
        }),
      );
      if (outcome.kind !== 'claimed') throw new Error('claim refused');
      units = 0;
      // Act
      await store.finishAttempt(
        outcome.record,
        { status: JobStatus.RETRYING, durationMs: 5, error, retryAt: at(n * 100 + 50) },
        at(n * 100 + 20),
      );
      perWrite.push(units);
    }

    // Assess: the first write carries one entry, the last a full history (≤ 3.3 KB): at most
    // 4 more units, on the table item only (the index projects what a list shows, not the
    // history: its entry deleted and put stay 1 unit each).
    const record = await store.get(id);
    expect(record?.attemptHistory).toHaveLength(10);
    expect(perWrite.at(-1)! - perWrite[0]!).toBeLessThanOrEqual(4);
    expect(perWrite.at(-1)! - perWrite[0]!).toBeGreaterThan(0);
  });
});

describe('DynamoDB items: what a producer may write and what marks the worker’s', () => {
  const rawItem = async (id: string) =>
    (
      await DynamoDBDocumentClient.from(client).send(
        new GetCommand({ TableName: tableName, Key: { [TABLE_SCHEMA.partitionKey]: `JOB#${id}` } }),
      )
    ).Item ?? {};
  const store = () =>
    createDynamoDbJobStore({ client, tableName, retentionSeconds: CONTRACT_RETENTION_SECONDS });

  it('writes the QUEUED record with only the attribute names the producer policy allows', async () => {
    // Prepare
    const id = unique('job');
    const record = queuedRecord(id, unique('queue'), {
      concurrencyKey: 'account:1',
      retryAt: at(60),
    });

    // Act
    await store().putQueued(record);

    // Assess
    const names = Object.keys(await rawItem(id));
    expect(names.length).toBeGreaterThan(10);
    expect(TABLE_SCHEMA.producerAttributes.jobRecord).toEqual(expect.arrayContaining(names));
    expect(names).not.toContain(TABLE_SCHEMA.trustedAttribute);
  });

  it('marks the record a claim writes as the worker’s', async () => {
    // Prepare
    const id = unique('job');

    // Act
    await store().claim(claimRequest(id, unique('queue')));

    // Assess
    expect((await rawItem(id))[TABLE_SCHEMA.trustedAttribute]).toBe(true);
  });
});

describe('DynamoDB job store: claimMany of first deliveries', () => {
  it('claims each job of the batch, answering each with its own RUNNING record', async () => {
    // Prepare: no records (tracking minimal): the batch inserts them.
    const store = createDynamoDbJobStore({
      client,
      tableName,
      retentionSeconds: CONTRACT_RETENTION_SECONDS,
      unlistedStatuses: unlistedStatuses('minimal'),
    });
    const queue = unique('queue');
    const requests = [unique('job'), unique('job'), unique('job')].map((id, i) =>
      claimRequest(id, queue, { claimToken: `token-${i}` }),
    );

    // Act
    const outcomes = await store.claimMany!(requests);

    // Assess
    for (const [i, request] of requests.entries()) {
      const record = await store.get(request.id);
      expect(record).toMatchObject({
        status: JobStatus.RUNNING,
        attempts: 1,
        claimToken: `token-${i}`,
      });
      expect(outcomes[i]).toEqual({ kind: 'claimed', record });
    }
  });
});

describe('DynamoDB concurrency keys a producer forged', () => {
  /** A producer's PutItem of a key item: no condition, any values for the names it may write. */
  async function forgeKey(concurrencyKey: string, expiresAt: unknown): Promise<void> {
    const item: Record<string, unknown> = {
      [TABLE_SCHEMA.partitionKey]: `KEY#${concurrencyKey}`,
      jobId: 'not-a-job',
    };
    if (expiresAt !== undefined) item[TABLE_SCHEMA.ttlAttribute] = expiresAt;
    await DynamoDBDocumentClient.from(client).send(
      new PutCommand({ TableName: tableName, Item: item }),
    );
  }

  it.each([
    ['no expiresAt', undefined],
    ['an expiresAt that is not a number', 'forever'],
  ])('hold nothing with %s: the key is free to take', async (_case, expiresAt) => {
    // Prepare
    const keys = createDynamoDbConcurrencyKeys({ client, tableName });
    const concurrencyKey = unique('forged');
    await forgeKey(concurrencyKey, expiresAt);
    const now = Math.floor(Date.now() / 1000);

    // Act
    const holderBefore = await keys.holder(concurrencyKey, now);
    const acquired = await keys.acquire(concurrencyKey, 'job-real', now + 60, now);

    // Assess
    expect(holderBefore).toBeUndefined();
    expect(acquired).toBe(true);
    expect(await keys.holder(concurrencyKey, now)).toBe('job-real');
  });
});

describe('DynamoDB byQueueStatus index: write shards and one unit per entry', () => {
  const doc = DynamoDBDocumentClient.from(client);
  const rawItem = async (id: string) =>
    (
      await doc.send(
        new GetCommand({ TableName: tableName, Key: { [TABLE_SCHEMA.partitionKey]: `JOB#${id}` } }),
      )
    ).Item ?? {};

  it('keys a job’s entry `<queue>#<STATUS>#<shard>`, the shard the same through its transitions', async () => {
    // Prepare
    const store = createDynamoDbJobStore({
      client,
      tableName,
      retentionSeconds: CONTRACT_RETENTION_SECONDS,
      indexShards: () => 8,
    });
    const id = unique('job');
    const queue = unique('queue');
    const shard = statusShardOf(id, 8);

    // Act
    const keys: unknown[] = [];
    await store.putQueued(queuedRecord(id, queue));
    keys.push((await rawItem(id))[TABLE_SCHEMA.byQueueStatus.partitionKey]);
    const claim = await store.claim(claimRequest(id, queue));
    if (claim.kind !== 'claimed') throw new Error('claim refused');
    keys.push((await rawItem(id))[TABLE_SCHEMA.byQueueStatus.partitionKey]);
    await store.finishAttempt(
      claim.record,
      { status: JobStatus.SUCCESSFUL, durationMs: 1 },
      at(20),
    );
    keys.push((await rawItem(id))[TABLE_SCHEMA.byQueueStatus.partitionKey]);

    // Assess
    expect(keys).toEqual([
      `${queue}#QUEUED#${shard}`,
      `${queue}#RUNNING#${shard}`,
      `${queue}#SUCCESSFUL#${shard}`,
    ]);
  });

  it('costs one write unit per index write with a 32 KB message: the index projects no envelope', async () => {
    // Prepare: every write reports what the table and each index consumed
    const indexUnits: number[] = [];
    const measured = emulatorClients().dynamodb;
    measured.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const consumed = (
          result.output as {
            ConsumedCapacity?: {
              GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
            };
          }
        ).ConsumedCapacity;
        const index = consumed?.GlobalSecondaryIndexes?.[TABLE_SCHEMA.byQueueStatus.indexName];
        if (index?.CapacityUnits !== undefined) indexUnits.push(index.CapacityUnits);
        return result;
      },
      { step: 'initialize', name: 'indexUnits' },
    );
    const store = createDynamoDbJobStore({
      client: measured,
      tableName,
      retentionSeconds: CONTRACT_RETENTION_SECONDS,
    });
    const id = unique('job');
    const queue = unique('queue');
    const envelope = JSON.stringify({ version: 1, id, payload: 'x'.repeat(32 * 1024) });

    // Act: the claim puts an entry; the success moves it (a delete and a put)
    const claim = await store.claim(claimRequest(id, queue, { envelope }));
    if (claim.kind !== 'claimed') throw new Error('claim refused');
    await store.finishAttempt(
      claim.record,
      { status: JobStatus.SUCCESSFUL, durationMs: 1 },
      at(20),
    );

    // Assess
    expect(indexUnits).toEqual([1, 2]);
  });
});

describe('DynamoDB items: values the document client converts before writing', () => {
  const store = () =>
    createDynamoDbJobStore({ client, tableName, retentionSeconds: CONTRACT_RETENTION_SECONDS });

  it('leaves out an optional field given as undefined (an error without a stack)', async () => {
    // Prepare
    const id = unique('job');
    const error = { name: 'MalformedEnvelopeError', message: 'not JSON', stack: undefined };
    const record: JobRecord = { ...rejectedRecord(id, unique('queue')), error };

    // Act
    await store().recordRejected(record, at(0));

    // Assess
    const stored = await store().get(id);
    expect(stored?.error).toEqual({ name: 'MalformedEnvelopeError', message: 'not JSON' });
    expect(stored?.error).not.toHaveProperty('stack');
  });

  it('writes an error given as a class instance as a map of its fields', async () => {
    // Prepare
    class Refusal {
      readonly name = 'PayloadSchemaError';
      readonly message = 'amount must be positive';
      readonly field = 'amount';
    }
    const id = unique('job');
    const record: JobRecord = { ...rejectedRecord(id, unique('queue')), error: new Refusal() };

    // Act
    await store().recordRejected(record, at(0));

    // Assess
    expect((await store().get(id))?.error).toEqual({
      name: 'PayloadSchemaError',
      message: 'amount must be positive',
      field: 'amount',
    });
  });
});
