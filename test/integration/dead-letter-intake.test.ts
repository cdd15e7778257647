/**
 * SQS's own redrive never ends a job behind its record: a message dead-lettered by SQS (a
 * worker crashed or timed out on its last delivery) reaches the queue's dead-letter intake,
 * and the monitor's next run reconciles it — the record ERRORED with `deadLetteredAt`, the
 * key released, the message in the DLQ — before its lost-job sweep, which then finds nothing
 * to re-send. Real worker, event source, monitor, fauxqs and DynamoDB Local.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { ENV, resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { startSqsEventSource } from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createAwsJobRuntime,
  createWorker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsMonitor } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-monitor.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { Monitor } from '../../packages/lambda-jobs/src/runtime/monitor/create-monitor.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { attributeText } from '../support/attribute-text.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { bodiesOn } from '../support/lost-attempts.ts';
import { queueCount, until } from '../support/queue-polling.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/** Runs per job id. */
const runs = new Map<string, number>();

/** Three attempts allowed, holds `account:<account>`: a crash would be retried by the sweep. */
const keyedJob = defineJob({
  type: 'keyed-job',
  schema: z.object({ account: z.string() }),
  timeoutSeconds: 1,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 0 },
  concurrencyKey: (p) => `account:${p.account}`,
  run: (_payload, ctx) => {
    runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
    return 'done';
  },
});
const registry = createRegistry([keyedJob]);

/**
 * One delivery per message (the first is SQS's last), 5 s function. The queues are then given
 * a 6 s visibility timeout (below AWS guidance, which the config enforces) to keep the test short.
 */
function intakeConfig(tracking: 'full' | 'minimal'): LambdaJobsConfig {
  return testConfig({
    tracking,
    queues: {
      default: {
        batchSize: 1,
        functionTimeoutSeconds: 5,
        visibilityTimeoutSeconds: 30,
        maxReceiveCount: 1,
      },
    },
  });
}

const { sqs } = emulatorClients();
const count = (url: string, attribute: QueueAttributeName = 'ApproximateNumberOfMessages') =>
  queueCount(sqs, url, attribute);
const quiet = new Logger({ logLevel: process.env.INTAKE_TEST_LOGS ? 'DEBUG' : 'SILENT' });

/** Provisions the queues and table, then shortens the job queue's visibility timeout to 6 s. */
async function provisionShortVisibility(config: LambdaJobsConfig): Promise<ProvisionedResources> {
  const resources = await provisionTestResources(config);
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: resources.queues.default!.url,
      Attributes: { VisibilityTimeout: '6' },
    }),
  );
  return resources;
}

/** SQS and DynamoDB requests per command name, counted by the clients' middleware. */
function countingClients() {
  const counts = new Map<string, number>();
  const count = <C extends { middlewareStack: { add: (...args: never[]) => void } }>(client: C) => {
    (client.middlewareStack.add as (...args: unknown[]) => void)(
      (next: (args: unknown) => unknown, context: { commandName: string }) => (args: unknown) => {
        counts.set(context.commandName, (counts.get(context.commandName) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    return client;
  };
  return { counts, sqs: count(createSqsClient()), dynamodb: count(createDynamoDbClient()) };
}

/** The monitor as deployed (env-configured), its clock `aheadMs` ahead of the real one. */
function monitorFor(
  config: LambdaJobsConfig,
  resources: ProvisionedResources,
  aheadMs = 0,
  clients: {
    sqs?: ReturnType<typeof createSqsClient>;
    dynamodb?: ReturnType<typeof createDynamoDbClient>;
  } = {},
): Monitor {
  return createAwsMonitor({
    ...clients,
    config,
    registry,
    env: {
      ...process.env,
      ...resourceEnv(resources),
      [ENV.deadLetterIntakes]: 'on',
    },
    logger: quiet,
    metrics: new Metrics({ namespace: 'intake-test', serviceName: 'intake-test' }),
    oldestAge: { oldestAges: async (queues) => new Map(queues.map((q) => [q.name, 0])) },
    completions: { completions: async (queues) => new Map(queues.map((q) => [q.name, 0])) },
    now: () => new Date(Date.now() + aheadMs),
  });
}

/**
 * Holds every outcome write (an UpdateItem, or the PutItem of a success) while `frozen`: the
 * invocation dies there.
 */
let frozen = false;
function freezingDynamoDb() {
  const client = createDynamoDbClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const item = (args.input as { Item?: { status?: unknown } }).Item;
      const outcome =
        context.commandName === 'UpdateItemCommand' ||
        (context.commandName === 'PutItemCommand' && attributeText(item?.status) === 'SUCCESSFUL');
      if (frozen && outcome) return new Promise<never>(() => {});
      return next(args);
    },
    { step: 'initialize', name: 'freezeOutcomes' },
  );
  return client;
}

describe.each(['full', 'minimal'] as const)(
  'a crash on the last delivery (tracking %s)',
  (tracking) => {
    const config = intakeConfig(tracking);
    let resources: ProvisionedResources;
    let source: Awaited<ReturnType<typeof startSqsEventSource>> | undefined;

    beforeAll(async () => {
      resources = await provisionShortVisibility(config);
    });
    afterAll(async () => {
      frozen = false;
      await source?.stop();
    });

    it('ends the job ERRORED with deadLetteredAt, releases its key, and the sweep re-sends nothing', async () => {
      // Prepare: a worker whose invocation dies after the job ran, before its outcome is written
      const env = resourceEnv(resources);
      const worker = createWorker({
        registry,
        config,
        queueName: 'default',
        env,
        dynamodb: freezingDynamoDb(),
        metricsRecorder: capturingMetrics(),
        logger: quiet,
      });
      const producer = createAwsJobRuntime({ registry, config, env });
      const account = `acct-${tracking}`;
      const id = await producer.client.enqueue(keyedJob, { account });
      if (!id) throw new Error('enqueue was skipped');
      frozen = true;
      source = await startSqsEventSource({
        sqs,
        queueUrl: resources.queues.default!.url,
        handler: worker.handler,
        batchSize: 1,
        batchingWindowSeconds: 0,
        maxConcurrency: 1,
        functionTimeoutSeconds: 5,
        functionMemoryMb: 128,
        functionName: 'intake-test-worker',
        pollWaitSeconds: 1,
        logger: quiet,
      });

      // Act: the only delivery times out; on the next receive SQS's redrive moves the message
      await until(async () => (await count(resources.deadLetterIntakes.default!)) === 1, 30_000);
      await source.stop();
      source = undefined;
      frozen = false;
      expect((await producer.store.get(id))?.status).toBe(JobStatus.RUNNING);
      // The monitor runs ten minutes later: the attempt's lease is long over.
      const counting = countingClients();
      const summary = await monitorFor(config, resources, 10 * 60_000, counting).run();

      // Assess
      const record = await producer.store.get(id);
      expect(record).toMatchObject({
        status: JobStatus.ERRORED,
        attempts: 1,
        error: { name: 'RedriveLimitError' },
      });
      expect(record?.deadLetteredAt).toBeDefined();
      expect(record?.error?.message).toContain('1 times');
      expect(summary).toMatchObject({ deadLettered: 1, lostRescued: 0, failedQueues: [] });
      expect(await producer.keys.holder(`account:${account}`, Math.floor(Date.now() / 1000))).toBe(
        undefined,
      );
      const dlq = await bodiesOn(sqs, resources.queues.default!.dlqUrl);
      expect(dlq.map((body) => JSON.parse(body).id)).toEqual([id]);
      expect(await count(resources.deadLetterIntakes.default!)).toBe(0);
      expect(
        await count(resources.deadLetterIntakes.default!, 'ApproximateNumberOfMessagesNotVisible'),
      ).toBe(0);
      // Nothing was sent to run it again.
      expect(await count(resources.queues.default!.url)).toBe(0);
      expect(await count(resources.queues.default!.url, 'ApproximateNumberOfMessagesDelayed')).toBe(
        0,
      );
      expect(runs.get(id)).toBe(1);
      // What reconciling one message cost: ReceiveMessage ×2 (the message, then an empty
      // answer), GetItem + PutItem (judge, end), SendMessage (DLQ), UpdateItem
      // (deadLetteredAt), DeleteItem (key), DeleteMessage (intake).
      expect(counting.counts.get('ReceiveMessageCommand')).toBe(2);
      expect(counting.counts.get('DeleteMessageCommand')).toBe(1);
      expect(counting.counts.get('SendMessageCommand')).toBe(1);
      expect(counting.counts.get('PutItemCommand')).toBe(1);
      // A second run finds nothing to do: one ReceiveMessage for the empty intake.
      const idle = countingClients();
      expect(await monitorFor(config, resources, 10 * 60_000, idle).run()).toMatchObject({
        deadLettered: 0,
        lostRescued: 0,
      });
      expect(idle.counts.get('ReceiveMessageCommand')).toBe(1);
      expect(idle.counts.get('DeleteMessageCommand')).toBeUndefined();
      expect(idle.counts.get('SendMessageCommand')).toBeUndefined();
    }, 60_000);
  },
);

describe('the order of the sweep and the intake', () => {
  const config = intakeConfig('full');
  let resources: ProvisionedResources;
  let runtime: ReturnType<typeof createAwsJobRuntime>;

  beforeAll(async () => {
    resources = await provisionTestResources(config);
    runtime = createAwsJobRuntime({ registry, config, env: resourceEnv(resources) });
  });

  /** Enqueues a job and claims it with its message, as a worker that then crashed would. */
  async function crashedAttempt(account: string) {
    const id = await runtime.client.enqueue(keyedJob, { account });
    if (!id) throw new Error('enqueue was skipped');
    const url = resources.queues.default!.url;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    const message = Messages[0]!;
    const startedAt = Date.now() - 10 * 60_000;
    await runtime.store.claim({
      id,
      type: keyedJob.type,
      queue: 'default',
      enqueuedAt: JSON.parse(message.Body!).enqueuedAt,
      maxAttempts: 3,
      leaseExpiresAt: new Date(startedAt + 1000).toISOString(),
      now: new Date(startedAt).toISOString(),
      envelope: message.Body!,
      concurrencyKey: `account:${account}`,
      messageId: message.MessageId!,
      claimToken: 'the-worker-that-crashed',
    });
    return { id, message };
  }

  /** Lets SQS's redrive move the crashed delivery's message to the intake (one more receive). */
  async function redrive(message: { ReceiptHandle?: string | undefined }) {
    const url = resources.queues.default!.url;
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    await until(async () => {
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
      return (await count(resources.deadLetterIntakes.default!)) === 1;
    }, 10_000);
  }

  it("sweep first: the dead-lettered original ends the job once, and the rescue's re-sent copy runs nothing", async () => {
    // Prepare: the sweep sees the expired lease while the crashed message is still in flight
    const { id, message } = await crashedAttempt('sweep-first');
    const first = await monitorFor(config, resources).run();
    expect(first).toMatchObject({ lostRescued: 1, deadLettered: 0 });
    expect((await runtime.store.get(id))?.status).toBe(JobStatus.RETRYING);

    // The rescue's re-sent copy waits on the queue (received and held here, to deliver later).
    const resent = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queues.default!.url,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 2,
        VisibilityTimeout: 60,
      }),
    );
    const copy = resent.Messages?.[0];
    expect(copy?.MessageId).not.toBe(message.MessageId);
    expect(JSON.parse(copy!.Body!).id).toBe(id);

    // Act: then SQS dead-letters the crashed original, and the next run drains the intake
    await redrive(message);
    const second = await monitorFor(config, resources).run();

    // Assess: one outcome: ERRORED, key free; the re-sent copy finds it and runs nothing
    expect(second).toMatchObject({ deadLettered: 1, lostRescued: 0 });
    const record = await runtime.store.get(id);
    expect(record).toMatchObject({
      status: JobStatus.ERRORED,
      error: { name: 'RedriveLimitError' },
    });
    expect(record?.deadLetteredAt).toBeDefined();
    expect(await runtime.keys.holder('account:sweep-first', Math.floor(Date.now() / 1000))).toBe(
      undefined,
    );
    const worker = createWorker({
      registry,
      config,
      queueName: 'default',
      env: resourceEnv(resources),
      metricsRecorder: capturingMetrics(),
      logger: quiet,
    });
    const response = await worker.dispatchBatch([
      {
        messageId: copy!.MessageId!,
        receiptHandle: copy!.ReceiptHandle!,
        body: copy!.Body!,
        attributes: { ApproximateReceiveCount: '1' },
      },
    ]);
    expect(response.batchItemFailures).toEqual([]);
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: resources.queues.default!.url,
        ReceiptHandle: copy!.ReceiptHandle!,
      }),
    );
    expect(runs.get(id)).toBeUndefined();
    expect((await runtime.store.get(id))?.status).toBe(JobStatus.ERRORED);
    expect(
      (await bodiesOn(sqs, resources.queues.default!.dlqUrl)).map((b) => JSON.parse(b).id),
    ).toEqual([id]);
  }, 60_000);

  it('drops a dead-lettered copy whose job another message carries, and keeps its key held', async () => {
    // Prepare: the job is RUNNING under another message; a postponed copy reached the intake
    const { id, message } = await crashedAttempt('carried-elsewhere');
    const live = new Date(Date.now() + 60_000).toISOString();
    // The attempt is live (its lease ahead): claim it afresh under another message id.
    await runtime.store.markLost(
      {
        id,
        queue: 'default',
        attempts: 1,
        claimToken: 'the-worker-that-crashed',
        leaseExpiresAt: '',
      },
      new Date().toISOString(),
      new Date().toISOString(),
      { retryAt: new Date().toISOString() },
    );
    await runtime.store.claim({
      id,
      type: keyedJob.type,
      queue: 'default',
      enqueuedAt: JSON.parse(message.Body!).enqueuedAt,
      maxAttempts: 3,
      leaseExpiresAt: live,
      now: new Date().toISOString(),
      messageId: 'another-message',
      claimToken: 'a-live-worker',
      firstDelivery: false,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: resources.deadLetterIntakes.default!,
        MessageBody: message.Body!,
      }),
    );

    // Act
    const summary = await monitorFor(config, resources).run();

    // Assess: nothing dead-lettered, the live attempt untouched, its key still held
    expect(summary).toMatchObject({ deadLettered: 0 });
    expect(await runtime.store.get(id)).toMatchObject({
      status: JobStatus.RUNNING,
      messageId: 'another-message',
    });
    expect(
      await runtime.keys.holder('account:carried-elsewhere', Math.floor(Date.now() / 1000)),
    ).toBe(id);
    expect(await count(resources.deadLetterIntakes.default!)).toBe(0);
    expect(
      await count(resources.deadLetterIntakes.default!, 'ApproximateNumberOfMessagesNotVisible'),
    ).toBe(0);
  }, 30_000);
});
