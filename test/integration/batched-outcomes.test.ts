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
  readonly command: 'BatchExecuteStatement' | 'BatchWriteItem' | 'UpdateItem';
  readonly ids: readonly string[];
}

const registry = createRegistry([echo, flaky, blocksPastDeadline, longLease]);
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let successWrites: SuccessWrite[];
/** When set, the next batch write fails before reaching DynamoDB. */
let failNextBatchWrite: boolean;
/** When set, the next batch write answers this job's statement as throttled, unsent. */
let throttleInNextBatch: string | undefined;
/** Runs once, just before the next batch write is sent (after the jobs in it have ended). */
let beforeNextBatchWrite: (() => Promise<void>) | undefined;
const warnings: string[] = [];

/** A string attribute, marshalled (`{ S: 'x' }`) or not (`'x'`), as the middleware sees it. */
const text = (value: unknown) =>
  typeof value === 'string' ? value : (value as { S?: string } | undefined)?.S;
const idOf = (item: Record<string, unknown> | undefined) => text(item?.pk)?.slice('JOB#'.length);

interface Statement {
  readonly Statement?: string;
  readonly Parameters?: unknown[];
}
/** The job a PartiQL statement is about: its `JOB#…` parameter. */
const idOfStatement = (statement: Statement) =>
  statement.Parameters?.map(text)
    .find((p) => p?.startsWith('JOB#'))
    ?.slice('JOB#'.length);

/** The ids a batch write (either kind) names. */
function batchIds(commandName: string, input: Record<string, unknown>): string[] {
  if (commandName === 'BatchExecuteStatementCommand') {
    return ((input.Statements ?? []) as Statement[]).map((s) => idOfStatement(s) ?? '?');
  }
  const requests = Object.values(
    input.RequestItems as Record<string, { PutRequest: { Item: Record<string, unknown> } }[]>,
  ).flat();
  return requests.map((r) => idOf(r.PutRequest.Item) ?? '?');
}

/**
 * A batch of first-delivery claims (`claimMany`), not of outcomes: the claims write RUNNING
 * records, and this test is about the outcomes.
 */
const isClaimBatch = (input: Record<string, unknown>) =>
  ((input.Statements ?? []) as Statement[]).every(
    (s) => s.Statement?.startsWith('INSERT') || s.Statement?.endsWith('IS MISSING'),
  );

/**
 * The batch write, and the unconditional BatchWriteItem it replaced (so that the stale cases
 * below can be run against that path, where they fail).
 */
const BATCH_WRITES = new Set(['BatchExecuteStatementCommand', 'BatchWriteItemCommand']);

function observedWorker() {
  const dynamodb = createDynamoDbClient();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const commandName = context.commandName ?? '';
      let input = args.input as Record<string, unknown>;
      const batch = BATCH_WRITES.has(commandName) && !isClaimBatch(input);
      if (batch && failNextBatchWrite) {
        failNextBatchWrite = false;
        throw Object.assign(new Error('Injected: the batch write failed'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: {},
        });
      }
      if (batch && beforeNextBatchWrite) {
        const act = beforeNextBatchWrite;
        beforeNextBatchWrite = undefined;
        await act();
      }
      let throttledAt = -1;
      if (commandName === 'BatchExecuteStatementCommand' && batch && throttleInNextBatch) {
        const statements = input.Statements as Statement[];
        throttledAt = statements.findIndex((s) => idOfStatement(s) === throttleInNextBatch);
        throttleInNextBatch = undefined;
        input = { ...input, Statements: statements.filter((_, i) => i !== throttledAt) };
      }
      if (batch)
        successWrites.push({
          command: commandName.replace(/Command$/, '') as SuccessWrite['command'],
          ids: batchIds(commandName, input),
        });
      const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
      if (commandName === 'UpdateItemCommand' && text(values?.[':status']) === 'SUCCESSFUL') {
        successWrites.push({
          command: 'UpdateItem',
          ids: [idOf(input.Key as Record<string, unknown>) ?? '?'],
        });
      }
      const result = await next({ ...args, input: input as typeof args.input });
      if (throttledAt >= 0) {
        const output = result.output as { Responses?: unknown[] };
        output.Responses?.splice(throttledAt, 0, {
          Error: { Code: 'ThrottlingError', Message: 'Injected: throughput exceeded' },
        });
      }
      return result;
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
  failNextBatchWrite = false;
  throttleInNextBatch = undefined;
  beforeNextBatchWrite = undefined;
  warnings.length = 0;
});

describe('the successful outcomes of a batch', () => {
  it('are written by one BatchExecuteStatement, each record as complete as a conditional write leaves it', async () => {
    // Prepare
    const worker = observedWorker();
    const messages = Array.from({ length: 10 }, (_, n) => message('echo', { n }));

    // Act
    const response = await worker.dispatchBatch(messages, fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites).toEqual([
      { command: 'BatchExecuteStatement', ids: expect.arrayContaining(messages.map((m) => m.id)) },
    ]);
    expect(successWrites[0]?.ids).toHaveLength(10);
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

  it('of a lone job is the conditional write, as before batching', async () => {
    // Prepare
    const worker = observedWorker();
    const only = message('echo', { n: 1 });

    // Act
    await worker.dispatchBatch([only], fakeLambdaContext());

    // Assess
    expect(successWrites).toEqual([{ command: 'UpdateItem', ids: [only.id] }]);
    expect(await worker.runtime.store.get(only.id)).toMatchObject({ status: 'SUCCESSFUL' });
  });

  it('leave a failed attempt to its own conditional write, and batch the rest', async () => {
    // Prepare
    const worker = observedWorker();
    const successes = [message('echo', { n: 1 }), message('echo', { n: 2 })];
    const failing = message('flaky', { succeedOnAttempt: 2 });

    // Act
    const response = await worker.dispatchBatch([...successes, failing], fakeLambdaContext());

    // Assess
    // The failed attempt's message was sent again with its backoff; this one is deleted.
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites).toEqual([
      { command: 'BatchExecuteStatement', ids: expect.arrayContaining(successes.map((m) => m.id)) },
    ]);
    expect(await worker.runtime.store.get(failing.id)).toMatchObject({
      status: 'RETRYING',
      attempts: 1,
    });
  });

  it('fall back to one conditional write each when the batch write fails, losing none', async () => {
    // Prepare
    const worker = observedWorker();
    const messages = Array.from({ length: 4 }, (_, n) => message('echo', { n }));
    failNextBatchWrite = true;

    // Act
    const response = await worker.dispatchBatch(messages, fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites.map((w) => w.command)).toEqual(Array(4).fill('UpdateItem'));
    expect(warnings).toContain('Batch write of job outcomes failed; writing them one by one');
    for (const m of messages) {
      expect(await worker.runtime.store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
    }
  });

  it('fall back to the conditional write for a statement answered as throttled, and only for it', async () => {
    // Prepare
    const worker = observedWorker();
    const messages = Array.from({ length: 3 }, (_, n) => message('echo', { n }));
    throttleInNextBatch = messages[1]!.id;

    // Act
    const response = await worker.dispatchBatch(messages, fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites).toEqual([
      {
        command: 'BatchExecuteStatement',
        ids: expect.arrayContaining([messages[0]!.id, messages[2]!.id]),
      },
      { command: 'UpdateItem', ids: [messages[1]!.id] },
    ]);
    expect(warnings).toContain(
      'Job outcomes left unwritten by the batch write; writing them one by one',
    );
    for (const m of messages) {
      expect(await worker.runtime.store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
    }
  });

  it('batch an attempt past its lease too: its condition, not a timing rule, decides', async () => {
    // Prepare: with no lost grace, the late attempt could be rescued any moment; nobody does.
    const worker = observedWorker();
    const onTime = [message('long-lease', { n: 1 }), message('long-lease', { n: 2 })];
    const late = message('blocks-past-deadline', {});

    // Act
    const response = await worker.dispatchBatch([...onTime, late], fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites).toEqual([
      {
        command: 'BatchExecuteStatement',
        ids: expect.arrayContaining([...onTime, late].map((m) => m.id)),
      },
    ]);
    expect(await worker.runtime.store.get(late.id)).toMatchObject({
      status: 'SUCCESSFUL',
      output: 'done late',
    });
  });

  // The rescue (or an operator) moves one record on after its job ended, before the batch write
  // lands, as when a CPU-bound job in another lane holds the event loop past lease + grace.
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
      beforeNextBatchWrite = () => moveOn(store, stale.id);

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess: one batch write, nothing written one by one; the stale item refused
      expect(successWrites).toEqual([
        { command: expect.any(String), ids: expect.arrayContaining(messages.map((m) => m.id)) },
      ]);
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
