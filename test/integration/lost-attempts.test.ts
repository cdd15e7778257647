/**
 * Lost attempts found on redelivery, outcome writes the store refuses for a while, and the
 * concurrency keys of rejected, retried and redriven jobs: the real worker and admin against
 * fauxqs and DynamoDB Local.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsJobsAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-jobs-admin.ts';
import { createDynamoDbClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { ConcurrencyKeyHeldError } from '../../packages/lambda-jobs/src/runtime/admin/admin-errors.ts';
import { UnrecoverableJobError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
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
  retriedWhenLost,
} from '../support/lost-attempts.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

const { sqs } = emulatorClients();
const config = testConfig();
let resources: ProvisionedResources;

beforeAll(async () => {
  resources = await provisionTestResources(config);
});

// Each scenario starts with empty queues: what one leaves (a probe enqueue) is taken away.
afterEach(async () => {
  await bodiesOn(sqs, resources.queues.default!.url);
  await bodiesOn(sqs, resources.queues.default!.dlqUrl);
});

const queueUrl = () => resources.queues.default!.url;
const dlqUrl = () => resources.queues.default!.dlqUrl;

function workerWith(registry = lostAttemptRegistry, dynamodb?: DynamoDBClient) {
  return createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    ...(dynamodb ? { dynamodb } : {}),
  });
}

/** Enqueues `job` and leaves its first attempt RUNNING with a lease long expired. */
async function enqueueAndLose(
  worker: ReturnType<typeof workerWith>,
  job: typeof retriedWhenLost | typeof lostForGood,
  account: string,
) {
  const id = await worker.runtime.client.enqueue(job, { account });
  if (!id) throw new Error('enqueue was skipped');
  const record = await worker.runtime.store.get(id);
  const body = (await bodiesPeek())[0]!;
  await leaveAttemptRunning(worker.runtime.store, {
    id,
    type: job.type,
    queue: 'default',
    maxAttempts: job === lostForGood ? 1 : 3,
    body,
    key: `account:${account}`,
  });
  return { id, body, queued: record };
}

/** The body of the message waiting on the queue, left visible. */
async function bodiesPeek(): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl(),
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 0,
    }),
  );
  return Messages.map((m) => m.Body ?? '');
}

/** A DynamoDB client that fails the first `count` writes `matches` picks, before sending them. */
function clientFailing(count: number, matches: (command: string, input: string) => boolean) {
  const client = createDynamoDbClient();
  let failed = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (failed < count && matches(context.commandName ?? '', JSON.stringify(args.input))) {
        failed++;
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
          name: 'ThrottlingException',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'failWrites' },
  );
  return { client, failed: () => failed };
}

const isSuccessWrite = (command: string, input: string) =>
  command === 'UpdateItemCommand' && input.includes('"SUCCESSFUL"');

describe('an attempt found lost when its message comes back', () => {
  it('with attempts left: onAborted runs with the attempt, then this delivery runs the retry, and the record says so', async () => {
    // Prepare
    const worker = workerWith();
    const { id } = await enqueueAndLose(worker, retriedWhenLost, 'redelivered-retry');

    // Act
    await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });

    // Assess
    expect(eventsOf(id)).toEqual([
      { id, event: 'aborted', status: 'RETRYING', attempt: 1, maxAttempts: 3, willRetry: true },
      { id, event: 'run', attempt: 2 },
    ]);
    const record = await worker.runtime.store.get(id);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', attempts: 2, lostAttempts: 1 });
    expect(record).not.toHaveProperty('error');
    expect(await bodiesOn(sqs, queueUrl())).toEqual([]);
    // The key is released with the success.
    expect(
      await worker.runtime.client.enqueue(retriedWhenLost, { account: 'redelivered-retry' }),
    ).not.toBeNull();
  });

  it('on the last attempt: LOST, onAborted without a retry, the message in the DLQ, the key released', async () => {
    // Prepare
    const worker = workerWith();
    const { id, body } = await enqueueAndLose(worker, lostForGood, 'redelivered-last');

    // Act
    await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });

    // Assess
    expect(eventsOf(id)).toEqual([
      { id, event: 'aborted', status: 'LOST', attempt: 1, maxAttempts: 1, willRetry: false },
    ]);
    expect(await worker.runtime.store.get(id)).toMatchObject({
      status: 'LOST',
      attempts: 1,
      lostAttempts: 1,
      deadLetteredAt: expect.any(String),
      error: { name: 'JobLostError', message: expect.stringContaining('no attempts left') },
    });
    expect(await bodiesOn(sqs, dlqUrl())).toEqual([body]);
    expect(
      await worker.runtime.client.enqueue(lostForGood, { account: 'redelivered-last' }),
    ).not.toBeNull();
  });
});

describe('an outcome the store refuses for a while', () => {
  it('is written on a later try within the invocation', async () => {
    // Prepare: the first three success writes fail (more than the three tries of other calls)
    const failing = clientFailing(3, isSuccessWrite);
    const worker = workerWith(lostAttemptRegistry, failing.client);
    const id = await worker.runtime.client.enqueue(retriedWhenLost, { account: 'slow-store' });

    // Act
    const { response } = await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });

    // Assess
    expect(failing.failed()).toBe(3);
    expect(response?.batchItemFailures).toEqual([]);
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
    });
  });

  it('that is never written makes the message visible again within seconds, not after the visibility timeout', async () => {
    // Prepare: every success write fails; the queue's visibility timeout is 60 s
    const failing = clientFailing(1000, isSuccessWrite);
    const worker = workerWith(lostAttemptRegistry, failing.client);
    const id = await worker.runtime.client.enqueue(retriedWhenLost, { account: 'broken-store' });
    const { response } = await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });
    expect(response?.batchItemFailures).toHaveLength(1);
    const givenUpAt = Date.now();

    // Act
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl(),
        WaitTimeSeconds: 15,
        VisibilityTimeout: 60,
      }),
    );

    // Assess
    expect(Messages.map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([id]);
    expect(Date.now() - givenUpAt).toBeLessThan(12_000);
  });
});

const keyedUnknownElsewhere = defineJob({
  type: 'keyed-unknown-to-the-worker',
  schema: z.object({ account: z.string() }),
  timeoutSeconds: 3,
  concurrencyKey: (p) => `account:${p.account}`,
  run: () => {},
});

const failsForGood = defineJob({
  type: 'fails-for-good',
  schema: z.object({ account: z.string() }),
  timeoutSeconds: 3,
  retries: 0,
  concurrencyKey: (p) => `account:${p.account}`,
  run: () => {
    throw new UnrecoverableJobError('the receiver said 404');
  },
});

describe('concurrency keys of jobs that end without running, or run again', () => {
  it('a rejected message releases the key its enqueue took', async () => {
    // Prepare: a producer that knows a job type this worker does not
    const producer = workerWith(createRegistry([keyedUnknownElsewhere]));
    const worker = workerWith();
    const id = await producer.runtime.client.enqueue(keyedUnknownElsewhere, { account: 'rej' });
    expect(
      await producer.runtime.client.enqueue(keyedUnknownElsewhere, { account: 'rej' }),
    ).toBeNull();

    // Act
    await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });

    // Assess
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'ERRORED',
      error: { name: 'UnknownJobTypeError' },
    });
    expect(
      await producer.runtime.client.enqueue(keyedUnknownElsewhere, { account: 'rej' }),
    ).not.toBeNull();
  });

  it('retry and redrive take the key back, and refuse while another job holds it, naming that job', async () => {
    // Prepare: job A ends ERRORED (message in the DLQ, key released); job B takes the key
    const registry = createRegistry([failsForGood, retriedWhenLost]);
    const worker = workerWith(registry);
    const admin = createAwsJobsAdmin({ registry, config, env: resourceEnv(resources) });
    const a = await worker.runtime.client.enqueue(failsForGood, { account: 'held' });
    await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });
    expect(await worker.runtime.store.get(a!)).toMatchObject({ status: 'ERRORED' });
    const b = await worker.runtime.client.enqueue(failsForGood, { account: 'held' });
    expect(b).not.toBeNull();

    // Act
    const retry = await admin.retryJob(a!).catch((error: unknown) => error);
    const redrive = await admin.dlqRedrive('default');

    // Assess: both refused, naming B; A stays ERRORED with its message in the DLQ
    expect(retry).toBeInstanceOf(ConcurrencyKeyHeldError);
    expect((retry as Error).message).toContain(`held by job ${b}`);
    expect(redrive.moved).toBe(0);
    expect(redrive.skipped).toEqual([
      expect.objectContaining({ jobId: a, reason: expect.stringContaining(`held by job ${b}`) }),
    ]);
    expect(await worker.runtime.store.get(a!)).toMatchObject({ status: 'ERRORED' });

    // Act again: B ends, the key is free; the retry takes it back
    await deliverOnce(sqs, queueUrl(), worker.handler, { waitSeconds: 0 });
    expect(await worker.runtime.store.get(b!)).toMatchObject({ status: 'ERRORED' });
    const requeued = await admin.retryJob(a!);

    // Assess: A is queued and holds the key, so a new enqueue with it is skipped
    expect(requeued.status).toBe('QUEUED');
    expect(await worker.runtime.client.enqueue(failsForGood, { account: 'held' })).toBeNull();
  });
});
