import {
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { startSqsEventSource } from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createSqsClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { DeferJobError, RetryJobError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { queueCount, until } from '../support/queue-polling.ts';
import { sqsRecordOf } from '../support/receive-records.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/** Attempts run per job id and attempt number, e.g. `runs.get(id)` → `[1, 2, 3]`. */
const runs = new Map<string, number[]>();
const ran = (id: string, attempt: number) => runs.set(id, [...(runs.get(id) ?? []), attempt]);

const failsUntil = defineJob({
  type: 'fails-until',
  schema: z.object({ succeedOnAttempt: z.number().int(), delaySeconds: z.number().int() }),
  timeoutSeconds: 3,
  retries: 0,
  run: (payload, ctx) => {
    ran(ctx.jobId, ctx.attempt);
    if (ctx.attempt < payload.succeedOnAttempt) {
      throw new RetryJobError(`not yet on attempt ${ctx.attempt}`, {
        afterSeconds: payload.delaySeconds,
      });
    }
    return 'done';
  },
});

const defersTimes = defineJob({
  type: 'defers-times',
  schema: z.object({ times: z.number().int() }),
  timeoutSeconds: 3,
  retries: 0,
  run: (payload, ctx) => {
    ran(ctx.jobId, ctx.attempt);
    if ((runs.get(ctx.jobId)?.length ?? 0) <= payload.times) {
      throw new DeferJobError(0, 'waiting for the upstream');
    }
    return 'done';
  },
});

const registry = createRegistry([failsUntil, defersTimes]);
/** SQS dead-letters after 3 receives; the function runs 60 s. */
const config = testConfig({
  queues: {
    default: {
      batchSize: 10,
      functionTimeoutSeconds: 60,
      visibilityTimeoutSeconds: 360,
      maxReceiveCount: 3,
    },
  },
});

/** SendMessage calls to the job queue refused from now on, counted down per call. */
let refuseQueueSends = 0;
const queueSends: string[] = [];
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
/** For the step-by-step scenarios: queues of their own, which no event source polls. */
let stepResources: ProvisionedResources;
let stepWorker: ReturnType<typeof createWorker>;
let source: Awaited<ReturnType<typeof startSqsEventSource>>;
const metrics = capturingMetrics();
const { sqs: plainSqs } = emulatorClients();

/** An SQS client whose SendMessage to the job queue can be made to fail. */
function faultySqs(queueUrl: () => string): SQSClient {
  const client = createSqsClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { QueueUrl?: string; MessageBody?: string };
      if (context.commandName === 'SendMessageCommand' && input.QueueUrl === queueUrl()) {
        queueSends.push(input.MessageBody ?? '');
        if (refuseQueueSends > 0) {
          refuseQueueSends--;
          throw Object.assign(new Error('injected: SQS is unavailable'), {
            name: 'ServiceUnavailable',
          });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'refuseQueueSends' },
  );
  return client;
}

const count = (url: string, attribute: QueueAttributeName) => queueCount(plainSqs, url, attribute);

/** Every message of the job queue and its DLQ is gone: visible, in flight and delayed. */
async function queuesSettled(dlqDepth: number): Promise<boolean> {
  const url = resources.queues.default!.url;
  const counts = await Promise.all([
    count(url, 'ApproximateNumberOfMessages'),
    count(url, 'ApproximateNumberOfMessagesNotVisible'),
    count(url, 'ApproximateNumberOfMessagesDelayed'),
    count(resources.queues.default!.dlqUrl, 'ApproximateNumberOfMessages'),
  ]);
  return counts.join() === `0,0,0,${dlqDepth}`;
}

function rawBody(id: string, overrides: Record<string, unknown>): string {
  return serializeEnvelope({
    version: ENVELOPE_VERSION,
    id,
    type: 'fails-until',
    queue: 'default',
    payload: { succeedOnAttempt: 1, delaySeconds: 0 },
    enqueuedAt: new Date().toISOString(),
    ...overrides,
  } as Parameters<typeof serializeEnvelope>[0]);
}

/** A real-shaped SQS record of one received message (receive count and attributes as SQS says). */
async function receiveOne(url: string): Promise<SQSRecord> {
  for (let i = 0; i < 30; i++) {
    const { Messages = [] } = await plainSqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const m = Messages[0];
    if (m) return sqsRecordOf(m);
  }
  throw new Error(`no message arrived on ${url}`);
}

beforeAll(async () => {
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    sqs: faultySqs(() => resources.queues.default!.url),
    metricsRecorder: metrics,
  });
  stepResources = await provisionTestResources(config);
  stepWorker = createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(stepResources),
    sqs: faultySqs(() => stepResources.queues.default!.url),
    metricsRecorder: capturingMetrics(),
  });
});

describe('a retry or deferral sends the message again, so SQS counts only lost deliveries', () => {
  beforeAll(async () => {
    source = await startSqsEventSource({
      sqs: plainSqs,
      queueUrl: resources.queues.default!.url,
      handler: worker.handler,
      batchSize: 10,
      batchingWindowSeconds: 0,
      maxConcurrency: 2,
      functionTimeoutSeconds: 60,
      pollWaitSeconds: 1,
    });
  });
  afterAll(() => source.stop());

  it('keeps retrying past maxReceiveCount (3), and its record matches its message', async () => {
    // Prepare / Act
    const id = await worker.runtime.client.enqueue(
      failsUntil,
      { succeedOnAttempt: 6, delaySeconds: 0 },
      { retries: 100 },
    );

    // Assess: six attempts through one queue that dead-letters after three receives.
    await until(async () => (await worker.runtime.store.get(id!))?.status === 'SUCCESSFUL');
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 6,
      maxAttempts: 101,
    });
    expect(runs.get(id!)).toEqual([1, 2, 3, 4, 5, 6]);
    await until(() => queuesSettled(0));
  });

  it('completes a job that defers six times on maxReceiveCount 3', async () => {
    const id = await worker.runtime.client.enqueue(defersTimes, { times: 6 });

    await until(async () => (await worker.runtime.store.get(id!))?.status === 'SUCCESSFUL');
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
      deferrals: 6,
    });
    expect(runs.get(id!)).toHaveLength(7);
    await until(() => queuesSettled(0));
  });

  it.each([
    ['options.timeoutSeconds', { options: { timeoutSeconds: 120 } }, /120 s.*at most 58 s/],
    ['queue', { queue: 'reports' }, /"reports".*arrived on queue "default"/],
  ])(
    'records a raw envelope whose %s can never run here ERRORED once, and dead-letters it',
    async (field, overrides, says) => {
      // Prepare
      const id = newJobId();
      const dlqBefore = await count(
        resources.queues.default!.dlqUrl,
        'ApproximateNumberOfMessages',
      );
      const rejections = () => metrics.events.filter((e) => e.outcome === 'rejected').length;
      const rejectedBefore = rejections();

      // Act: a foreign producer's plain SendMessage.
      await plainSqs.send(
        new SendMessageCommand({
          QueueUrl: resources.queues.default!.url,
          MessageBody: rawBody(id, overrides),
        }),
      );

      // Assess
      await until(async () => (await worker.runtime.store.get(id))?.deadLetteredAt !== undefined);
      const record = await worker.runtime.store.get(id);
      expect(record).toMatchObject({ status: 'ERRORED', queue: 'default' });
      expect(record?.error?.message).toMatch(new RegExp(`^${field.replace('.', '\\.')} `));
      expect(record?.error?.message).toMatch(says);
      await until(() => queuesSettled(dlqBefore + 1));
      expect(runs.get(id)).toBeUndefined();
      expect(rejections() - rejectedBefore).toBe(1);
    },
  );
});

describe('the re-send, step by step', () => {
  const queueUrl = () => stepResources.queues.default!.url;

  it('keeps the message when the re-send fails; its next delivery finishes the send and does not run the job early', async () => {
    // Prepare
    const id = await stepWorker.runtime.client.enqueue(
      failsUntil,
      {
        succeedOnAttempt: 2,
        delaySeconds: 8,
      },
      { retries: 3 },
    );
    const first = await receiveOne(queueUrl());
    refuseQueueSends = 3; // every try of the re-send fails

    // Act: attempt 1 fails; the re-send is refused.
    const response = await stepWorker.dispatchBatch([first], fakeLambdaContext());

    // Assess: kept, RETRYING, visible again in a few seconds (not after the visibility timeout).
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: first.messageId }]);
    const retrying = await stepWorker.runtime.store.get(id!);
    expect(retrying).toMatchObject({ status: 'RETRYING', attempts: 1 });
    const sendsBefore = queueSends.length;

    // Act: the kept message comes back before the job is due.
    const again = await receiveOne(queueUrl());
    expect(again.messageId).toBe(first.messageId);
    expect(Date.now()).toBeLessThan(Date.parse(retrying!.retryAt!));
    const second = await stepWorker.dispatchBatch([again], fakeLambdaContext());

    // Assess: not run, sent on for the rest of the delay, deleted.
    expect(second.batchItemFailures).toEqual([]);
    expect(runs.get(id!)).toEqual([1]);
    expect(queueSends.length).toBe(sendsBefore + 1);
    const resent = await receiveOne(queueUrl());
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(retrying!.retryAt!) - 1000);
    await stepWorker.dispatchBatch([resent], fakeLambdaContext());
    expect(runs.get(id!)).toEqual([1, 2]);
    expect(await stepWorker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 2,
    });
  });

  it('runs an attempt once when both the re-sent message and the old one (its delete lost) arrive', async () => {
    // Prepare: attempt 1 fails and its message is sent again.
    const id = await stepWorker.runtime.client.enqueue(
      failsUntil,
      {
        succeedOnAttempt: 2,
        delaySeconds: 2,
      },
      { retries: 3 },
    );
    const old = await receiveOne(queueUrl());
    await stepWorker.dispatchBatch([old], fakeLambdaContext());
    expect(runs.get(id!)).toEqual([1]);
    const resent = await receiveOne(queueUrl());

    // Act: the old message is delivered again too (its delete was lost), at the same time.
    const oldAgain = { ...old, attributes: { ...old.attributes, ApproximateReceiveCount: '2' } };
    const responses = await Promise.all([
      stepWorker.dispatchBatch([resent], fakeLambdaContext()),
      stepWorker.dispatchBatch([oldAgain], fakeLambdaContext()),
    ]);

    // Assess: attempt 2 ran once; the job succeeded.
    expect(runs.get(id!)).toEqual([1, 2]);
    expect(await stepWorker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 2,
    });
    // Whichever lost the claim is postponed (kept) or skipped as a duplicate, never run.
    expect(responses.flatMap((r) => r.batchItemFailures).length).toBeLessThanOrEqual(1);
  });

  it("dead-letters a job on SQS's last delivery instead of running it, with a record saying why", async () => {
    // Prepare: a message SQS has delivered maxReceiveCount times, none of which ended.
    const id = await stepWorker.runtime.client.enqueue(failsUntil, {
      succeedOnAttempt: 1,
      delaySeconds: 0,
    });
    const message = await receiveOne(queueUrl());
    const last = {
      ...message,
      attributes: { ...message.attributes, ApproximateReceiveCount: '3' },
    };
    const dlqBefore = await count(
      stepResources.queues.default!.dlqUrl,
      'ApproximateNumberOfMessages',
    );

    // Act
    const response = await stepWorker.dispatchBatch([last], fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(runs.get(id!)).toBeUndefined();
    const record = await stepWorker.runtime.store.get(id!);
    expect(record).toMatchObject({ status: 'ERRORED', deadLetteredAt: expect.any(String) });
    expect(record?.error).toMatchObject({ name: 'DeliveryLimitError' });
    expect(record?.error?.message).toMatch(/Delivered 3 times without an outcome/);
    expect(await count(stepResources.queues.default!.dlqUrl, 'ApproximateNumberOfMessages')).toBe(
      dlqBefore + 1,
    );
  });
});
