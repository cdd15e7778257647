import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import {
  createDevDelayedDelivery,
  type DevDelayedDelivery,
} from '../../packages/lambda-jobs/src/local/dev-delayed-delivery.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createWorker,
  type Worker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createSqsQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-transport.ts';
import { parseEnvelope } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { JobStateConflictError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { QueueTransport } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import {
  aborted,
  capturingMetrics,
  echo,
  flaky,
  keyed,
  runs,
  testRegistry,
} from '../support/test-jobs.ts';

const { sqs, dynamodb } = emulatorClients();
const HOUR_MS = 3_600_000;
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: Worker;
let delayed: DevDelayedDelivery;
let transport: QueueTransport;
/** The delayed delivery's clock: real time plus whatever the test has skipped. */
let skippedMs = 0;
const clock = () => new Date(Date.now() + skippedMs);

async function visibleMessages(): Promise<number> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: resources.queues.default!.url,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(result.Attributes?.ApproximateNumberOfMessages ?? 0);
}

beforeAll(async () => {
  config = testConfig();
  resources = await provisionTestResources(config);
  transport = createSqsQueueTransport(sqs);
  delayed = createDevDelayedDelivery({
    client: dynamodb,
    tableName: resources.tableName,
    transport,
    now: clock,
  });
  worker = createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    delayedDelivery: delayed,
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  });
});

beforeEach(async () => {
  // Every test starts with nothing due and nothing in the queue.
  skippedMs = 0;
  for (const pending of await delayed.pending()) await delayed.cancel(pending.jobId);
  aborted.length = 0;
});

describe('dev delayed delivery: long delays wait in the local table', () => {
  it('sends a job enqueued with a one-hour delay once its time has come', async () => {
    // Prepare
    const id = (await worker.runtime.client.enqueue(echo, { n: 4 }, { delay: 3600 }))!;
    const early = await delayed.tick();
    const waiting = (await delayed.pending()).map((p) => p.jobId);

    // Act
    skippedMs = HOUR_MS + 1000;
    const sent = await delayed.tick();
    const { received } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler);

    // Assess
    expect(early).toEqual([]);
    expect(waiting).toEqual([id]);
    expect(sent).toEqual([id]);
    expect(received.map((r) => parseEnvelope(r.body).id)).toEqual([id]);
    expect(runs.get(id)).toBe(1);
    expect((await worker.runtime.store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
    expect(await delayed.pending()).toEqual([]);
  });

  it('sends a job enqueued with runAt at that instant, not before', async () => {
    // Prepare
    const runAt = new Date(Date.now() + 2 * HOUR_MS);
    const id = (await worker.runtime.client.enqueue(echo, { n: 5 }, { runAt }))!;
    skippedMs = 2 * HOUR_MS - 60_000;
    const aMinuteEarly = await delayed.tick();

    // Act
    skippedMs = 2 * HOUR_MS + 1000;
    const sent = await delayed.tick();

    // Assess
    expect(aMinuteEarly).toEqual([]);
    expect(sent).toEqual([id]);
    expect((await delayed.pending()).map((p) => p.jobId)).toEqual([]);
    expect(await visibleMessages()).toBe(1);
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
  });

  it('holds the concurrency key while the job waits', async () => {
    // Prepare
    const first = await worker.runtime.client.enqueue(keyed, { account: 'held' }, { delay: 3600 });

    // Act
    const second = await worker.runtime.client.enqueue(keyed, { account: 'held' });

    // Assess
    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
    await worker.runtime.client.cancel(first!);
  });

  it('sends a due delivery once when two tickers race for it', async () => {
    // Prepare
    const other = createDevDelayedDelivery({
      client: dynamodb,
      tableName: resources.tableName,
      transport,
      now: clock,
    });
    const id = (await worker.runtime.client.enqueue(echo, { n: 6 }, { delay: 3600 }))!;
    skippedMs = HOUR_MS + 1000;

    // Act
    const [a, b] = await Promise.all([delayed.tick(), other.tick()]);

    // Assess
    expect([...a, ...b]).toEqual([id]);
    expect(await visibleMessages()).toBe(1);
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
  });

  it('keeps a delivery whose send failed, and sends it on the next tick', async () => {
    // Prepare
    const errors: unknown[] = [];
    let failNext = true;
    const flaky = createDevDelayedDelivery({
      client: dynamodb,
      tableName: resources.tableName,
      transport: {
        ...transport,
        send: async (url, body, delay) => {
          if (failNext) {
            failNext = false;
            throw new Error('connection reset');
          }
          return transport.send(url, body, delay);
        },
      },
      now: clock,
      onError: (error) => errors.push(error),
    });
    const id = (await worker.runtime.client.enqueue(echo, { n: 7 }, { delay: 3600 }))!;
    skippedMs = HOUR_MS + 1000;

    // Act
    const first = await flaky.tick();
    const second = await flaky.tick();

    // Assess
    expect(first).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(second).toEqual([id]);
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
  });
});

describe('dev delayed delivery: cancel', () => {
  it('removes a waiting delivery, records CANCELLED, frees the key and runs onAborted', async () => {
    // Prepare
    const client = worker.runtime.client;
    const id = (await client.enqueue(keyed, { account: 'c1' }, { delay: 3600 }))!;

    // Act
    const record = await client.cancel(id);
    skippedMs = HOUR_MS + 1000;
    const sent = await delayed.tick();
    const next = await client.enqueue(keyed, { account: 'c1' });

    // Assess
    expect(record.status).toBe(JobStatus.CANCELLED);
    expect((await worker.runtime.store.get(id))?.status).toBe(JobStatus.CANCELLED);
    expect(sent).toEqual([]);
    expect(await delayed.pending()).toEqual([]);
    expect(aborted).toEqual([{ id, payload: { account: 'c1' }, status: JobStatus.CANCELLED }]);
    expect(next).toEqual(expect.any(String));
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
  });

  it('lets the worker skip a cancelled job whose message is already in SQS', async () => {
    // Prepare
    const id = (await worker.runtime.client.enqueue(echo, { n: 8 }))!;
    await worker.runtime.client.cancel(id);

    // Act
    const { received, response } = await deliverOnce(
      sqs,
      resources.queues.default!.url,
      worker.handler,
    );

    // Assess
    expect(received.map((r) => parseEnvelope(r.body).id)).toEqual([id]);
    expect(response?.batchItemFailures).toEqual([]);
    expect(runs.get(id)).toBeUndefined();
    expect((await worker.runtime.store.get(id))?.status).toBe(JobStatus.CANCELLED);
    expect(await visibleMessages()).toBe(0);
  });

  it('deletes the one-time delivery of a retry beyond 15 minutes, so nothing is left to fire', async () => {
    // Prepare: attempt 1 fails; its retry, an hour later, waits in the delayed delivery.
    const client = worker.runtime.client;
    const id = (await client.enqueue(
      flaky,
      { succeedOnAttempt: 2 },
      { retryDelay: { kind: 'fixed', seconds: 3600 } },
    ))!;
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
    const waiting = await worker.runtime.store.get(id);
    expect(waiting?.status).toBe(JobStatus.RETRYING);
    expect((await delayed.pending()).map((p) => p.jobId)).toEqual([
      `${id}#due-${Date.parse(waiting!.retryAt!)}`,
    ]);

    // Act
    const record = await client.cancel(id);
    skippedMs = HOUR_MS + 60_000;
    const sent = await delayed.tick();

    // Assess
    expect(record.status).toBe(JobStatus.CANCELLED);
    expect(await delayed.pending()).toEqual([]);
    expect(sent).toEqual([]);
    expect(await visibleMessages()).toBe(0);
    expect(runs.get(id)).toBe(1);
  });

  it('never runs a cancelled job when its retry fires anyway (sent before the cancel deleted it)', async () => {
    // Prepare: the retry's delivery fires and its message is in SQS when the cancel comes.
    const client = worker.runtime.client;
    const id = (await client.enqueue(
      flaky,
      { succeedOnAttempt: 2 },
      { retryDelay: { kind: 'fixed', seconds: 3600 } },
    ))!;
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
    skippedMs = HOUR_MS + 60_000;
    expect(await delayed.tick()).toHaveLength(1);
    await client.cancel(id);

    // Act
    const { received, response } = await deliverOnce(
      sqs,
      resources.queues.default!.url,
      worker.handler,
    );

    // Assess
    expect(received.map((r) => parseEnvelope(r.body).id)).toEqual([id]);
    expect(response?.batchItemFailures).toEqual([]);
    expect(runs.get(id)).toBe(1);
    expect((await worker.runtime.store.get(id))?.status).toBe(JobStatus.CANCELLED);
    expect(await visibleMessages()).toBe(0);
    expect(await delayed.pending()).toEqual([]);
  });

  it('says a finished job cannot be cancelled and leaves it as it is', async () => {
    // Prepare
    const id = (await worker.runtime.client.enqueue(echo, { n: 9 }))!;
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
    const before = await worker.runtime.store.get(id);

    // Act
    const error = await worker.runtime.client.cancel(id).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect((error as JobStateConflictError).currentStatus).toBe(JobStatus.SUCCESSFUL);
    expect(await worker.runtime.store.get(id)).toEqual(before);
  });
});
