import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import { deliverOnce, fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { envelopeBody } from '../support/envelope-body.ts';
import {
  aborted,
  capturingMetrics,
  deferOnce,
  echo,
  flaky,
  ignoresDeadline,
  keyed,
  runs,
  testRegistry,
  unrecoverable,
} from '../support/test-jobs.ts';

const { sqs } = emulatorClients();
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
const metrics = capturingMetrics();

async function queueDepth(url: string): Promise<number> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function dlqBodies(): Promise<string[]> {
  const result = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: resources.queues.default!.dlqUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
    }),
  );
  return (result.Messages ?? []).map((m) => m.Body ?? '');
}

/** Delivers until the queue has nothing visible (bounded). */
async function drain(remainingMs?: number): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const { received } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 0,
      ...(remainingMs ? { remainingMs } : {}),
    });
    if (received.length === 0) return;
  }
}

beforeAll(async () => {
  config = testConfig();
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: metrics,
    deadlineMarginMs: 100,
  });
});

describe('dispatcher against SQS and DynamoDB emulators', () => {
  it('runs a job and records SUCCESSFUL with timings and output', async () => {
    const id = await worker.runtime.client.enqueue(echo, { n: 21 });
    await drain();
    const record = await worker.runtime.store.get(id!);
    expect(record).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
      output: { doubled: 42 },
      queue: 'default',
      type: 'echo',
    });
    expect(record?.durationMs).toBeGreaterThanOrEqual(0);
    expect(record?.waitMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(record!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(record!.startedAt!));
    expect(runs.get(id!)).toBe(1);
  });

  it('records malformed, unknown-type and invalid-payload messages as ERRORED and moves them to the DLQ, leaving the rest of the batch alone', async () => {
    const good = newJobId();
    const unknownType = newJobId();
    const badPayload = newJobId();
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: resources.queues.default!.url,
        Entries: [
          { Id: '1', MessageBody: '{not json' },
          { Id: '2', MessageBody: envelopeBody(unknownType, 'no-such-type', {}) },
          { Id: '3', MessageBody: envelopeBody(badPayload, 'echo', { n: 'seven' }) },
          { Id: '4', MessageBody: envelopeBody(good, 'echo', { n: 1 }) },
        ],
      }),
    );
    const { response } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler);
    expect(response?.batchItemFailures).toEqual([]);
    expect((await worker.runtime.store.get(good))?.status).toBe('SUCCESSFUL');
    const unknown = await worker.runtime.store.get(unknownType);
    expect(unknown).toMatchObject({ status: 'ERRORED', error: { name: 'UnknownJobTypeError' } });
    expect(unknown?.error?.message).toContain('no-such-type');
    const invalid = await worker.runtime.store.get(badPayload);
    expect(invalid).toMatchObject({ status: 'ERRORED', error: { name: 'PayloadValidationError' } });
    expect(invalid?.error?.message).toContain('n:');
    const dlq = await dlqBodies();
    expect(dlq).toContain('{not json');
    expect(dlq.some((b) => b.includes(unknownType))).toBe(true);
    expect(dlq.some((b) => b.includes(badPayload))).toBe(true);
    expect(dlq.some((b) => b.includes(good))).toBe(false);
  });

  it('does not run a duplicate delivery of a finished job again, and counts it', async () => {
    const id = newJobId();
    const body = envelopeBody(id, 'echo', { n: 2 });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: resources.queues.default!.url,
        Entries: [{ Id: 'a', MessageBody: body }],
      }),
    );
    await drain();
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: resources.queues.default!.url,
        Entries: [{ Id: 'b', MessageBody: body }],
      }),
    );
    await drain();
    expect(runs.get(id)).toBe(1);
    expect(
      metrics.events.filter((e) => e.outcome === 'duplicate' && e.type === 'echo').length,
    ).toBeGreaterThanOrEqual(1);
    expect(await queueDepth(resources.queues.default!.url)).toBe(0);
  });

  it('retries a failing job after its backoff and counts attempts in the record', async () => {
    const id = await worker.runtime.client.enqueue(flaky, { succeedOnAttempt: 3 });
    await drain();
    const record = await worker.runtime.store.get(id!);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', attempts: 3, output: 'finally' });
    expect(runs.get(id!)).toBe(3);
  });

  it('errors a job whose attempts are exhausted, with its stack, and moves it to the DLQ', async () => {
    const id = await worker.runtime.client.enqueue(flaky, { succeedOnAttempt: 99 }, { retries: 1 });
    await drain();
    const record = await worker.runtime.store.get(id!);
    expect(record).toMatchObject({
      status: 'ERRORED',
      attempts: 2,
      error: { name: 'Error', message: 'boom on attempt 2' },
    });
    expect(record?.error?.stack).toContain('boom on attempt 2');
    expect(record?.deadLetteredAt).toBeDefined();
    expect((await dlqBodies()).some((b) => b.includes(id!))).toBe(true);
  });

  it('errors an UnrecoverableJobError at once, without retrying', async () => {
    const id = await worker.runtime.client.enqueue(unrecoverable, {});
    await drain();
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'ERRORED',
      attempts: 1,
      error: { name: 'UnrecoverableJobError' },
    });
    expect(runs.get(id!)).toBe(1);
  });

  it('runs a deferred job again without spending an attempt', async () => {
    const id = await worker.runtime.client.enqueue(deferOnce, {});
    await drain();
    const record = await worker.runtime.store.get(id!);
    expect(record).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
      deferrals: 1,
      output: 'ran after deferral',
    });
  });

  it('aborts a job that overruns its timeout and records the timeout', async () => {
    const id = await worker.runtime.client.enqueue(ignoresDeadline, {});
    await drain();
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'ERRORED',
      error: { name: 'JobTimeoutError' },
    });
  });

  it('sends records it cannot finish before the Lambda deadline back to the queue, without spending attempts or receives', async () => {
    const id = await worker.runtime.client.enqueue(echo, { n: 5 });
    const { response } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      remainingMs: 1000,
    });
    // Sent again as a new message (receive count 1), this delivery is deleted.
    expect(response?.batchItemFailures).toHaveLength(0);
    expect((await worker.runtime.store.get(id!))?.status).toBe('QUEUED');
    await drain();
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
    });
  });

  it('skips a second enqueue while a job holds its concurrency key, and frees the key when it ends', async () => {
    const first = await worker.runtime.client.enqueue(keyed, { account: 'a1' });
    const second = await worker.runtime.client.enqueue(keyed, { account: 'a1' });
    const other = await worker.runtime.client.enqueue(keyed, { account: 'a2' });
    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
    expect(other).toEqual(expect.any(String));
    await drain();
    const third = await worker.runtime.client.enqueue(keyed, { account: 'a1' });
    expect(third).toEqual(expect.any(String));
    await drain();
  });

  it('marks a job LOST when its delivery comes back after its worker died mid-run, and calls onAborted once', async () => {
    const id = await worker.runtime.client.enqueue(keyed, { account: 'crashy' });
    // A worker claims the job and dies before recording anything: simulate with the store.
    const claim = await worker.runtime.store.claim({
      id: id!,
      type: 'keyed',
      queue: 'default',
      enqueuedAt: new Date(Date.now() - 120_000).toISOString(),
      maxAttempts: 1,
      leaseExpiresAt: new Date(Date.now() - 120_000).toISOString(),
      now: new Date(Date.now() - 121_000).toISOString(),
      concurrencyKey: 'account:crashy',
      envelope: JSON.stringify({
        version: 1,
        id,
        type: 'keyed',
        queue: 'default',
        payload: { account: 'crashy' },
        enqueuedAt: new Date().toISOString(),
      }),
    });
    expect(claim.kind).toBe('claimed');
    await drain();
    expect(await worker.runtime.store.get(id!)).toMatchObject({ status: 'LOST' });
    expect(aborted.filter((a) => a.id === id)).toEqual([
      { id, payload: { account: 'crashy' }, status: 'LOST' },
    ]);
    expect(await worker.runtime.client.enqueue(keyed, { account: 'crashy' })).toEqual(
      expect.any(String),
    );
    await drain();
  });
  it('leaves a live attempt to record its own outcome when a rejected message names its job, and replaces an abandoned one', async () => {
    // Prepare: two jobs claimed elsewhere, one still within its lease, one long past it.
    const live = newJobId();
    const abandoned = newJobId();
    const claimElsewhere = (id: string, leaseMs: number) =>
      worker.runtime.store.claim({
        id,
        type: 'echo',
        queue: 'default',
        enqueuedAt: new Date(Date.now() - 200_000).toISOString(),
        maxAttempts: 1,
        leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
        now: new Date(Date.now() - 200_000).toISOString(),
      });
    await claimElsewhere(live, 60_000);
    await claimElsewhere(abandoned, -120_000);
    // Messages with the same ids that this worker cannot run (e.g. after a schema change).
    const [forLive, forAbandoned] = [live, abandoned].map((id) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body: envelopeBody(id, 'echo', { n: 'seven' }),
    }));

    // Act
    const response = await worker.dispatchBatch([forLive!, forAbandoned!], fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: forLive!.messageId }]);
    expect(await worker.runtime.store.get(live)).toMatchObject({ status: 'RUNNING', attempts: 1 });
    expect(await worker.runtime.store.get(abandoned)).toMatchObject({
      status: 'ERRORED',
      error: { name: 'PayloadValidationError' },
    });
  });
});
