/**
 * The monitor's orphaned-key sweep against DynamoDB Local: the keysByShard index the key store
 * writes, the job store's records, and the conditional delete.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { createDynamoDbConcurrencyKeyIndex } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-key-index.ts';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import { keyShardOf } from '../../packages/lambda-jobs/src/runtime/concurrency-key-shard.ts';
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
      keyShard: keyShardOf(key),
      keyTakenAt: NOW,
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
      keyShard: keyShardOf(key),
      keyTakenAt: NOW - GRACE - 1,
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
      keyShard: keyShardOf(key),
      keyTakenAt: NOW,
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
      keyShard: keyShardOf(key),
      keyTakenAt: NOW + 100 * HOUR,
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
    const [listed] = (await index.page(keyShardOf(key), 10_000)).keys.filter((k) => k.key === key);
    await keys.acquire(key, jobId, NOW + HOUR, NOW);

    // Act
    const released = await index.releaseUnchanged(listed!);

    // Assess
    expect(released).toBe(false);
    expect(await keyItem(key)).toMatchObject({ jobId, expiresAt: NOW + HOUR });
  });

  it('does not see a key item written without keyShard and keyTakenAt (an older producer): its expiresAt frees it', async () => {
    // Prepare
    const key = unique('unindexed');
    await putKeyAsProducer({
      pk: `KEY#${key}`,
      jobId: unique('no-such-job'),
      expiresAt: NOW + 10 * LIMITS.maxConcurrencyKeyLifetimeSeconds,
    });

    // Act
    await sweepWith().sweep(nowDate, testLogger());

    // Assess
    expect(await keyItem(key)).toBeDefined();
    expect(await keys.acquire(key, 'job-next', NOW + HOUR, NOW)).toBe(true);
  });

  it('reads at most limitPerRun keys a run and resumes where it stopped', async () => {
    // Prepare: a table of its own, three orphans in one shard.
    const own = await provisionTestResources();
    const ownKeys = createDynamoDbConcurrencyKeys({ client, tableName: own.tableName });
    const sweep = sweepWith({
      index: createDynamoDbConcurrencyKeyIndex({ client, tableName: own.tableName }),
      limitPerRun: TABLE_SCHEMA.keysByShard.shards,
    });
    const shard = keyShardOf('orphan-0');
    const orphans: string[] = [];
    for (let i = 0; orphans.length < 3; i++) {
      if (keyShardOf(`orphan-${i}`) === shard) orphans.push(`orphan-${i}`);
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
