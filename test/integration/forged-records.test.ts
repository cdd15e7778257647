import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { DEFAULTS } from '../../packages/lambda-jobs/src/config/defaults.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import type { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import {
  statusIndexPartition,
  statusShardOf,
} from '../../packages/lambda-jobs/src/runtime/status-index-shard.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { envelopeBody } from '../support/envelope-body.ts';
import { capturingMetrics, echo, runs } from '../support/test-jobs.ts';

const { sqs, dynamodb } = emulatorClients();
const doc = DynamoDBDocumentClient.from(dynamodb);
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;

/**
 * A producer's PutItem of a job record: no condition, any values, only the attribute names its
 * IAM policy lets through (TABLE_SCHEMA.producerAttributes.jobRecord); refused here otherwise,
 * as IAM would refuse it.
 */
async function putAsProducer(item: Record<string, unknown>): Promise<void> {
  const allowed: readonly string[] = TABLE_SCHEMA.producerAttributes.jobRecord;
  const foreign = Object.keys(item).filter((name) => !allowed.includes(name));
  if (foreign.length > 0) throw new Error(`IAM refuses attributes ${foreign.join(', ')}`);
  await doc.send(new PutCommand({ TableName: resources.tableName, Item: item }));
}

const forgedItem = (id: string, status: JobStatus) => ({
  pk: `JOB#${id}`,
  gsi1pk: statusIndexPartition('default', status, statusShardOf(id, DEFAULTS.indexShards)),
  gsi1sk: `2020-01-01T00:00:00.000Z#${id}`,
  id,
  type: 'echo',
  queue: 'default',
  status,
  attempts: 1,
  maxAttempts: 1,
  enqueuedAt: '2020-01-01T00:00:00.000Z',
  updatedAt: '2020-01-01T00:00:00.000Z',
  expiresAt: 4_102_444_800,
});

/** What the job below does in the middle of its run: a producer's overwrite of its record. */
let duringRun: (jobId: string) => Promise<void> = async () => {};
const overwrittenWhileRunning = defineJob({
  type: 'overwritten-while-running',
  schema: z.object({}),
  timeoutSeconds: 3,
  retries: 0,
  run: async (_payload, ctx) => {
    runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
    await duringRun(ctx.jobId);
    return { ran: runs.get(ctx.jobId) };
  },
});

beforeAll(async () => {
  config = testConfig();
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry: createRegistry([echo, overwrittenWhileRunning]),
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  });
});

const rawItem = async (id: string) =>
  (
    await doc.send(
      new GetCommand({
        TableName: resources.tableName,
        Key: { pk: `JOB#${id}` },
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('records a producer forged, against the real worker on the emulators', () => {
  it.each(['SUCCESSFUL', 'ERRORED', 'CANCELLED', 'RUNNING'] as const)(
    'runs the real job when a producer wrote a %s record for its id beforehand',
    async (status) => {
      // Prepare: the forgery first, then the job itself through the ordinary client.
      const id = newJobId();
      await putAsProducer(forgedItem(id, status));

      // Act
      await worker.runtime.client.enqueue(echo, { n: 4 }, { id });
      await deliverOnce(sqs, resources.queues.default!.url, worker.handler, { waitSeconds: 0 });

      // Assess
      expect(runs.get(id)).toBe(1);
      expect(await worker.runtime.store.get(id)).toMatchObject({
        status: 'SUCCESSFUL',
        attempts: 1,
        output: { doubled: 8 },
      });
      expect((await rawItem(id))?.[TABLE_SCHEMA.trustedAttribute]).toBe(true);
    },
  );

  it('ends truthful when a producer overwrites the record of a running job with a QUEUED one', async () => {
    // Prepare
    const id = newJobId();
    duringRun = async (jobId) => {
      if (jobId === id && runs.get(id) === 1) await putAsProducer(forgedItem(id, 'QUEUED'));
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: resources.queues.default!.url,
        MessageBody: envelopeBody(id, 'overwritten-while-running', {}),
      }),
    );

    // Act: the first delivery's outcome is refused (the record is no longer the worker's),
    // so its message is kept; once visible again, the next delivery runs the job afresh.
    const first = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 0,
    });
    const afterFirst = await worker.runtime.store.get(id);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: resources.queues.default!.url,
        ReceiptHandle: first.received[0]!.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler, { waitSeconds: 0 });

    // Assess
    expect(first.response?.batchItemFailures).toEqual([
      { itemIdentifier: first.received[0]!.messageId },
    ]);
    expect(afterFirst?.status).toBe('QUEUED');
    expect(runs.get(id)).toBe(2);
    expect(await worker.runtime.store.get(id)).toMatchObject({
      status: 'SUCCESSFUL',
      type: 'overwritten-while-running',
      attempts: 1,
      output: { ran: 2 },
    });
    expect((await rawItem(id))?.[TABLE_SCHEMA.trustedAttribute]).toBe(true);
  });
});
