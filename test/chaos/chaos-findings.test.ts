/**
 * Minimal, deterministic reproductions of what the chaos soak found, one exact fault sequence
 * each, against the emulators. They state the behaviour the runtime promises; each fails while
 * the gap it names is open.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { toSqsRecord } from '../../packages/lambda-jobs/src/local/event-source/sqs-record.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createAwsJobRuntime,
  createWorker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { createSqsQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-transport.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { rescueLostJobs } from '../../packages/lambda-jobs/src/runtime/monitor/lost-job-rescue.ts';
import type { JobStore } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce, fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import {
  aborted,
  capturingMetrics,
  flaky,
  keyed,
  testRegistry,
  unrecoverable,
} from '../support/test-jobs.ts';
import { createChaosJobs, createRunLedger } from './chaos-jobs.ts';
import { stallOutcomeWrites, startEventLoopStall } from './event-loop-stall.ts';
import { type InvocationState, runInInvocation } from './invocation-freeze.ts';
import { createWriteLedger, observeAppliedWrites, statusWritesOf } from './write-ledger.ts';

/** What an UpdateItem or PutItem is about, read from its (marshalled or plain) input. */
const describes = (input: unknown, text: string) => JSON.stringify(input).includes(text);

/**
 * A DynamoDB client that, the first time `matches` holds for a command, either throttles it
 * before sending or applies it and loses the answer — above the SDK's retry (the caller sees
 * the error) or inside it (the SDK sends the same request again).
 */
function clientWithOneFault(
  matches: (commandName: string, input: unknown) => boolean,
  fault: 'throttle' | 'answer-lost' | 'answer-lost-sdk-retries',
): DynamoDBClient {
  const client = createDynamoDbClient();
  let struck = false;
  const strike = (commandName: string, input: unknown) => {
    if (struck || !matches(commandName, input)) return false;
    struck = true;
    return true;
  };
  const lost = () =>
    Object.assign(new Error('socket hang up (the write was applied)'), {
      name: 'TimeoutError',
      code: 'ECONNRESET',
      $metadata: {},
    });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      if (fault === 'throttle' && strike(name, args.input)) {
        throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} });
      }
      const result = await next(args);
      if (fault === 'answer-lost' && strike(name, args.input)) throw lost();
      return result;
    },
    { step: 'initialize', priority: 'high', name: 'oneSurfacedFault' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (fault === 'answer-lost-sdk-retries' && strike(context.commandName ?? '', args.input)) {
        throw lost();
      }
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'oneSdkRetriedFault' },
  );
  return client;
}

/**
 * Delivers from the queue as the event source would, except that a message the handler
 * returns as a batch item failure is made visible again at once; stops when a receive is empty.
 */
async function deliverUntilDrained(
  queueUrl: string,
  handler: Parameters<typeof deliverOnce>[2],
  waitSeconds = 1,
): Promise<void> {
  const { sqs } = emulatorClients();
  for (let round = 0; round < 5; round++) {
    const { received, response } = await deliverOnce(sqs, queueUrl, handler, { waitSeconds });
    if (received.length === 0) return;
    for (const failure of response?.batchItemFailures ?? []) {
      const record = received.find((r) => r.messageId === failure.itemIdentifier)!;
      await sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: 0,
          }),
        )
        .catch((error: Error) => {
          // The handler may have made it visible already (a retry after 0 s).
          if (error.name !== 'MessageNotInflight') throw error;
        });
    }
  }
}

/** The bodies of every message visible on the queue now (received, so hidden afterwards). */
async function receiveAll(sqs: ReturnType<typeof emulatorClients>['sqs'], queueUrl: string) {
  const bodies: string[] = [];
  for (let round = 0; round < 10; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) break;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}

const isLostWrite = (name: string, input: unknown) =>
  statusWritesOf(name, input as Record<string, unknown>).some((w) => w.status === 'LOST');

const config = testConfig({ settings: { JOBS_LOST_GRACE: 0 } });
const logger = new Logger({ serviceName: 'chaos-findings' });
let resources: ProvisionedResources;
let env: NodeJS.ProcessEnv;

// Fresh queues and table per test: no test receives another's messages.
beforeEach(async () => {
  resources = await provisionTestResources(config);
  env = resourceEnv(resources);
});

/** A keyed job whose worker died mid-run: its record RUNNING with a lease that has expired. */
async function jobLeftRunning(account: string): Promise<string> {
  const clean = createAwsJobRuntime({ registry: testRegistry, config, env, ...emulatorClients() });
  const id = (await clean.client.enqueue(keyed, { account }))!;
  const startedAt = Date.now() - 10_000;
  await clean.store.claim({
    id,
    type: keyed.type,
    queue: 'default',
    enqueuedAt: new Date(startedAt).toISOString(),
    maxAttempts: 1,
    leaseExpiresAt: new Date(startedAt + 1000).toISOString(),
    now: new Date(startedAt).toISOString(),
    concurrencyKey: `account:${account}`,
    claimToken: 'the-dead-worker',
  });
  return id;
}

async function keyIsFree(account: string): Promise<boolean> {
  const clean = createAwsJobRuntime({ registry: testRegistry, config, env, ...emulatorClients() });
  return (await clean.client.enqueue(keyed, { account })) !== null;
}

describe('the write marking a job LOST is applied but its answer is lost', () => {
  it.each([
    ['above the SDK retry (the monitor sees a network error)', 'answer-lost'],
    [
      'inside the SDK retry (the repeated write finds the record LOST already)',
      'answer-lost-sdk-retries',
    ],
  ] as const)(
    'monitor rescue, %s: onAborted still runs once and the key is released',
    async (_, fault) => {
      // Prepare
      const account = `rescue-${fault}`;
      const id = await jobLeftRunning(account);
      const dynamodb = clientWithOneFault(isLostWrite, fault);
      const deps = {
        store: createDynamoDbJobStore({
          client: dynamodb,
          tableName: resources.tableName,
          retentionSeconds: 3600,
        }),
        keys: createDynamoDbConcurrencyKeys({ client: dynamodb, tableName: resources.tableName }),
        registry: testRegistry,
        transport: createSqsQueueTransport(createSqsClient()),
      };
      const queue = { name: 'default', ...resources.queues.default! };

      // Act: two monitor runs, as the schedule would make
      await rescueLostJobs(deps, queue, new Date(), 0, logger);
      await rescueLostJobs(deps, queue, new Date(), 0, logger);

      // Assess
      expect((await deps.store.get(id))?.status).toBe('LOST');
      expect(aborted.filter((entry) => entry.id === id)).toHaveLength(1);
      expect(await keyIsFree(account)).toBe(true);
    },
  );

  it('worker, on redelivery of the dead attempt: onAborted still runs once and the key is released', async () => {
    // Prepare
    const account = 'worker-redelivery';
    const id = await jobLeftRunning(account);
    const worker = createWorker({
      registry: testRegistry,
      config,
      queueName: 'default',
      env,
      dynamodb: clientWithOneFault(isLostWrite, 'answer-lost'),
      metricsRecorder: capturingMetrics(),
    });

    // Act: the message comes back after its first delivery fails, as it would after its visibility timeout
    await deliverUntilDrained(resources.queues.default!.url, worker.handler);

    // Assess
    expect((await worker.runtime.store.get(id))?.status).toBe('LOST');
    expect(aborted.filter((entry) => entry.id === id)).toHaveLength(1);
    expect(await keyIsFree(account)).toBe(true);
  });
});

describe('an attempt whose RETRYING write is applied but answered too late to matter', () => {
  it('keeps the message when another delivery of it already started the next attempt', async () => {
    // Prepare: one message, received once and handed to two invocations (SQS delivers a standard
    // queue's message more than once now and then). Invocation A's attempt 1 fails; its RETRYING
    // write is applied but the answer is lost; before A retries the write, invocation B claims
    // attempt 2 (RETRYING is claimable), fails too, and keeps the message for its retry in 1 s.
    const { sqs } = emulatorClients();
    const queueUrl = resources.queues.default!.url;
    const clean = createAwsJobRuntime({
      registry: testRegistry,
      config,
      env,
      ...emulatorClients(),
    });
    const id = (await clean.client.enqueue(
      flaky,
      { succeedOnAttempt: 3 },
      { retryDelay: { kind: 'fixed', seconds: 1 } },
    ))!;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    const record = toSqsRecord(Messages[0]!, {
      queueArn: 'arn:aws:sqs:us-east-1:0:q',
      region: 'us-east-1',
    });
    const invocationB = createWorker({
      registry: testRegistry,
      config,
      queueName: 'default',
      env,
      metricsRecorder: capturingMetrics(),
    });
    const dynamodbA = createDynamoDbClient();
    let struck = false;
    dynamodbA.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const writes = statusWritesOf(
          context.commandName ?? '',
          args.input as Record<string, unknown>,
        );
        if (!struck && writes.some((w) => w.status === 'RETRYING')) {
          struck = true;
          await invocationB.handler({ Records: [record] }, fakeLambdaContext());
          throw Object.assign(new Error('socket hang up (the write was applied)'), {
            name: 'TimeoutError',
            $metadata: {},
          });
        }
        return result;
      },
      { step: 'initialize', priority: 'high', name: 'answerArrivesAfterB' },
    );
    const invocationA = createWorker({
      registry: testRegistry,
      config,
      queueName: 'default',
      env,
      dynamodb: dynamodbA,
      metricsRecorder: capturingMetrics(),
    });

    // Act: A answers the event source, which deletes what A did not return as a failure
    const response = await invocationA.handler({ Records: [record] }, fakeLambdaContext());
    if (response.batchItemFailures.length === 0) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
      );
    }
    await deliverUntilDrained(queueUrl, invocationB.handler, 2);

    // Assess: attempt 3 ran from the kept message
    expect(await clean.store.get(id)).toMatchObject({ status: 'SUCCESSFUL', attempts: 3 });
  });
});

describe('a concurrency key whose release is throttled once', () => {
  it('is still released when the job ends, so the next job with that key is not skipped', async () => {
    // Prepare
    const account = 'release-throttled';
    const worker = createWorker({
      registry: testRegistry,
      config,
      queueName: 'default',
      env,
      dynamodb: clientWithOneFault((name) => name === 'DeleteItemCommand', 'throttle'),
      metricsRecorder: capturingMetrics(),
    });
    const clean = createAwsJobRuntime({
      registry: testRegistry,
      config,
      env,
      ...emulatorClients(),
    });
    const id = (await clean.client.enqueue(keyed, { account }))!;

    // Act
    await deliverUntilDrained(resources.queues.default!.url, worker.handler);

    // Assess
    expect((await clean.store.get(id))?.status).toBe('SUCCESSFUL');
    expect(await keyIsFree(account)).toBe(true);
  });
});

describe('an ERRORED job whose first delivery could neither free its key nor reach the DLQ', () => {
  it('frees the key when the redelivery finishes moving it to the DLQ', async () => {
    // Prepare: during the first delivery every key release is throttled and the DLQ send fails
    // (as if the worker died right after writing ERRORED); the redelivery meets healthy services.
    const account = 'errored-key';
    let firstDelivery = true;
    const dynamodb = createDynamoDbClient();
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (firstDelivery && context.commandName === 'DeleteItemCommand') {
          throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name: 'releaseThrottled' },
    );
    const sqs = createSqsClient();
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (firstDelivery && context.commandName === 'SendMessageCommand') {
          throw Object.assign(new Error('throttled'), { name: 'RequestThrottled', $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name: 'dlqSendFails' },
    );
    const worker = createWorker({
      registry: testRegistry,
      config,
      queueName: 'default',
      env,
      dynamodb,
      sqs,
      metricsRecorder: capturingMetrics(),
    });
    const clean = createAwsJobRuntime({
      registry: testRegistry,
      config,
      env,
      ...emulatorClients(),
    });
    const id = (await clean.client.enqueue(unrecoverable, {}, { concurrencyKey: account }))!;
    const queueUrl = resources.queues.default!.url;

    // Act
    const first = await deliverOnce(emulatorClients().sqs, queueUrl, worker.handler, {
      waitSeconds: 1,
    });
    firstDelivery = false;
    for (const record of first.received) {
      await emulatorClients().sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    await deliverUntilDrained(queueUrl, worker.handler);

    // Assess
    expect(await clean.store.get(id)).toMatchObject({
      status: 'ERRORED',
      deadLetteredAt: expect.any(String),
    });
    expect(
      await clean.client.enqueue(unrecoverable, {}, { concurrencyKey: account }),
    ).not.toBeNull();
  });
});

describe('a malformed message while DynamoDB throttles the ERRORED record', () => {
  it('is not acknowledged until its record is written: the DLQ copy always has an ERRORED record', async () => {
    // Prepare
    const worker = createWorker({
      registry: testRegistry,
      config,
      queueName: 'default',
      env,
      dynamodb: clientWithOneFault((name) => name === 'PutItemCommand', 'throttle'),
      metricsRecorder: capturingMetrics(),
    });
    const { sqs } = emulatorClients();
    const queueUrl = resources.queues.default!.url;
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"not": "an envelope"' }),
    );

    // Act
    await deliverUntilDrained(queueUrl, worker.handler);

    // Assess
    expect(await worker.runtime.store.get(`msg-${sent.MessageId}`)).toMatchObject({
      status: 'ERRORED',
    });
  });
});

describe('an attempt whose claim took long (throttled and retried)', () => {
  it('fires its AbortSignal by ctx.deadline, and its lease covers that deadline', async () => {
    // Prepare: the claim answers after 800 ms; the job (1 s timeout) works 600 ms
    const seen: { pastDeadlineUntold: boolean; leaseCoversDeadline: boolean }[] = [];
    let store: JobStore | undefined;
    const patient = defineJob({
      type: 'patient',
      schema: z.object({}),
      timeoutSeconds: 1,
      retries: 0,
      async run(_payload, ctx) {
        const lease = (await store?.get(ctx.jobId))?.leaseExpiresAt ?? '';
        await sleep(600);
        seen.push({
          pastDeadlineUntold: Date.now() > ctx.deadline.getTime() && !ctx.signal.aborted,
          leaseCoversDeadline: Date.parse(lease) >= ctx.deadline.getTime(),
        });
      },
    });
    const registry = createRegistry([patient]);
    const dynamodb = createDynamoDbClient();
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        if (describes(args.input, 'claimToken')) await sleep(800);
        return next(args);
      },
      { step: 'initialize', name: 'slowClaim' },
    );
    const worker = createWorker({
      registry,
      config,
      queueName: 'default',
      env,
      dynamodb,
      metricsRecorder: capturingMetrics(),
    });
    const clean = createAwsJobRuntime({ registry, config, env, ...emulatorClients() });
    store = clean.store;
    await clean.client.enqueue(patient, {});

    // Act
    await deliverOnce(emulatorClients().sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 1,
    });

    // Assess: ran once, and never past its deadline without being told
    for (let waited = 0; seen.length === 0 && waited < 3000; waited += 100) await sleep(100);
    expect(seen).toEqual([{ pastDeadlineUntold: false, leaseCoversDeadline: true }]);
  });
});

describe('an outcome write held by an event-loop stall past lease + grace while the rescue runs', () => {
  it('is refused for every job the rescue recorded as lost meanwhile: nothing stale lands, onAborted runs once each, the retry is re-sent', async () => {
    // Prepare: three chaos jobs (attempts left) that succeed at once; the invocation running them
    // blocks its main thread before its outcome write until a rescuer on another thread has
    // recorded their attempts as lost (RETRYING, lost, will retry) and re-sent their envelopes.
    const runs = createRunLedger();
    const { job, registry } = createChaosJobs(runs);
    const stall = await startEventLoopStall({
      tableName: resources.tableName,
      queue: { name: 'default', ...resources.queues.default! },
      lostGraceSeconds: 0,
      retentionSeconds: config.resultsRetentionSeconds,
    });
    const writes = createWriteLedger();
    const dynamodb = createDynamoDbClient();
    stallOutcomeWrites(dynamodb, stall, (rescue) => {
      for (const write of rescue.writes) writes.record(write);
      for (const id of rescue.aborted) runs.aborted.set(id, (runs.aborted.get(id) ?? 0) + 1);
    });
    observeAppliedWrites(dynamodb, writes);
    const worker = createWorker({
      registry,
      config,
      queueName: 'default',
      env,
      dynamodb,
      metricsRecorder: capturingMetrics(),
    });
    const clean = createAwsJobRuntime({ registry, config, env, ...emulatorClients() });
    const script = {
      failAttempts: 0,
      unrecoverable: false,
      deferFirst: false,
      overrunAttempt: 0,
      workMs: 0,
    };
    for (let n = 0; n < 3; n++) await clean.client.enqueue(job, script);
    const invocation: InvocationState = {
      requestId: 'stalled',
      frozen: false,
      stallBeforeOutcome: true,
    };

    try {
      // Act
      const { received, response } = await deliverOnce(
        emulatorClients().sqs,
        resources.queues.default!.url,
        (event, context) => runInInvocation(invocation, () => worker.handler(event, context)),
        { waitSeconds: 1 },
      );

      // Assess
      const ids = received.map((r) => JSON.parse(r.body).id as string);
      expect(ids.length).toBeGreaterThan(0);
      expect(stall.stats).toEqual({
        stalls: 1,
        rescuedDuringStalls: ids.length,
        staleWritesRefused: ids.length,
        rescuerFailures: 0,
      });
      expect(response?.batchItemFailures).toHaveLength(ids.length);
      for (const id of ids) {
        expect(await clean.store.get(id)).toMatchObject({
          status: 'RETRYING',
          attempts: 1,
          lostAttempts: 1,
          error: { name: 'JobLostError' },
        });
        expect(writes.writesOf(id).map((w) => w.status)).toEqual(['RUNNING', 'RETRYING']);
        expect(runs.aborted.get(id)).toBe(1);
      }
      // The rescue re-sent each lost attempt's envelope for its retry (the stalled delivery's
      // own messages stay hidden as batch item failures).
      const resent = await receiveAll(emulatorClients().sqs, resources.queues.default!.url);
      expect(resent.map((body) => JSON.parse(body).id as string).sort()).toEqual([...ids].sort());
    } finally {
      await stall.stop();
    }
    // The rescuer thread starts its own TypeScript loader: slow on a busy machine.
  }, 90_000);
});
