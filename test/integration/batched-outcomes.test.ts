import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import { createDynamoDbClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import type { QueueMessage } from '../../packages/lambda-jobs/src/runtime/dispatcher.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { attributeText } from '../support/attribute-text.ts';
import { fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { envelopeBody } from '../support/envelope-body.ts';
import { capturingMetrics, echo, flaky } from '../support/test-jobs.ts';

/**
 * A job that holds the event loop past its own deadline and then succeeds: by the time its
 * outcome is written, its lease is over. Nobody rescued it, so its outcome still lands.
 */
const blocksPastDeadline = defineJob({
  type: 'blocks-past-deadline',
  schema: z.object({}),
  timeoutSeconds: 1,
  retries: 0,
  run: () => {
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      // Synchronous work the deadline timer cannot interrupt.
    }
    return 'done late';
  },
});

/** A job that ends at once, with a lease long enough for any machine. */
const longLease = defineJob({
  type: 'long-lease',
  schema: z.object({ n: z.number() }),
  timeoutSeconds: 8,
  retries: 0,
  run: ({ n }) => n,
});

/** One DynamoDB request the worker made that wrote (or tried to write) a SUCCESSFUL record. */
interface SuccessWrite {
  readonly command: 'PutItem' | 'UpdateItem';
  readonly id: string;
}

/** A job that reports progress while it runs, then succeeds. */
const reportsProgress = defineJob({
  type: 'reports-progress',
  schema: z.object({}),
  timeoutSeconds: 8,
  retries: 0,
  run: async (_payload, ctx) => {
    await ctx.progress(0.5, 'half way');
    return 'reported';
  },
});

const registry = createRegistry([echo, flaky, blocksPastDeadline, longLease, reportsProgress]);
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let successWrites: SuccessWrite[];
/** The job whose success put fails before reaching DynamoDB, with this error name. */
let failSuccessPutOf: { readonly id: string; readonly name: string } | undefined;
/** Runs once, just before this job's success put is sent (after its job has ended). */
let beforeSuccessPutOf: { readonly id: string; readonly act: () => Promise<void> } | undefined;
const warnings: string[] = [];

const idOf = (item: Record<string, unknown> | undefined) =>
  attributeText(item?.pk)?.slice('JOB#'.length) ?? '?';

/** The write a request is, when it writes a SUCCESSFUL record (claims write RUNNING ones). */
function successWriteOf(commandName: string, input: Record<string, unknown>) {
  if (commandName === 'PutItemCommand') {
    const item = input.Item as Record<string, unknown>;
    return attributeText(item.status) === 'SUCCESSFUL'
      ? { command: 'PutItem' as const, id: idOf(item) }
      : undefined;
  }
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  return commandName === 'UpdateItemCommand' && attributeText(values?.[':status']) === 'SUCCESSFUL'
    ? { command: 'UpdateItem' as const, id: idOf(input.Key as Record<string, unknown>) }
    : undefined;
}

function observedWorker() {
  const dynamodb = createDynamoDbClient();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const write = successWriteOf(
        context.commandName ?? '',
        args.input as Record<string, unknown>,
      );
      if (write) successWrites.push(write);
      if (write?.command === 'PutItem' && failSuccessPutOf?.id === write.id) {
        const { name } = failSuccessPutOf;
        failSuccessPutOf = undefined;
        throw Object.assign(new Error(`Injected: ${name}`), {
          name,
          $fault: 'server',
          $metadata: {},
        });
      }
      if (write?.command === 'PutItem' && beforeSuccessPutOf?.id === write.id) {
        const { act } = beforeSuccessPutOf;
        beforeSuccessPutOf = undefined;
        await act();
      }
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'observeSuccessWrites' },
  );
  const logger = new Logger({ serviceName: 'batched-outcomes', logLevel: 'WARN' });
  logger.warn = ((message: string) => {
    warnings.push(message);
  }) as Logger['warn'];
  return createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    dynamodb,
    logger,
    metricsRecorder: capturingMetrics(),
    // Outcomes wait for the whole batch, however slow this machine is: grouping is exact.
    outcomeLingerMs: 60_000,
  });
}

/** A store on its own client, as the monitor or an operator's CLI would use. */
const otherProcessStore = () =>
  createDynamoDbJobStore({
    client: emulatorClients().dynamodb,
    tableName: resources.tableName,
    retentionSeconds: 3600,
  });

/** A message as SQS would deliver it, for a job of `type`. */
function message(type: string, payload: unknown): QueueMessage & { id: string } {
  const id = newJobId();
  return {
    id,
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: envelopeBody(id, type, payload),
  };
}

beforeAll(async () => {
  config = testConfig({ settings: { JOBS_LOST_GRACE: 0 } });
  resources = await provisionTestResources(config);
});

beforeEach(() => {
  successWrites = [];
  failSuccessPutOf = undefined;
  beforeSuccessPutOf = undefined;
  warnings.length = 0;
});

/** The success writes of each command, by job id. */
const writesOf = (command: SuccessWrite['command']) =>
  successWrites.filter((w) => w.command === command).map((w) => w.id);

describe('the successful outcomes of a batch', () => {
  it('are written together, one conditional put each, each record as complete as a conditional write leaves it', async () => {
    // Prepare
    const worker = observedWorker();
    const messages = Array.from({ length: 10 }, (_, n) => message('echo', { n }));

    // Act
    const response = await worker.dispatchBatch(messages, fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(writesOf('PutItem').sort()).toEqual(messages.map((m) => m.id).sort());
    expect(writesOf('UpdateItem')).toEqual([]);
    const record = await worker.runtime.store.get(messages[3]!.id);
    expect(record).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
      output: { doubled: 6 },
      type: 'echo',
      queue: 'default',
      envelope: messages[3]!.body,
      messageId: messages[3]!.messageId,
    });
    expect(record?.leaseExpiresAt).toBeUndefined();
    expect(Date.parse(record!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(record!.startedAt!));
    const listed = await worker.runtime.store.list({ queue: 'default', status: 'SUCCESSFUL' });
    expect(listed.items.map((r) => r.id)).toEqual(expect.arrayContaining([messages[3]!.id]));
  });

  it('of a lone job is the conditional update, as before grouping', async () => {
    // Prepare
    const worker = observedWorker();
    const only = message('echo', { n: 1 });

    // Act
    await worker.dispatchBatch([only], fakeLambdaContext());

    // Assess
    expect(successWrites).toEqual([{ command: 'UpdateItem', id: only.id }]);
    expect(await worker.runtime.store.get(only.id)).toMatchObject({ status: 'SUCCESSFUL' });
  });

  it('leave a failed attempt to its own conditional write, and group the rest', async () => {
    // Prepare
    const worker = observedWorker();
    const successes = [message('echo', { n: 1 }), message('echo', { n: 2 })];
    const failing = message('flaky', { succeedOnAttempt: 2 });

    // Act
    const response = await worker.dispatchBatch([...successes, failing], fakeLambdaContext());

    // Assess
    // The failed attempt's message was sent again with its backoff; this one is deleted.
    expect(response.batchItemFailures).toEqual([]);
    expect(writesOf('PutItem').sort()).toEqual(successes.map((m) => m.id).sort());
    expect(await worker.runtime.store.get(failing.id)).toMatchObject({
      status: 'RETRYING',
      attempts: 1,
    });
  });

  it.each([
    ['fails', 'InternalServerError'],
    ['is throttled', 'ProvisionedThroughputExceededException'],
  ])(
    'fall back to the conditional update for an outcome whose put %s, and only for it',
    async (_case, name) => {
      // Prepare
      const worker = observedWorker();
      const messages = Array.from({ length: 3 }, (_, n) => message('echo', { n }));
      failSuccessPutOf = { id: messages[1]!.id, name };

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(writesOf('PutItem').sort()).toEqual(messages.map((m) => m.id).sort());
      expect(writesOf('UpdateItem')).toEqual([messages[1]!.id]);
      expect(warnings).toContain(
        'Job outcomes left unwritten by the group write; writing them one by one',
      );
      for (const m of messages) {
        expect(await worker.runtime.store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
      }
    },
  );

  it('keep the progress a job reported while it ran: its outcome is the update, with no put the condition would refuse', async () => {
    // Prepare
    const worker = observedWorker();
    const reporting = message('reports-progress', {});
    const plain = [message('echo', { n: 1 }), message('echo', { n: 2 })];

    // Act
    const response = await worker.dispatchBatch([reporting, ...plain], fakeLambdaContext());

    // Assess: the two others are a group, a put each.
    expect(response.batchItemFailures).toEqual([]);
    expect(writesOf('UpdateItem')).toEqual([reporting.id]);
    expect(writesOf('PutItem').sort()).toEqual(plain.map((m) => m.id).sort());
    expect(await worker.runtime.store.get(reporting.id)).toMatchObject({
      status: 'SUCCESSFUL',
      output: 'reported',
      progress: { fraction: 0.5, note: 'half way', attempt: 1 },
    });
    for (const m of plain) {
      expect(await worker.runtime.store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
    }
    expect(warnings).toEqual([]);
  });

  it('group an attempt past its lease too: its condition, not a timing rule, decides', async () => {
    // Prepare: with no lost grace, the late attempt could be rescued any moment; nobody does.
    const worker = observedWorker();
    const onTime = [message('long-lease', { n: 1 }), message('long-lease', { n: 2 })];
    const late = message('blocks-past-deadline', {});

    // Act
    const response = await worker.dispatchBatch([...onTime, late], fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(writesOf('PutItem').sort()).toEqual([...onTime, late].map((m) => m.id).sort());
    expect(await worker.runtime.store.get(late.id)).toMatchObject({
      status: 'SUCCESSFUL',
      output: 'done late',
    });
  });

  // The rescue (or an operator) moves one record on after its job ended, before its outcome's
  // put lands, as when a CPU-bound job in another lane holds the event loop past lease + grace.
  it.each([
    [
      'marked LOST by the rescue',
      async (store: ReturnType<typeof otherProcessStore>, id: string) => {
        const farFuture = new Date(Date.now() + 3_600_000).toISOString();
        await store.markLost(
          { id, queue: 'default', attempts: 1 },
          farFuture,
          new Date().toISOString(),
        );
      },
      { status: 'LOST' },
    ],
    [
      'marked LOST, requeued by an operator and claimed by a new delivery',
      async (store: ReturnType<typeof otherProcessStore>, id: string) => {
        const farFuture = new Date(Date.now() + 3_600_000).toISOString();
        await store.markLost(
          { id, queue: 'default', attempts: 1 },
          farFuture,
          new Date().toISOString(),
        );
        const requeued = await store.requeue(id, new Date().toISOString());
        await store.claim({
          id,
          type: requeued.type,
          queue: 'default',
          enqueuedAt: requeued.enqueuedAt,
          maxAttempts: requeued.maxAttempts,
          leaseExpiresAt: farFuture,
          now: new Date().toISOString(),
          claimToken: 'the-new-delivery',
          firstDelivery: false,
        });
      },
      { status: 'RUNNING', attempts: 1, claimToken: 'the-new-delivery' },
    ],
  ] as const)(
    'refuse the stale outcome of a job %s meanwhile, and write the others',
    async (_case, moveOn, expected) => {
      // Prepare
      const worker = observedWorker();
      const messages = Array.from({ length: 3 }, (_, n) => message('long-lease', { n }));
      const stale = messages[1]!;
      const store = otherProcessStore();
      beforeSuccessPutOf = { id: stale.id, act: () => moveOn(store, stale.id) };

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess: one put each, nothing written by update; the stale one refused
      expect(writesOf('PutItem').sort()).toEqual(messages.map((m) => m.id).sort());
      expect(writesOf('UpdateItem')).toEqual([]);
      expect(await store.get(stale.id)).toMatchObject(expected);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: stale.messageId }]);
      expect(warnings).toContain('Job record changed while it ran; outcome not recorded');
      for (const m of [messages[0]!, messages[2]!]) {
        expect(await store.get(m.id)).toMatchObject({
          status: 'SUCCESSFUL',
          output: m === messages[0] ? 0 : 2,
        });
      }
    },
  );
});
