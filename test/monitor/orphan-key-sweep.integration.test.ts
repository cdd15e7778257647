/**
 * The monitor's orphaned-key sweep against DynamoDB Local: the keys' entries in the
 * byQueueStatus index the key store writes, the job store's records, and the conditional delete.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { createDynamoDbConcurrencyKeyIndex } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-key-index.ts';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import {
  keyIndexPartitionOf,
  keyIndexSortKeyOf,
} from '../../packages/lambda-jobs/src/runtime/concurrency-key-index-entry.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { LIMITS } from '../../packages/lambda-jobs/src/runtime/limits.ts';
import { createMonitor } from '../../packages/lambda-jobs/src/runtime/monitor/create-monitor.ts';
import { createEmfMetricsSink } from '../../packages/lambda-jobs/src/runtime/monitor/emf-metrics-sink.ts';
import { MONITOR_LOG_MESSAGES as MSG } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-log.ts';
import type { ConcurrencyKeyIndex } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-ports.ts';
import {
  createOrphanKeySweep,
  type OrphanKeySweepDeps,
} from '../../packages/lambda-jobs/src/runtime/monitor/orphan-key-sweep.ts';
import type {
  ConcurrencyKeyStore,
  JobStore,
} from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { recordIn, unique } from '../contract/job-store-fixtures.ts';
import { emulatorClients, provisionTestResources } from '../support/emulated-resources.ts';
import {
  type CapturedOutput,
  captureJsonOutput,
  fakeAgeSource,
  fakeCompletions,
  fakeDepthSource,
  memoryKeys,
  memoryRescueStore,
  memoryStateStore,
  monitoredQueues,
  queueUrlsOf,
  recordingTransport,
  testLogger,
  testMetrics,
} from './monitor-test-kit.ts';

/** Epoch seconds of the tests' clock. */
const NOW = 1_900_000_000;
const nowDate = new Date(NOW * 1000);
const HOUR = 3600;
const GRACE = 900;

const { dynamodb: client } = emulatorClients();
const doc = DynamoDBDocumentClient.from(client);
let tableName: string;
let keys: ConcurrencyKeyStore;
let store: JobStore;
let index: ConcurrencyKeyIndex;
let output: CapturedOutput;

beforeAll(async () => {
  ({ tableName } = await provisionTestResources());
  keys = createDynamoDbConcurrencyKeys({ client, tableName });
  store = createDynamoDbJobStore({ client, tableName, retentionSeconds: HOUR });
  index = createDynamoDbConcurrencyKeyIndex({ client, tableName });
});

beforeEach(() => {
  output = captureJsonOutput();
});

function sweepWith(overrides: Partial<OrphanKeySweepDeps> = {}) {
  return createOrphanKeySweep({
    index,
    store,
    tracking: 'full',
    graceSeconds: GRACE,
    limitPerRun: 10_000,
    ...overrides,
  });
}

/** The key item as stored, or undefined when it is gone. */
async function keyItem(key: string) {
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: { pk: `KEY#${key}` }, ConsistentRead: true }),
  );
  return Item;
}

/** The index attributes acquire writes for `key` taken at `takenAt`. */
function indexEntry(key: string, takenAt: number) {
  return { gsi1pk: keyIndexPartitionOf(key), gsi1sk: keyIndexSortKeyOf(takenAt) };
}

/** A producer's PutItem of a key item: no condition, only the names its IAM policy allows. */
async function putKeyAsProducer(item: Record<string, unknown>): Promise<void> {
  const allowed: readonly string[] = TABLE_SCHEMA.producerAttributes.concurrencyKey;
  const foreign = Object.keys(item).filter((name) => !allowed.includes(name));
  if (foreign.length > 0) throw new Error(`IAM would refuse attributes ${foreign.join(', ')}`);
  await doc.send(new PutCommand({ TableName: tableName, Item: item }));
}

describe('orphaned-key sweep', () => {
  it('releases a producer-forged key for a job that does not exist, held far beyond the key lifetime', async () => {
    // Prepare
    const key = unique('forged');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      jobId: unique('no-such-job'),
      expiresAt: NOW + 10 * LIMITS.maxConcurrencyKeyLifetimeSeconds,
      ...indexEntry(key, NOW),
    });

    // Act
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(await keyItem(key)).toBeUndefined();
    expect(result.released.find((r) => r.key === key)?.reason).toBe('beyond-lifetime');
    expect(output.logs(MSG.orphanedKeyReleased).filter((l) => l.concurrency_key === key)).toEqual([
      expect.objectContaining({ level: 'WARN', reason: 'beyond-lifetime' }),
    ]);
  });

  it('releases, under full tracking, a forged key within the lifetime whose job has no record after the grace period', async () => {
    // Prepare
    const key = unique('forged');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      jobId: unique('no-such-job'),
      expiresAt: NOW + HOUR,
      ...indexEntry(key, NOW - GRACE - 1),
    });

    // Act
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(await keyItem(key)).toBeUndefined();
    expect(result.released.find((r) => r.key === key)?.reason).toBe('no-record');
    expect(await keys.acquire(key, 'job-next', NOW + HOUR, NOW)).toBe(true);
  });

  it.each([
    ['no jobId', { expiresAt: NOW + HOUR }],
    ['a jobId no job can have', { jobId: 'x'.repeat(2000), expiresAt: NOW + HOUR }],
    ['no expiresAt', { jobId: 'job-x' }],
  ])('releases a forged key item with %s', async (_label, attributes) => {
    // Prepare
    const key = unique('forged');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      ...attributes,
      ...indexEntry(key, NOW),
    });

    // Act
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(await keyItem(key)).toBeUndefined();
    expect(result.released.find((r) => r.key === key)?.reason).toBe('malformed');
    expect(result.failed).toBe(0);
  });

  it('releases, under full tracking, a forged key for a missing job that claims to be taken in the future', async () => {
    // Prepare
    const key = unique('forged');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      jobId: unique('no-such-job'),
      expiresAt: NOW + HOUR,
      ...indexEntry(key, NOW + 100 * HOUR),
    });

    // Act
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(await keyItem(key)).toBeUndefined();
    expect(result.released.find((r) => r.key === key)?.reason).toBe('no-record');
  });

  it('keeps a key with no record inside the grace period, and under minimal tracking (the record starts at claim)', async () => {
    // Prepare
    const fresh = unique('fresh');
    const unclaimed = unique('unclaimed');
    await keys.acquire(fresh, unique('job'), NOW + HOUR, NOW - GRACE + 5);
    await keys.acquire(unclaimed, unique('job'), NOW + HOUR, NOW - 10 * GRACE);

    // Act
    await sweepWith().sweep(nowDate, testLogger());
    await sweepWith({ tracking: 'minimal' }).sweep(nowDate, testLogger());

    // Assess
    expect(await keyItem(fresh)).toBeDefined();
    // The `full` sweep released `unclaimed` (no record); take it again for the minimal one.
    await keys.acquire(unclaimed, 'job-minimal', NOW + HOUR, NOW - 10 * GRACE);
    await sweepWith({ tracking: 'minimal' }).sweep(nowDate, testLogger());
    expect((await keyItem(unclaimed))?.jobId).toBe('job-minimal');
  });

  it.each([JobStatus.SUCCESSFUL, JobStatus.ERRORED, JobStatus.LOST, JobStatus.CANCELLED])(
    'releases a key left by a %s job',
    async (status) => {
      // Prepare
      const key = unique('left');
      const jobId = unique('job');
      await keys.acquire(key, jobId, NOW + HOUR, NOW - 60);
      await recordIn(store, status, jobId, 'default');

      // Act
      const result = await sweepWith().sweep(nowDate, testLogger());

      // Assess
      expect(await keyItem(key)).toBeUndefined();
      expect(result.released.find((r) => r.key === key)).toMatchObject({
        jobId,
        reason: 'job-terminal',
      });
      expect(await keys.acquire(key, 'job-next', NOW + HOUR, NOW)).toBe(true);
    },
  );

  it.each([JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING])(
    'keeps the key of a %s job',
    async (status) => {
      // Prepare
      const key = unique('live');
      const jobId = unique('job');
      await keys.acquire(key, jobId, NOW + HOUR, NOW - 10 * GRACE);
      await recordIn(store, status, jobId, 'default');

      // Act
      await sweepWith().sweep(nowDate, testLogger());

      // Assess
      expect((await keyItem(key))?.jobId).toBe(jobId);
    },
  );

  it('never deletes a key re-taken between the read and the delete', async () => {
    // Prepare: a terminal job's key; after the sweep read it, the job's worker releases it and
    // another job takes it.
    const key = unique('retaken');
    const jobId = unique('job');
    await keys.acquire(key, jobId, NOW + HOUR, NOW - 60);
    await recordIn(store, JobStatus.SUCCESSFUL, jobId, 'default');
    const racing: ConcurrencyKeyIndex = {
      async page(shard, limit, cursor) {
        const page = await index.page(shard, limit, cursor);
        if (page.keys.some((listed) => listed.key === key)) {
          await keys.release(key, jobId);
          expect(await keys.acquire(key, 'job-next', NOW + HOUR, NOW)).toBe(true);
        }
        return page;
      },
      releaseUnchanged: (listed) => index.releaseUnchanged(listed),
    };

    // Act
    const result = await sweepWith({ index: racing }).sweep(nowDate, testLogger());

    // Assess
    expect((await keyItem(key))?.jobId).toBe('job-next');
    expect(result.released.some((r) => r.key === key)).toBe(false);
  });

  it('never deletes a key the same job took again with another expiry', async () => {
    // Prepare
    const key = unique('retaken');
    const jobId = unique('job');
    await keys.acquire(key, jobId, NOW + 10 * LIMITS.maxConcurrencyKeyLifetimeSeconds, NOW);
    const [listed] = (await index.page(keyIndexPartitionOf(key), 10_000)).keys.filter(
      (k) => k.key === key,
    );
    await keys.acquire(key, jobId, NOW + HOUR, NOW);

    // Act
    const released = await index.releaseUnchanged(listed!);

    // Assess
    expect(released).toBe(false);
    expect(await keyItem(key)).toMatchObject({ jobId, expiresAt: NOW + HOUR });
  });

  it.each([
    ['without gsi1pk and gsi1sk (an older producer)', () => ({})],
    [
      'with a sort key acquire never writes',
      (key: string) => ({ gsi1pk: keyIndexPartitionOf(key), gsi1sk: String(NOW - 10 * GRACE) }),
    ],
    [
      'under a partition that lists no keys',
      () => ({ gsi1pk: 'KEYS#4', gsi1sk: keyIndexSortKeyOf(NOW - 10 * GRACE) }),
    ],
  ])('does not see a key item written %s: its expiresAt frees it', async (_label, entryOf) => {
    // Prepare
    const key = unique('unlisted');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      jobId: unique('no-such-job'),
      expiresAt: NOW + 10 * LIMITS.maxConcurrencyKeyLifetimeSeconds,
      ...entryOf(key),
    });

    // Act
    const listed = await index.page(keyIndexPartitionOf(key), 10_000);
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(listed.keys.some((k) => k.key === key)).toBe(false);
    expect(result.released.some((r) => r.key === key)).toBe(false);
    expect(await keyItem(key)).toBeDefined();
    expect(await keys.acquire(key, 'job-next', NOW + HOUR, NOW)).toBe(true);
  });

  it('lists the keys of a partition oldest taken first, each with the time it was taken', async () => {
    // Prepare: a table of its own, three keys in one partition, taken out of order.
    const own = await provisionTestResources();
    const ownKeys = createDynamoDbConcurrencyKeys({ client, tableName: own.tableName });
    const partition = keyIndexPartitionOf('oldest-0');
    const sameShard: string[] = [];
    for (let i = 0; sameShard.length < 3; i++) {
      if (keyIndexPartitionOf(`oldest-${i}`) === partition) sameShard.push(`oldest-${i}`);
    }
    const takenAt = [NOW - 60, NOW - 3 * HOUR, NOW - HOUR];
    for (const [i, key] of sameShard.entries()) {
      await ownKeys.acquire(key, unique('job'), NOW + HOUR, takenAt[i]!);
    }

    // Act
    const page = await createDynamoDbConcurrencyKeyIndex({
      client,
      tableName: own.tableName,
    }).page(partition, 10);

    // Assess
    expect(page.keys.map((k) => [k.key, k.takenAt])).toEqual([
      [sameShard[1], NOW - 3 * HOUR],
      [sameShard[2], NOW - HOUR],
      [sameShard[0], NOW - 60],
    ]);
  });

  it('takes, lists and sweeps a key of the longest length, in characters of 3 bytes in UTF-8', async () => {
    // Prepare: about 1,500 bytes, more than an index sort key may hold (1,024).
    const prefix = `${unique('wide')}-`;
    const key = `${prefix}${'€'.repeat(LIMITS.maxConcurrencyKeyLength - prefix.length)}`;
    expect(Buffer.byteLength(key)).toBeGreaterThan(1024);
    const jobId = unique('job');
    await recordIn(store, JobStatus.SUCCESSFUL, jobId, 'default');

    // Act
    const acquired = await keys.acquire(key, jobId, NOW + HOUR, NOW - 60);
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(acquired).toBe(true);
    expect(result.released.find((r) => r.key === key)).toMatchObject({
      jobId,
      takenAt: NOW - 60,
      reason: 'job-terminal',
    });
    expect(await keyItem(key)).toBeUndefined();
  });

  it('ignores a job record a producer put under a key partition', async () => {
    // Prepare: a QUEUED record as a producer may write it, its index keys pointing at the keys.
    const id = unique('forged');
    const partition = keyIndexPartitionOf(id);
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `JOB#${id}`,
          gsi1pk: partition,
          gsi1sk: keyIndexSortKeyOf(NOW - 10 * GRACE),
          id,
          queue: 'default',
          status: JobStatus.QUEUED,
          expiresAt: NOW + 10 * LIMITS.maxConcurrencyKeyLifetimeSeconds,
        },
      }),
    );

    // Act
    const listed = await index.page(partition, 10_000);
    const result = await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(listed.keys.map((k) => k.key).filter((key) => key.includes(id))).toEqual([]);
    expect(result.failed).toBe(0);
    expect(await store.get(id)).toMatchObject({ id, status: JobStatus.QUEUED });
  });

  it('keeps a key item a producer put under a job list out of the lost-attempt sweep (it has no lease)', async () => {
    // Prepare: a RUNNING job, and a key item in its index partition, sorted before its lease.
    const queue = unique('keyed');
    const jobId = unique('job');
    await recordIn(store, JobStatus.RUNNING, jobId, queue);
    const { Item: running } = await doc.send(
      new GetCommand({ TableName: tableName, Key: { pk: `JOB#${jobId}` }, ConsistentRead: true }),
    );
    const key = unique('misplaced');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      jobId,
      expiresAt: NOW + HOUR,
      gsi1pk: running!.gsi1pk,
      gsi1sk: '0000-01-01T00:00:00.000Z#forged',
    });

    // Act
    const expired = await store.listExpiredRunning(queue, '9999-12-31T00:00:00.000Z');
    const listed = await store.list({ queue, status: JobStatus.RUNNING });

    // Assess: the rescue sees the job only; a list shows it too (beside an entry without id).
    expect(expired.map((record) => record.id)).toEqual([jobId]);
    expect(listed.items.map((record) => record.id)).toContain(jobId);
  });

  it('reads at most limitPerRun keys a run and resumes where it stopped', async () => {
    // Prepare: a table of its own, three orphans in one shard.
    const own = await provisionTestResources();
    const ownKeys = createDynamoDbConcurrencyKeys({ client, tableName: own.tableName });
    const sweep = sweepWith({
      index: createDynamoDbConcurrencyKeyIndex({ client, tableName: own.tableName }),
      limitPerRun: TABLE_SCHEMA.keyListing.shards,
    });
    const shard = keyIndexPartitionOf('orphan-0');
    const orphans: string[] = [];
    for (let i = 0; orphans.length < 3; i++) {
      if (keyIndexPartitionOf(`orphan-${i}`) === shard) orphans.push(`orphan-${i}`);
    }
    for (const key of orphans) {
      await ownKeys.acquire(key, unique('no-such-job'), NOW + HOUR, NOW - 10 * GRACE);
    }

    // Act
    const runs = [];
    for (let run = 0; run < 3; run++) runs.push(await sweep.sweep(nowDate, testLogger()));

    // Assess
    expect(runs.map((r) => r.examined)).toEqual([1, 1, 1]);
    expect(runs.flatMap((r) => r.released.map((k) => k.key)).sort()).toEqual([...orphans].sort());
  });
});

describe('the monitor run', () => {
  it('sweeps orphaned keys and publishes ConcurrencyKeysReleased', async () => {
    // Prepare
    const key = unique('left');
    const jobId = unique('job');
    await keys.acquire(key, jobId, NOW + HOUR, NOW - 60);
    await recordIn(store, JobStatus.ERRORED, jobId, 'default');
    const queues = monitoredQueues(['default']);
    const monitor = createMonitor({
      config: defineConfig({ appName: 'shop', queues: { default: {} } }),
      queueUrls: queueUrlsOf(queues),
      depth: fakeDepthSource(),
      oldestAge: fakeAgeSource(),
      completions: fakeCompletions(),
      state: memoryStateStore(),
      metrics: createEmfMetricsSink(testMetrics()),
      rescue: {
        store: memoryRescueStore([]),
        keys: memoryKeys(),
        registry: createRegistry([]),
        transport: recordingTransport(),
      },
      orphanKeys: sweepWith(),
      logger: testLogger(),
      now: () => nowDate,
    });

    // Act
    const summary = await monitor.run();

    // Assess
    expect(await keyItem(key)).toBeUndefined();
    expect(summary.keysReleased).toBeGreaterThanOrEqual(1);
    expect(output.metric('ConcurrencyKeysReleased')).toEqual([summary.keysReleased]);
    expect(output.logs(MSG.run)[0]).toMatchObject({
      concurrency_keys_released: summary.keysReleased,
    });
  });
});
