import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createSqsQueueDepthSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-sqs.ts';
import { createSqsQueueAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-admin.ts';
import { redriveDeadLetters } from '../../packages/lambda-jobs/src/runtime/admin/dead-letter-redrive.ts';
import {
  JobInputError,
  UnrecoverableJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce, fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { sqsRecordOf } from '../support/receive-records.ts';
import { createRecordingSqsClient } from '../support/recording-sqs-client.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

const { sqs } = emulatorClients();

/** The order steps ran in, as `group:step`. */
const ran: string[] = [];
/** Steps that fail until a test lets them through. */
const failing = new Set<string>();

const orderedStep = defineJob({
  type: 'ordered-step',
  queue: 'ordered',
  schema: z.object({ account: z.string(), step: z.number().int() }),
  timeoutSeconds: 3,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 30 },
  groupKey: (payload) => `account-${payload.account}`,
  run: (payload) => {
    const name = `${payload.account}:${payload.step}`;
    ran.push(name);
    if (failing.has(name)) throw new Error(`step ${name} failed`);
  },
});

const refusedStep = defineJob({
  type: 'refused-step',
  queue: 'ordered',
  schema: z.object({ account: z.string() }),
  timeoutSeconds: 3,
  groupKey: (payload) => `account-${payload.account}`,
  run: (payload) => {
    ran.push(`refused:${payload.account}`);
    if (failing.has(`refused:${payload.account}`)) throw new UnrecoverableJobError('refused');
  },
});

const typeGrouped = defineJob({
  type: 'type-grouped',
  queue: 'ordered',
  schema: z.object({}),
  timeoutSeconds: 3,
  run: () => {},
});

const tenantJob = defineJob({
  type: 'tenant-job',
  schema: z.object({ tenant: z.string() }),
  timeoutSeconds: 3,
  tenantKey: (payload) => payload.tenant,
  run: (payload) => {
    ran.push(`tenant:${payload.tenant}`);
  },
});

const registry = createRegistry([orderedStep, refusedStep, typeGrouped, tenantJob]);

let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
let standardWorker: ReturnType<typeof createWorker>;
/** SendMessage requests the standard queue's worker made. */
const sentRequests: SendMessageCommandInput[] = [];

function orderedUrls() {
  return resources.queues.ordered!;
}

async function receiveAll(url: string) {
  const result = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return result.Messages ?? [];
}

/** Receives and deletes `count` messages, in the order the emulator releases each group's. */
async function takeInGroupOrder(url: string, count: number): Promise<SQSRecord[]> {
  const taken: SQSRecord[] = [];
  for (let i = 0; i < 4 * count && taken.length < count; i++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const m of Messages) {
      taken.push(sqsRecordOf(m));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return taken;
}

async function messagesIn(url: string): Promise<number> {
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

beforeAll(async () => {
  config = testConfig({
    queues: {
      default: { batchSize: 10, functionTimeoutSeconds: 10, visibilityTimeoutSeconds: 60 },
      ordered: {
        fifo: true,
        batchSize: 10,
        functionTimeoutSeconds: 10,
        visibilityTimeoutSeconds: 60,
      },
    },
  });
  resources = await provisionTestResources(config);
  const common = {
    registry,
    config,
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  };
  worker = createWorker({ ...common, queueName: 'ordered' });
  const recordingSqs = createRecordingSqsClient(sentRequests);
  standardWorker = createWorker({ ...common, queueName: 'default', sqs: recordingSqs });
});

describe('FIFO queues on the emulator', () => {
  it('creates the queue, its intake and its DLQ as FIFO queues without content-based deduplication', async () => {
    expect(orderedUrls().url).toMatch(/-ordered\.fifo$/);
    expect(orderedUrls().dlqUrl).toMatch(/-ordered-dlq\.fifo$/);
    for (const url of [
      orderedUrls().url,
      orderedUrls().dlqUrl,
      resources.deadLetterIntakes.ordered!,
    ]) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
      );
      expect(Attributes?.FifoQueue).toBe('true');
      expect(Attributes?.ContentBasedDeduplication).toBe('false');
    }
  });

  it('keeps a group in order when a middle record fails: the later records of its group come back without running, other groups run', async () => {
    ran.length = 0;
    failing.clear();
    failing.add('a:2');
    const client = worker.runtime.client;
    const ids: Record<string, string> = {};
    for (const [account, step] of [
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['a', 3],
      ['b', 2],
    ] as const) {
      ids[`${account}:${step}`] = (await client.enqueue(orderedStep, { account, step }))!;
    }
    // SQS hands a FIFO batch up to 10 messages, each group's in order; the emulator hands one
    // message per group per receive. So the messages are taken off the queue one by one (the
    // group order the emulator keeps) and handed to the worker as the one batch SQS would give.
    const batch = await takeInGroupOrder(orderedUrls().url, 5);
    expect(batch.map((r) => r.attributes.MessageGroupId).sort()).toEqual([
      'account-a',
      'account-a',
      'account-a',
      'account-b',
      'account-b',
    ]);
    const response = await worker.handler({ Records: batch }, fakeLambdaContext());
    // a:3 never ran: it is behind a:2 in its group; group b ran whole.
    expect(ran.filter((name) => name.startsWith('a:'))).toEqual(['a:1', 'a:2']);
    expect(ran.filter((name) => name.startsWith('b:'))).toEqual(['b:1', 'b:2']);
    const messageOf = (name: string) =>
      batch.find((r) => JSON.parse(r.body).id === ids[name])!.messageId;
    expect(new Set(response.batchItemFailures.map((f) => f.itemIdentifier))).toEqual(
      new Set([messageOf('a:2'), messageOf('a:3')]),
    );
    const store = worker.runtime.store;
    expect(await store.get(ids['a:1']!)).toMatchObject({
      status: 'SUCCESSFUL',
      messageGroup: 'account-a',
    });
    expect((await store.get(ids['a:2']!))?.status).toBe('RETRYING');
    expect(await store.get(ids['a:3']!)).toMatchObject({
      status: 'QUEUED',
      messageGroup: 'account-a',
    });
    expect((await store.get(ids['b:2']!))?.status).toBe('SUCCESSFUL');
    // The retry keeps its message (hidden until due): no copy was sent behind a:3.
    expect(await messagesIn(orderedUrls().url)).toBe(0);
  });

  it('sends the job id as deduplication id: a second enqueue with the same id within the window is one message', async () => {
    const client = worker.runtime.client;
    const id = `dedup-${Date.now()}`;
    await client.enqueue(typeGrouped, {}, { id });
    await client.enqueue(typeGrouped, {}, { id });
    const messages = (await receiveAll(orderedUrls().url)).filter(
      (m) => JSON.parse(m.Body ?? '{}').id === id,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]!.Attributes?.MessageDeduplicationId).toBe(id);
    // No groupKey: the job type is the group.
    expect(messages[0]!.Attributes?.MessageGroupId).toBe('type-grouped');
  });

  it('refuses a delay on a FIFO queue without a scheduler, naming the field', async () => {
    await expect(
      worker.runtime.client.enqueue(typeGrouped, {}, { delay: 30 }),
    ).rejects.toMatchObject({ name: 'JobInputError', field: 'delay' });
  });

  it('dead-letters to the FIFO DLQ in the job group and redrives back into the same group', async () => {
    ran.length = 0;
    failing.clear();
    failing.add('refused:z');
    const id = (await worker.runtime.client.enqueue(refusedStep, { account: 'z' }))!;
    for (let i = 0; i < 5 && (await worker.runtime.store.get(id))?.status !== 'ERRORED'; i++) {
      await deliverOnce(sqs, orderedUrls().url, worker.handler, { waitSeconds: 0 });
    }
    expect((await worker.runtime.store.get(id))?.status).toBe('ERRORED');
    const dead = (await receiveAll(orderedUrls().dlqUrl)).find(
      (m) => JSON.parse(m.Body ?? '{}').id === id,
    );
    expect(dead?.Attributes?.MessageGroupId).toBe('account-z');
    expect(dead?.Attributes?.MessageDeduplicationId).not.toBe(id);

    failing.clear();
    const report = await redriveDeadLetters(
      {
        store: worker.runtime.store,
        transport: worker.runtime.transport,
        keys: worker.runtime.keys,
        messages: createSqsQueueAdmin(sqs, { receiveWaitSeconds: 0 }),
        depth: createSqsQueueDepthSource(sqs),
        registry,
      },
      { name: 'ordered', ...orderedUrls() },
      { jobIds: [id] },
    );
    expect(report.moved).toBe(1);
    const back = (await receiveAll(orderedUrls().url)).find(
      (m) => JSON.parse(m.Body ?? '{}').id === id,
    );
    expect(back?.Attributes?.MessageGroupId).toBe('account-z');
    for (let i = 0; i < 5 && (await worker.runtime.store.get(id))?.status !== 'SUCCESSFUL'; i++) {
      await deliverOnce(sqs, orderedUrls().url, worker.handler, { waitSeconds: 0 });
    }
    expect((await worker.runtime.store.get(id))?.status).toBe('SUCCESSFUL');
  });
});

describe('fair queues: tenantKey on a standard queue', () => {
  it('sends the tenant as MessageGroupId', async () => {
    sentRequests.length = 0;
    const id = (await standardWorker.runtime.client.enqueue(tenantJob, { tenant: 'acme-42' }))!;
    // The emulator keeps no group on a standard queue: the request SQS received is checked.
    const sent = sentRequests.find((input) => JSON.parse(input.MessageBody ?? '{}').id === id);
    expect(sent?.MessageGroupId).toBe('acme-42');
    expect(sent?.MessageDeduplicationId).toBeUndefined();
    await deliverOnce(sqs, resources.queues.default!.url, standardWorker.handler, {
      waitSeconds: 0,
    });
    expect(await standardWorker.runtime.store.get(id)).toMatchObject({
      status: 'SUCCESSFUL',
      messageGroup: 'acme-42',
    });
  });

  it('refuses a tenant key SQS would refuse, naming the field and the limit', async () => {
    const client = standardWorker.runtime.client;
    const tooLong = client.enqueue(tenantJob, { tenant: 't'.repeat(129) });
    await expect(tooLong).rejects.toBeInstanceOf(JobInputError);
    await expect(tooLong).rejects.toMatchObject({ field: 'tenantKey' });
    await expect(client.enqueue(tenantJob, { tenant: 'with space' })).rejects.toMatchObject({
      field: 'tenantKey',
    });
  });
});
