import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../config/config-types.ts';
import { resourceEnv } from '../../config/env.ts';
import type { ProvisionedResources } from '../../local/provision-resources.ts';
import { createWorker } from '../../runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbClient } from '../../runtime/adapters/aws/sdk-clients.ts';
import type { QueueMessage } from '../../runtime/dispatcher.ts';
import { defineJob } from '../../runtime/job-definition.ts';
import { newJobId } from '../../runtime/job-id.ts';
import { createRegistry } from '../../runtime/registry.ts';
import { fakeLambdaContext } from '../support/deliver-once.ts';
import { provisionTestResources, testConfig } from '../support/emulated-resources.ts';
import { envelopeBody } from '../support/envelope-body.ts';
import { capturingMetrics, echo, flaky } from '../support/test-jobs.ts';

/**
 * A job that holds the event loop past its own deadline and then succeeds: by the time its
 * outcome is written, its lease is over, so only a conditional write may record it.
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

/** A job that ends at once, but whose lease is only a second long. */
const shortLease = defineJob({
  type: 'short-lease',
  schema: z.object({}),
  timeoutSeconds: 1,
  retries: 0,
  run: () => 'quick',
});

/** One DynamoDB request the worker made that wrote a SUCCESSFUL record. */
interface SuccessWrite {
  readonly command: string;
  readonly ids: readonly string[];
}

const registry = createRegistry([echo, flaky, blocksPastDeadline, longLease, shortLease]);
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let successWrites: SuccessWrite[];
/** When set, the next BatchWriteItem fails before reaching DynamoDB. */
let failNextBatchWrite: boolean;
/** When above 0, the next BatchWriteItem waits this long before it is sent. */
let delayNextBatchWriteMs: number;
const warnings: string[] = [];

/** A string attribute, marshalled (`{ S: 'x' }`) or not (`'x'`), as the middleware sees it. */
const text = (value: unknown) =>
  typeof value === 'string' ? value : (value as { S?: string } | undefined)?.S;
const idOf = (item: Record<string, unknown> | undefined) => text(item?.pk)?.slice('JOB#'.length);

function observedWorker() {
  const dynamodb = createDynamoDbClient();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (context.commandName === 'BatchWriteItemCommand' && failNextBatchWrite) {
        failNextBatchWrite = false;
        throw Object.assign(new Error('Injected: BatchWriteItem failed'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: {},
        });
      }
      if (context.commandName === 'BatchWriteItemCommand' && delayNextBatchWriteMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, delayNextBatchWriteMs));
        delayNextBatchWriteMs = 0;
      }
      const result = await next(args);
      if (context.commandName === 'BatchWriteItemCommand') {
        const requests = Object.values(
          input.RequestItems as Record<string, { PutRequest: { Item: Record<string, unknown> } }[]>,
        ).flat();
        successWrites.push({
          command: 'BatchWriteItem',
          ids: requests.map((r) => idOf(r.PutRequest.Item) ?? '?'),
        });
      }
      const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
      if (
        context.commandName === 'UpdateItemCommand' &&
        text(values?.[':status']) === 'SUCCESSFUL'
      ) {
        successWrites.push({
          command: 'UpdateItem',
          ids: [idOf(input.Key as Record<string, unknown>) ?? '?'],
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
  delayNextBatchWriteMs = 0;
  warnings.length = 0;
});

describe('the successful outcomes of a batch', () => {
  it('are written by one BatchWriteItem, each record as complete as a conditional write leaves it', async () => {
    // Prepare
    const worker = observedWorker();
    const messages = Array.from({ length: 10 }, (_, n) => message('echo', { n }));

    // Act
    const response = await worker.dispatchBatch(messages, fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites).toEqual([
      { command: 'BatchWriteItem', ids: expect.arrayContaining(messages.map((m) => m.id)) },
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
      { command: 'BatchWriteItem', ids: expect.arrayContaining(successes.map((m) => m.id)) },
    ]);
    expect(await worker.runtime.store.get(failing.id)).toMatchObject({
      status: 'RETRYING',
      attempts: 1,
    });
  });

  // With a lost grace of 0, a batch write still unanswered after a second is abandoned.
  it.each([
    [
      'fails',
      () => {
        failNextBatchWrite = true;
      },
    ],
    [
      'outlasts its allowance (a second, with no lost grace)',
      () => {
        delayNextBatchWriteMs = 1_500;
      },
    ],
  ])(
    'fall back to one conditional write each when the batch write %s, losing none',
    async (_case, arrange) => {
      // Prepare
      const worker = observedWorker();
      const messages = Array.from({ length: 4 }, (_, n) => message('echo', { n }));
      arrange();

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(successWrites.map((w) => w.command)).toEqual(Array(4).fill('UpdateItem'));
      expect(warnings).toContain('Batch write of job outcomes failed; writing them one by one');
      for (const m of messages) {
        expect(await worker.runtime.store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
      }
    },
  );

  // With no lost grace, an attempt past its lease could already be LOST, and one whose lease
  // ends within the batch write's allowance (a second) could be by the time the batch lands.
  it.each([
    [
      'past its lease (it held the event loop past its deadline)',
      'blocks-past-deadline',
      'done late',
    ],
    ['whose lease ends within the batch write allowance', 'short-lease', 'quick'],
  ])('leave an attempt %s to the conditional write', async (_case, type, output) => {
    // Prepare
    const worker = observedWorker();
    const onTime = [message('long-lease', { n: 1 }), message('long-lease', { n: 2 })];
    const conditional = message(type, {});

    // Act
    const response = await worker.dispatchBatch([...onTime, conditional], fakeLambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(successWrites).toEqual(
      expect.arrayContaining([
        { command: 'BatchWriteItem', ids: expect.arrayContaining(onTime.map((m) => m.id)) },
        { command: 'UpdateItem', ids: [conditional.id] },
      ]),
    );
    expect(successWrites).toHaveLength(2);
    expect(await worker.runtime.store.get(conditional.id)).toMatchObject({
      status: 'SUCCESSFUL',
      output,
    });
  });
});
