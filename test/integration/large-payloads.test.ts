import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { toJobView } from '../../packages/lambda-jobs/src/local/dashboard/job-view.ts';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { runAbortHook } from '../../packages/lambda-jobs/src/runtime/abort-hook.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsJobsAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-jobs-admin.ts';
import { createS3PayloadReader } from '../../packages/lambda-jobs/src/runtime/adapters/aws/s3-payload-reader.ts';
import {
  ENVELOPE_VERSION,
  parseEnvelope,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import {
  JobInputError,
  UnrecoverableJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import { payloadObjectKey } from '../../packages/lambda-jobs/src/runtime/payload-reference.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { captureJsonOutput, testLogger } from '../monitor/monitor-test-kit.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { leaveAttemptRunning } from '../support/lost-attempts.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/**
 * Large payloads through S3 (the claim check) on fauxqs, which serves SQS and S3 on one
 * endpoint: the producer puts the object before the message, the worker reads it back before
 * the schema, retries carry the reference, and a reference the worker cannot or must not read
 * becomes an ERRORED record naming the bucket and key, with the message in the DLQ.
 */

const { sqs } = emulatorClients();
const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3!, forcePathStyle: true });
const seen = new Map<string, { attempt: number; rows: number; first: string }[]>();
/** `onAborted` calls: the rows of the payload the hook received (undefined: no payload). */
const abortedWith = new Map<string, number | undefined>();
/** Jobs whose next attempt fails for good (then the DLQ, then a redrive). */
const failForGood = new Set<string>();

const bulk = defineJob({
  type: 'bulk',
  schema: z.object({ rows: z.array(z.string()), failUntilAttempt: z.number().int() }),
  timeoutSeconds: 5,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 0 },
  run: (payload, ctx) => {
    const list = seen.get(ctx.jobId) ?? [];
    list.push({ attempt: ctx.attempt, rows: payload.rows.length, first: payload.rows[0] ?? '' });
    seen.set(ctx.jobId, list);
    if (failForGood.delete(ctx.jobId)) throw new UnrecoverableJobError('not this time');
    if (ctx.attempt < payload.failUntilAttempt) throw new Error(`boom on ${ctx.attempt}`);
    return { rows: payload.rows.length };
  },
  onAborted: (payload, { record }) => {
    abortedWith.set(record.id, payload?.rows.length);
  },
});

/** A type whose log lines show its payload (`exposePayload`). */
const shown = defineJob({
  type: 'shown',
  schema: z.object({ rows: z.array(z.string()) }),
  timeoutSeconds: 5,
  exposePayload: true,
  run: (payload) => ({ rows: payload.rows.length }),
});

const registry = createRegistry([bulk, shown]);
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;

/** About `kib` KiB of payload: 1 KiB rows. */
function rows(kib: number): string[] {
  return Array.from({ length: kib }, (_, i) => `${i}:${'x'.repeat(1018)}`);
}

async function visible(url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const { received } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 0,
    });
    if (received.length === 0) return;
  }
}

async function dlqBodies(): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queues.default!.dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
      }),
    );
    if (!Messages?.length) break;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}

/** A message naming `payloadRef` as a producer in any language could write it. */
function referenceBody(id: string, payloadRef: Record<string, unknown>): string {
  return serializeEnvelope({
    version: ENVELOPE_VERSION,
    id,
    type: 'bulk',
    queue: 'default',
    enqueuedAt: new Date().toISOString(),
    payloadRef,
  } as unknown as Parameters<typeof serializeEnvelope>[0]);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

beforeAll(async () => {
  config = testConfig({ largePayloads: { enabled: true } });
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  });
});

describe('large payloads through S3 on the emulators', () => {
  it('puts a payload over the threshold in the bucket, sends a reference, and runs the job with the payload as sent; the record keeps the reference', async () => {
    // Prepare: 300 KiB of rows, over the 255 KiB threshold and SQS's 256 KiB.
    const payload = { rows: rows(300), failUntilAttempt: 0 };

    // Act
    const id = (await worker.runtime.client.enqueue(bulk, payload))!;
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.queues.default!.url, VisibilityTimeout: 0 }),
    );
    await drain();

    // Assess: the message is small and names the object; the object is the payload's JSON.
    const body = Messages![0]!.Body!;
    expect(Buffer.byteLength(body)).toBeLessThan(1024);
    const { payloadRef } = parseEnvelope(body);
    const json = JSON.stringify(payload);
    expect(payloadRef).toEqual({
      bucket: resources.payloadBucket,
      key: payloadObjectKey(id, sha256(json)),
      bytes: Buffer.byteLength(json),
      sha256: sha256(json),
    });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: payloadRef!.bucket, Key: payloadRef!.key }),
    );
    expect(await object.Body!.transformToString()).toBe(json);
    expect(seen.get(id)).toEqual([{ attempt: 1, rows: 300, first: payload.rows[0] }]);
    const record = await worker.runtime.store.get(id);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', output: { rows: 300 } });
    expect(parseEnvelope(record!.envelope!).payloadRef).toEqual(payloadRef);
    // `jobs show` and the dashboard: the size and where it lives.
    expect(toJobView(record!, registry).storedPayload).toEqual({
      bytes: payloadRef!.bytes,
      location: `s3://${payloadRef!.bucket}/${payloadRef!.key}`,
    });
  });

  it('gives onAborted the payload from S3, on redelivery after a lost attempt and from the record kept', async () => {
    // Prepare: the job's message waits; its record says RUNNING, leased long ago (the worker died).
    const id = (await worker.runtime.client.enqueue(bulk, {
      rows: rows(260),
      failUntilAttempt: 0,
    }))!;
    const queued = await worker.runtime.store.get(id);
    await leaveAttemptRunning(worker.runtime.store, {
      id,
      type: 'bulk',
      queue: 'default',
      maxAttempts: 3,
      body: queued!.envelope!,
      key: `bulk:${id}`,
    });

    // Act: the redelivery finds the lost attempt, runs onAborted, then the retry.
    await drain();

    // Assess
    expect(abortedWith.get(id)).toBe(260);
    expect(seen.get(id)).toEqual([{ attempt: 2, rows: 260, first: expect.any(String) }]);
    // The monitor's rescue and `jobs cancel` run the hook from the record's kept envelope.
    abortedWith.delete(id);
    const record = (await worker.runtime.store.get(id))!;
    const logger = { error: () => {} } as unknown as Parameters<typeof runAbortHook>[2];
    await runAbortHook(bulk, record, logger, undefined, worker.runtime.payloads);
    expect(abortedWith.get(id)).toBe(260);
  });

  it('gives onAborted the payload from S3 when a waiting job is cancelled', async () => {
    const id = (await worker.runtime.client.enqueue(
      bulk,
      { rows: rows(265), failUntilAttempt: 0 },
      { delay: 600 },
    ))!;
    const cancelled = await worker.runtime.client.cancel(id);
    expect(cancelled.status).toBe('CANCELLED');
    expect(abortedWith.get(id)).toBe(265);
  });

  it('redrives a dead-lettered job with its reference: it runs with the payload from S3', async () => {
    // Prepare: the first attempt fails for good; the message goes to the DLQ.
    const id = (await worker.runtime.client.enqueue(bulk, {
      rows: rows(270),
      failUntilAttempt: 0,
    }))!;
    failForGood.add(id);
    await drain();
    expect(await worker.runtime.store.get(id)).toMatchObject({ status: 'ERRORED' });
    const admin = createAwsJobsAdmin({
      registry,
      config,
      env: resourceEnv(resources),
      sqs,
      dynamodb: emulatorClients().dynamodb,
      receiveWaitSeconds: 0,
      oldestAge: createEmulatorOldestAgeSource(),
    });

    // Act
    await admin.dlqRedrive('default', { type: 'bulk' });
    await drain();

    // Assess
    expect(seen.get(id)?.map((r) => r.rows)).toEqual([270, 270]);
    expect(await worker.runtime.store.get(id)).toMatchObject({ status: 'SUCCESSFUL' });
  });

  it('keeps small payloads inline: no object, no reference', async () => {
    const id = (await worker.runtime.client.enqueue(bulk, { rows: ['a'], failUntilAttempt: 0 }))!;
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.queues.default!.url, VisibilityTimeout: 0 }),
    );
    await drain();
    const envelope = parseEnvelope(Messages![0]!.Body!);
    expect(envelope.payloadRef).toBeUndefined();
    expect(envelope.payload).toEqual({ rows: ['a'], failUntilAttempt: 0 });
    expect(seen.get(id)).toHaveLength(1);
  });

  it('retries with the reference: each attempt reads the same payload', async () => {
    const payload = { rows: rows(280), failUntilAttempt: 2 };
    const id = (await worker.runtime.client.enqueue(bulk, payload))!;
    await drain();
    expect(seen.get(id)).toEqual([
      { attempt: 1, rows: 280, first: payload.rows[0] },
      { attempt: 2, rows: 280, first: payload.rows[0] },
    ]);
    expect(await worker.runtime.store.get(id)).toMatchObject({ status: 'SUCCESSFUL', attempts: 2 });
  });

  it('refuses a payload over largePayloads.maxBytes before anything is sent or stored', async () => {
    // Prepare: a client whose limit is 400 KiB.
    const small = createWorker({
      registry,
      config: testConfig({ largePayloads: { enabled: true, maxBytes: 409_600 } }),
      queueName: 'default',
      env: resourceEnv(resources),
      metricsRecorder: capturingMetrics(),
    });
    const before = await visible(resources.queues.default!.url);

    // Act
    const refused = small.runtime.client.enqueue(bulk, { rows: rows(500), failUntilAttempt: 0 });

    // Assess
    await expect(refused).rejects.toThrow(JobInputError);
    await expect(refused).rejects.toThrow(/Payload is \d+ bytes; the limit is 409600 bytes/);
    expect(await visible(resources.queues.default!.url)).toBe(before);
  });

  it('puts the object before it sends the message: when the put fails, nothing is sent and the key is released', async () => {
    // Prepare: a producer whose bucket does not exist.
    const broken = createWorker({
      registry,
      config,
      queueName: 'default',
      env: resourceEnv({ ...resources, payloadBucket: `${resources.payloadBucket}-missing` }),
      metricsRecorder: capturingMetrics(),
    });
    const before = await visible(resources.queues.default!.url);

    // Act
    const refused = broken.runtime.client.enqueue(
      bulk,
      { rows: rows(300), failUntilAttempt: 0 },
      { concurrencyKey: 'import:one' },
    );

    // Assess: no message; the concurrency key is free for the next enqueue.
    await expect(refused).rejects.toThrow(/NoSuchBucket|does not exist/);
    expect(await visible(resources.queues.default!.url)).toBe(before);
    const next = await worker.runtime.client.enqueue(
      bulk,
      { rows: ['a'], failUntilAttempt: 0 },
      { concurrencyKey: 'import:one' },
    );
    expect(next).not.toBeNull();
    await drain();
  });

  it('records ERRORED naming the bucket and key, and dead-letters the message, when the object is missing, foreign, of another job, or altered', async () => {
    // Prepare: four references the worker must not run.
    const bucket = resources.payloadBucket!;
    const foreign = `${bucket}-foreign`;
    await s3.send(new CreateBucketCommand({ Bucket: foreign })).catch(() => {});
    const json = JSON.stringify({ rows: ['forged'], failUntilAttempt: 0 });
    const digest = sha256(json);
    const missing = newJobId();
    const elsewhere = newJobId();
    const borrowed = newJobId();
    const altered = newJobId();
    const other = newJobId();
    await s3.send(
      new PutObjectCommand({
        Bucket: foreign,
        Key: payloadObjectKey(elsewhere, digest),
        Body: json,
      }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: payloadObjectKey(other, digest), Body: json }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: payloadObjectKey(altered, digest),
        Body: json.replace('forged', 'change'),
      }),
    );
    const ref = (id: string, inBucket = bucket, keyOf = id) => ({
      bucket: inBucket,
      key: payloadObjectKey(keyOf, digest),
      bytes: Buffer.byteLength(json),
      sha256: digest,
    });
    for (const body of [
      referenceBody(missing, ref(missing)),
      referenceBody(elsewhere, ref(elsewhere, foreign)),
      referenceBody(borrowed, ref(borrowed, bucket, other)),
      referenceBody(altered, ref(altered)),
    ]) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: resources.queues.default!.url, MessageBody: body }),
      );
    }

    // Act
    await drain();

    // Assess: none ran; each is ERRORED with its reason; all four are in the DLQ.
    for (const id of [missing, elsewhere, borrowed, altered]) expect(seen.get(id)).toBeUndefined();
    const errorOf = async (id: string) => (await worker.runtime.store.get(id))?.error;
    expect(await errorOf(missing)).toMatchObject({
      name: 'PayloadReferenceError',
      message: expect.stringContaining(`s3://${bucket}/${payloadObjectKey(missing, digest)}`),
    });
    expect((await errorOf(missing))?.message).toMatch(/cannot be read \(NoSuchKey\)/);
    expect((await errorOf(elsewhere))?.message).toMatch(
      new RegExp(`s3://${foreign}/.*only from its own bucket ${bucket}`),
    );
    expect((await errorOf(borrowed))?.message).toMatch(/refused: the key of job/);
    expect((await errorOf(altered))?.message).toMatch(/does not match the reference/);
    for (const id of [missing, elsewhere, borrowed, altered]) {
      expect(await worker.runtime.store.get(id)).toMatchObject({ status: 'ERRORED' });
    }
    const dead = (await dlqBodies()).map((b) => parseEnvelope(b).id);
    expect(dead).toEqual(expect.arrayContaining([missing, elsewhere, borrowed, altered]));
  });

  it('logs where a large payload of an exposePayload type is stored, not its megabytes, on the success line', async () => {
    // Prepare: 600 KiB of payload, past CloudWatch Logs' 256 KiB per event, and a worker whose
    // Powertools lines are captured.
    const logged = createWorker({
      registry,
      config,
      queueName: 'default',
      env: resourceEnv(resources),
      metricsRecorder: capturingMetrics(),
      logger: testLogger(),
      deadlineMarginMs: 100,
    });
    const id = (await logged.runtime.client.enqueue(shown, { rows: rows(600) }))!;
    const { payloadRef } = parseEnvelope((await logged.runtime.store.get(id))!.envelope!);
    const output = captureJsonOutput();

    // Act
    try {
      for (let i = 0; i < 5 && (await logged.runtime.store.get(id))?.status !== 'SUCCESSFUL'; i++) {
        await deliverOnce(sqs, resources.queues.default!.url, logged.handler, { waitSeconds: 0 });
      }
    } finally {
      vi.restoreAllMocks();
    }

    // Assess: the job ran; its entry names the object, and the line stays a small event.
    expect(await logged.runtime.store.get(id)).toMatchObject({ status: 'SUCCESSFUL' });
    const lines = output
      .logs('Jobs succeeded')
      .filter((line) => (line.jobs as { job_id: string }[]).some((job) => job.job_id === id));
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(lines[0]))).toBeLessThan(262_144);
    expect((lines[0]!.jobs as Record<string, unknown>[]).find((job) => job.job_id === id)).toEqual(
      expect.objectContaining({
        stored_payload: {
          bytes: payloadRef!.bytes,
          location: `s3://${payloadRef!.bucket}/${payloadRef!.key}`,
        },
      }),
    );
  });

  it('gives the connection back after refusing an object larger than its reference, so refused reads never use up the S3 client', async () => {
    // Prepare: an object of 2 KiB that references say is 10 bytes (a producer-crafted reference).
    const key = payloadObjectKey(newJobId(), sha256('oversized'));
    const json = JSON.stringify({ rows: rows(2) });
    await s3.send(new PutObjectCommand({ Bucket: resources.payloadBucket!, Key: key, Body: json }));
    await s3.send(
      new PutObjectCommand({ Bucket: resources.payloadBucket!, Key: `${key}.ok`, Body: '{}' }),
    );
    const reader = createS3PayloadReader(resources.payloadBucket!);

    // Act: more refusals than the SDK's HTTP agent has sockets (50), then a good read.
    for (let i = 0; i < 60; i++) {
      await expect(reader.get(key, 10)).rejects.toThrow(/the reference allows 10/);
    }

    // Assess: a socket is free for the next read.
    await expect(reader.get(`${key}.ok`, 10)).resolves.toBe('{}');
  });
});
