/**
 * The two message features together on the emulators: a payload too large for a message,
 * enqueued to a FIFO queue, goes through S3 and keeps its message group and deduplication id;
 * its retry keeps the message (FIFO) and reads the object again; the job runs with the payload
 * as sent, in its group's order. On a standard queue, a large payload's tenant (fair queues)
 * stays with the job when its message is sent again, though the message carries only the
 * payload's reference.
 */
import { ReceiveMessageCommand, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { parseEnvelope } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { DeferJobError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { sqsRecordOf } from '../support/receive-records.ts';
import { createRecordingSqsClient } from '../support/recording-sqs-client.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

const { sqs } = emulatorClients();
/** Each run: the job, its attempt and the rows its payload held. */
const runs: { id: string; attempt: number; rows: number }[] = [];

const importRows = defineJob({
  type: 'import-rows',
  queue: 'ordered',
  schema: z.object({ account: z.string(), rows: z.array(z.string()) }),
  timeoutSeconds: 5,
  retries: 1,
  retryDelay: { kind: 'fixed', seconds: 0 },
  groupKey: (payload) => `account-${payload.account}`,
  run: (payload, ctx) => {
    runs.push({ id: ctx.jobId, attempt: ctx.attempt, rows: payload.rows.length });
    if (ctx.attempt === 1) throw new Error('first attempt fails');
  },
});

/** A tenant-keyed job on the standard queue that defers its first attempt. */
const tenantImport = defineJob({
  type: 'tenant-import',
  schema: z.object({ tenant: z.string(), rows: z.array(z.string()) }),
  timeoutSeconds: 5,
  tenantKey: (payload) => payload.tenant,
  run: (payload, ctx) => {
    runs.push({ id: ctx.jobId, attempt: ctx.attempt, rows: payload.rows.length });
    if (!runs.some((run) => run.id === ctx.jobId && run.rows === -1)) {
      runs.push({ id: ctx.jobId, attempt: ctx.attempt, rows: -1 });
      throw new DeferJobError(0, 'not yet');
    }
  },
});

/** SendMessage requests the standard queue's worker made. */
const sentRequests: SendMessageCommandInput[] = [];

let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
let standardWorker: ReturnType<typeof createWorker>;

/** About `kib` KiB of rows. */
const rows = (kib: number) => Array.from({ length: kib }, (_, i) => `${i}:${'x'.repeat(1018)}`);

/** One receive of the FIFO queue, as the event source hands it to the worker. */
async function receiveBatch(): Promise<SQSRecord[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: resources.queues.ordered!.url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages.map(sqsRecordOf);
}

beforeAll(async () => {
  config = testConfig({
    largePayloads: { enabled: true },
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
    registry: createRegistry([importRows, tenantImport]),
    config,
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  };
  worker = createWorker({ ...common, queueName: 'ordered' });
  const recordingSqs = createRecordingSqsClient(sentRequests);
  standardWorker = createWorker({ ...common, queueName: 'default', sqs: recordingSqs });
});

describe('a large payload on a FIFO queue', () => {
  it('is sent as a reference with its group and the job id as deduplication id, retried from the kept message, and run with the payload as sent', async () => {
    // Prepare and act: 300 KiB of rows, over the threshold.
    const id = (await worker.runtime.client.enqueue(importRows, {
      account: 'a1',
      rows: rows(300),
    }))!;
    const first = await receiveBatch();
    const firstAnswer = await worker.handler(
      { Records: first },
      // biome-ignore lint/suspicious/noExplicitAny: the worker reads only the remaining time
      { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r1' } as any,
    );

    // Assess the message: a reference, the job's group, the job id as deduplication id.
    expect(first).toHaveLength(1);
    const envelope = parseEnvelope(first[0]!.body);
    expect(envelope).toMatchObject({ id, payloadRef: { bytes: expect.any(Number) } });
    expect('payload' in envelope).toBe(false);
    expect(first[0]!.attributes).toMatchObject({
      MessageGroupId: 'account-a1',
      MessageDeduplicationId: id,
    });
    // The failed first attempt keeps its message (FIFO), to be received again.
    expect(firstAnswer.batchItemFailures).toEqual([{ itemIdentifier: first[0]!.messageId }]);

    // Act: the retry, from the same message, reads the object again.
    let second: SQSRecord[] = [];
    for (let i = 0; i < 20 && second.length === 0; i++) {
      second = await receiveBatch();
      if (second.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const secondAnswer = await worker.handler(
      { Records: second },
      // biome-ignore lint/suspicious/noExplicitAny: the worker reads only the remaining time
      { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r2' } as any,
    );

    // Assess: the same message, both attempts with the whole payload, the job SUCCESSFUL.
    expect(second.map((record) => record.messageId)).toEqual([first[0]!.messageId]);
    expect(secondAnswer.batchItemFailures).toEqual([]);
    expect(runs.filter((run) => run.id === id)).toEqual([
      { id, attempt: 1, rows: 300 },
      { id, attempt: 2, rows: 300 },
    ]);
    const record = await worker.runtime.store.get(id);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', messageGroup: 'account-a1' });
  });
});

describe('a large payload on a standard queue with a tenant key', () => {
  it('keeps its tenant as MessageGroupId when its message is sent again, read from the stored payload', async () => {
    // Prepare: 300 KiB of rows for tenant acme (the emulator hands the message back without
    // its MessageGroupId, as a delivery without the attribute would come).
    sentRequests.length = 0;
    const id = (await standardWorker.runtime.client.enqueue(tenantImport, {
      tenant: 'acme',
      rows: rows(300),
    }))!;

    // Act: the first attempt defers, so the worker sends the message on.
    await deliverOnce(sqs, resources.queues.default!.url, standardWorker.handler, {
      waitSeconds: 0,
    });

    // Assess: the enqueue and the re-send both name the tenant; the re-send carries the
    // reference, not the payload.
    const sends = sentRequests.filter((input) => parseEnvelope(input.MessageBody!).id === id);
    expect(sends).toHaveLength(2);
    expect(sends.map((input) => input.MessageGroupId)).toEqual(['acme', 'acme']);
    expect(parseEnvelope(sends[1]!.MessageBody!)).toMatchObject({
      payloadRef: { bytes: expect.any(Number) },
    });
  });
});
