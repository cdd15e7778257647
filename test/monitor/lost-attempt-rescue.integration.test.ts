/**
 * The monitor's rescue of lost attempts with the real monitor (`createAwsMonitor`) and the real
 * worker against fauxqs and DynamoDB Local: a lost attempt with attempts left is retried (and
 * the retry succeeds), the last one is LOST in the DLQ with its key released, and the sweep
 * reads only the records whose lease expired.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsMonitor } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-monitor.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import { createDynamoDbClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { keyIndexPartitions } from '../../packages/lambda-jobs/src/runtime/concurrency-key-index-entry.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { LIMITS } from '../../packages/lambda-jobs/src/runtime/limits.ts';
import { createJobStoreCompletionSource } from '../../packages/lambda-jobs/src/runtime/monitor/job-store-completions.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import {
  bodiesOn,
  eventsOf,
  leaveAttemptRunning,
  lostAttemptRegistry,
  lostForGood,
  lostJobEvents,
  retriedWhenLost,
  takeMessage,
} from '../support/lost-attempts.ts';
import { capturingMetrics } from '../support/test-jobs.ts';
import { testLogger, testMetrics } from './monitor-test-kit.ts';

const { sqs } = emulatorClients();
const config = testConfig();
let resources: ProvisionedResources;

beforeAll(async () => {
  resources = await provisionTestResources(config);
});

afterEach(async () => {
  await bodiesOn(sqs, resources.queues.default!.url);
  await bodiesOn(sqs, resources.queues.default!.dlqUrl);
});

const queueUrl = () => resources.queues.default!.url;

function worker() {
  return createWorker({
    registry: lostAttemptRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
  });
}

function monitor(dynamodb?: DynamoDBClient) {
  const store = createDynamoDbJobStore({
    client: createDynamoDbClient(),
    tableName: resources.tableName,
    retentionSeconds: 3600,
  });
  return createAwsMonitor({
    config,
    registry: lostAttemptRegistry,
    env: { ...process.env, ...resourceEnv(resources) },
    oldestAge: createEmulatorOldestAgeSource(),
    completions: createJobStoreCompletionSource(store),
    metrics: testMetrics(),
    logger: testLogger(),
    ...(dynamodb ? { dynamodb } : {}),
  });
}

/**
 * Enqueues `job`, then leaves its first attempt RUNNING past its lease, as a worker that died
 * would, and takes its message away: only the rescue can bring the job back.
 */
async function loseFirstAttempt(
  w: ReturnType<typeof worker>,
  job: typeof retriedWhenLost | typeof lostForGood,
  account: string,
) {
  const id = await w.runtime.client.enqueue(job, { account });
  if (!id) throw new Error('enqueue was skipped');
  const body = await takeMessage(sqs, queueUrl());
  await leaveAttemptRunning(w.runtime.store, {
    id,
    type: job.type,
    queue: 'default',
    maxAttempts: job === lostForGood ? 1 : 3,
    body,
    key: `account:${account}`,
  });
  return { id, body };
}

describe('the monitor rescues a lost attempt', () => {
  it('with attempts left: onAborted with the attempt, the record RETRYING (lost, will retry), the message sent again; the retry succeeds', async () => {
    // Prepare
    const w = worker();
    const { id, body } = await loseFirstAttempt(w, retriedWhenLost, 'rescued-retry');

    // Act
    const summary = await monitor().run();

    // Assess: the lost attempt is recorded, the hook ran, the job is on its queue again
    expect(summary.lostRescued).toBe(1);
    expect(eventsOf(id)).toEqual([
      { id, event: 'aborted', status: 'RETRYING', attempt: 1, maxAttempts: 3, willRetry: true },
    ]);
    expect(await w.runtime.store.get(id)).toMatchObject({
      status: 'RETRYING',
      attempts: 1,
      lostAttempts: 1,
      error: {
        name: 'JobLostError',
        message: expect.stringMatching(/^attempt 1 lost: lease expired at .*it will be retried$/),
      },
    });
    expect(
      await w.runtime.client.enqueue(retriedWhenLost, { account: 'rescued-retry' }),
    ).toBeNull();

    // Act again: the worker receives the message the monitor sent
    const { received } = await deliverOnce(sqs, queueUrl(), w.handler, { waitSeconds: 1 });

    // Assess: attempt 2 ran and succeeded; the record is truthful
    expect(received.map((r) => r.body)).toEqual([body]);
    expect(eventsOf(id).at(-1)).toEqual({ id, event: 'run', attempt: 2 });
    const record = await w.runtime.store.get(id);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', attempts: 2, lostAttempts: 1 });
    expect(record).not.toHaveProperty('error');
    expect(
      await w.runtime.client.enqueue(retriedWhenLost, { account: 'rescued-retry' }),
    ).not.toBeNull();
  });

  it('on the last attempt: LOST, onAborted without a retry, the stored message in the DLQ, the key released', async () => {
    // Prepare
    const w = worker();
    const { id, body } = await loseFirstAttempt(w, lostForGood, 'rescued-last');

    // Act
    await monitor().run();

    // Assess
    expect(eventsOf(id)).toEqual([
      { id, event: 'aborted', status: 'LOST', attempt: 1, maxAttempts: 1, willRetry: false },
    ]);
    expect(await w.runtime.store.get(id)).toMatchObject({
      status: 'LOST',
      deadLetteredAt: expect.any(String),
      error: { name: 'JobLostError', message: expect.stringContaining('no attempts left') },
    });
    expect(await bodiesOn(sqs, resources.queues.default!.dlqUrl)).toEqual([body]);
    expect(await bodiesOn(sqs, queueUrl())).toEqual([]);
    expect(await w.runtime.client.enqueue(lostForGood, { account: 'rescued-last' })).not.toBeNull();
  });
});

describe('the sweep for lost attempts', () => {
  it('reads only RUNNING records whose lease expired: live attempts are never read', async () => {
    // Prepare: one attempt lost, three alive (their leases end in the future)
    const w = worker();
    const { id } = await loseFirstAttempt(w, lostForGood, 'sweep-lost');
    const live: string[] = [];
    for (const account of ['live-1', 'live-2', 'live-3']) {
      const liveId = await w.runtime.client.enqueue(retriedWhenLost, { account });
      const claimed = await w.runtime.store.claim({
        id: liveId!,
        type: retriedWhenLost.type,
        queue: 'default',
        enqueuedAt: new Date().toISOString(),
        maxAttempts: 3,
        leaseExpiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
        now: new Date(Date.now() - 30 * 60_000).toISOString(),
      });
      expect(claimed.kind).toBe('claimed');
      live.push(liveId!);
    }
    const read: string[] = [];
    const counting = createDynamoDbClient();
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        // The lost-job sweep's queries. The orphaned-key sweep queries the same index, under the
        // key partitions (KEYS#<shard>): those are left out.
        const input = args.input as {
          IndexName?: string;
          ExpressionAttributeValues?: Record<string, { S?: string } | string>;
        };
        const keyListing = Object.values(input.ExpressionAttributeValues ?? {}).some((value) =>
          keyIndexPartitions().includes(typeof value === 'string' ? value : (value.S ?? '')),
        );
        if (
          context.commandName === 'QueryCommand' &&
          input.IndexName === TABLE_SCHEMA.byQueueStatus.indexName &&
          !keyListing
        ) {
          const output = result.output as { Items?: { id?: unknown }[]; ScannedCount?: number };
          const items = output.Items ?? [];
          for (const item of items) {
            const value = item.id as { S?: string } | string | undefined;
            read.push(typeof value === 'string' ? value : (value?.S ?? '?'));
          }
          // Items a filter dropped were read too (and paid for).
          const filtered = (output.ScannedCount ?? items.length) - items.length;
          read.push(...Array<string>(filtered).fill('filtered out'));
        }
        return result;
      },
      { step: 'initialize', name: 'countReads' },
    );

    // Act
    const summary = await monitor(counting).run();

    // Assess
    expect(summary.lostRescued).toBe(1);
    expect(read).toEqual([id]);
    for (const liveId of live) {
      expect(await w.runtime.store.get(liveId)).toMatchObject({ status: 'RUNNING' });
    }
  });
});

/** `onAborted` calls of {@link largePayloadJob}, with the payload the hook was given. */
const abortedWith: { id: string; status: string; note: unknown }[] = [];

/** A job whose message is too large for its record to keep (over `maxLeanEnvelopeBytes`). */
const largePayloadJob = defineJob({
  type: 'large-payload-lost',
  schema: z.object({ note: z.string() }),
  timeoutSeconds: 3,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 0 },
  run: (_payload, ctx) => {
    lostJobEvents.push({ id: ctx.jobId, event: 'run', attempt: ctx.attempt });
    return 'done';
  },
  onAborted: (payload, { record }) => {
    abortedWith.push({ id: record.id, status: record.status, note: payload?.note });
  },
});

describe('a lost attempt whose record kept no message', () => {
  const registry = createRegistry([largePayloadJob]);

  it('is left by the monitor to its message’s redelivery, whose rescue gives onAborted the real payload', async () => {
    // Prepare: the worker that claimed it died 100 s ago; its message is still on the queue
    const w = createWorker({
      registry,
      config,
      queueName: 'default',
      env: resourceEnv(resources),
      metricsRecorder: capturingMetrics(),
    });
    const note = 'n'.repeat(LIMITS.maxLeanEnvelopeBytes);
    const id = await w.runtime.client.enqueue(largePayloadJob, { note });
    if (!id) throw new Error('enqueue was skipped');
    const startedAt = Date.now() - 100_000;
    const claimed = await w.runtime.store.claim({
      id,
      type: largePayloadJob.type,
      queue: 'default',
      enqueuedAt: new Date(startedAt).toISOString(),
      maxAttempts: 3,
      // Expired longer ago than the grace (60 s), not longer than the visibility timeout more.
      leaseExpiresAt: new Date(startedAt + 10_000).toISOString(),
      now: new Date(startedAt).toISOString(),
      claimToken: 'the-worker-that-died',
    });
    expect(claimed.kind).toBe('claimed');
    const monitorOfThisJob = createAwsMonitor({
      config,
      registry,
      env: { ...process.env, ...resourceEnv(resources) },
      oldestAge: createEmulatorOldestAgeSource(),
      completions: createJobStoreCompletionSource(w.runtime.store),
      metrics: testMetrics(),
      logger: testLogger(),
    });

    // Act
    const summary = await monitorOfThisJob.run();
    const afterMonitor = await w.runtime.store.get(id);
    await deliverOnce(sqs, queueUrl(), w.handler, { waitSeconds: 1 });

    // Assess: the monitor left it; the redelivery recorded the lost attempt, ran the hook with
    // the payload from the message, then ran the retry
    expect(summary.lostRescued).toBe(0);
    expect(afterMonitor).toMatchObject({ status: 'RUNNING', attempts: 1 });
    expect(afterMonitor?.envelope).toBeUndefined();
    expect(abortedWith).toEqual([{ id, status: 'RETRYING', note }]);
    expect(eventsOf(id)).toEqual([{ id, event: 'run', attempt: 2 }]);
    expect(await w.runtime.store.get(id)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 2,
      lostAttempts: 1,
    });
  });
});
