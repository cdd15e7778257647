/**
 * The bad-input table: every public entry point (enqueue, raw envelopes sent straight to SQS,
 * the config that synth reads, CLI arguments, dashboard query parameters) × malformed values.
 * Each row must be refused with a typed error, a non-zero exit or a 4xx that names the field
 * and its limit. Jobs queued before the table runs must all still complete afterwards, and every
 * raw envelope the workers refused must be ERRORED with its message in the DLQ.
 *
 * Real parts throughout: the job client, the worker and the admin run against fauxqs and
 * DynamoDB Local, the CLI in process, the dashboard over HTTP.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAppJobs } from '../../jobs/index.ts';
import { WebhookSecretRefusedError } from '../../jobs/webhook-secrets.ts';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createS3PayloadStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/s3-payload-store.ts';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { createMemoryQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-queue-transport.ts';
import { JobInputError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { createJobClient } from '../../packages/lambda-jobs/src/runtime/job-client.ts';
import { jobConfigProblems } from '../../packages/lambda-jobs/src/runtime/job-config-checks.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { OutboundRequestRefusedError } from '../../packages/lambda-jobs/src/runtime/outbound/outbound-errors.ts';
import { payloadObjectKey } from '../../packages/lambda-jobs/src/runtime/payload-reference.ts';
import { validatePayload } from '../../packages/lambda-jobs/src/runtime/payload-schema.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { scheduleProblems } from '../../packages/lambda-jobs/src/runtime/schedule-firing.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { devModeFolder, runCli } from '../cli/cli-test-kit.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { bodiesOn } from '../support/lost-attempts.ts';
import { rawHttp } from '../support/raw-http.ts';

/** How an entry point refused: what it said, and the field it named when it has one. */
interface Refusal {
  readonly how: 'typed error' | 'exit code' | 'HTTP status' | 'ERRORED record';
  /** The field as a typed value (error.field, body.field, record.error.field). */
  readonly field?: string;
  /** Everything it said: message, limit, stderr, response body. */
  readonly text: string;
  /** Exit code or HTTP status. */
  readonly code?: number;
}

interface Row {
  readonly entry: 'enqueue' | 'raw envelope' | 'config' | 'CLI' | 'dashboard' | 'webhook delivery';
  readonly malformed: string;
  readonly attempt: () => Promise<Refusal>;
  /** The field the refusal must name. */
  readonly field: string;
  /** Words of the limit the refusal must state. */
  readonly limit: string;
  /** The HTTP status of a dashboard refusal, when not 400. */
  readonly status?: number;
}

let s: AdminScenario;
let cwd: string;
let dashboard: RunningDashboard;
const alreadyQueued: string[] = [];
const refusedRawBodies: string[] = [];

beforeAll(async () => {
  s = await startAdminScenario();
  cwd = await devModeFolder(s);
  dashboard = await startDashboard({
    admin: s.admin,
    config: s.config,
    registry: adminRegistry,
  });
  for (let n = 0; n < 5; n++) {
    const id = await s.admin.enqueue('echo', { n }, { id: `kept-${n}` });
    alreadyQueued.push(id!);
  }
});

afterAll(async () => {
  await dashboard?.close();
});

async function refusalOf(action: () => Promise<unknown> | unknown): Promise<Refusal> {
  try {
    await action();
  } catch (error) {
    if (error instanceof JobInputError) {
      return { how: 'typed error', field: error.field, text: `${error.message} ${error.limit}` };
    }
    if (error instanceof ConfigError) {
      const [first] = error.problems;
      return { how: 'typed error', field: first?.field, text: error.message };
    }
    if (error instanceof OutboundRequestRefusedError) {
      return { how: 'typed error', field: error.host, text: `${error.message} ${error.rule}` };
    }
    if (error instanceof WebhookSecretRefusedError) {
      return { how: 'typed error', text: error.message };
    }
    throw error;
  }
  throw new Error('expected the input to be refused, but it was accepted');
}

async function cli(...argv: string[]): Promise<Refusal> {
  const run = await runCli(argv, cwd, s);
  return { how: 'exit code', code: run.code, text: run.stderr };
}

/** A dashboard call, with the session token unless `headers` replace it. */
async function api(
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Refusal> {
  const response = await rawHttp(`${dashboard.url}${path}`, {
    method: options.method ?? 'GET',
    headers: { authorization: `Bearer ${dashboard.token}`, ...options.headers },
  });
  const body = JSON.parse(response.text) as { error?: string; field?: string; limit?: string };
  return {
    how: 'HTTP status',
    code: response.status,
    ...(body.field ? { field: body.field } : {}),
    text: `${body.error ?? ''} ${body.limit ?? ''}`,
  };
}

/** Sends a body straight to the queue, lets the real worker take it, and reads its record. */
async function rawEnvelope(body: string, expectedId?: string): Promise<Refusal> {
  const sent = await s.sqs.send(
    new SendMessageCommand({ QueueUrl: s.queues.default!.url, MessageBody: body }),
  );
  await s.drain();
  refusedRawBodies.push(body);
  const record = await s.admin.getJob(expectedId ?? `msg-${sent.MessageId}`);
  return {
    how: 'ERRORED record',
    ...(record.error?.field ? { field: record.error.field } : {}),
    text: `${record.status} ${record.error?.message ?? ''}`,
  };
}

function envelope(overrides: Record<string, unknown>): string {
  return JSON.stringify({
    version: 1,
    id: overrides.id ?? `raw-${Math.random().toString(36).slice(2)}`,
    type: 'echo',
    queue: 'default',
    payload: { n: 1 },
    enqueuedAt: new Date().toISOString(),
    ...overrides,
  });
}

const validQueue = { batchSize: 10, functionTimeoutSeconds: 30 };

/** A well-formed payload reference for job `id` (its object exists nowhere). */
function reference(id: string) {
  const sha256 = 'a'.repeat(64);
  return { bucket: 'someone-elses-bucket', key: payloadObjectKey(id, sha256), bytes: 10, sha256 };
}

/** {@link envelope} without its inline payload (a payload reference replaces it). */
function withoutPayload(overrides: Record<string, unknown>): string {
  const { payload: _payload, ...rest } = JSON.parse(envelope(overrides)) as Record<string, unknown>;
  return JSON.stringify(rest);
}

/**
 * A client that sends payloads over 1 KiB through S3 and refuses those over 2 KiB, and delays
 * over 5 minutes for them: each refusal comes before the object is put (the bucket is never
 * reached: no such bucket exists).
 */
function largePayloadClient() {
  return createJobClient({
    registry: adminRegistry,
    queues: s.queues,
    transport: createMemoryQueueTransport(),
    store: createMemoryJobStore(),
    keys: createMemoryConcurrencyKeys(),
    tracking: 'full',
    largePayloads: {
      store: createS3PayloadStore('no-such-bucket'),
      thresholdBytes: 1024,
      maxBytes: 2048,
      maxDelaySeconds: 300,
    },
  });
}

/** The app's job types wired as deployed: partner B's key signs only for partner B. */
const deployedJobs = createAppJobs(
  'deployed',
  defineConfig({
    appName: 'shop',
    queues: { default: validQueue, slow: validQueue },
    webhooks: {
      signingKeys: {
        partnerB: { secret: 'shop/partner-b-signing', destinations: ['https://b.example.com/'] },
      },
    },
  }),
);

/** Validates a webhook payload as enqueue does. */
function webhookPayload(payload: unknown): Promise<Refusal> {
  return refusalOf(() => validatePayload('webhook', deployedJobs.webhook.schema, payload));
}

/** Runs the deployed webhook job on a payload, as a worker would. */
function deliverWebhook(payload: unknown): Promise<Refusal> {
  return refusalOf(async () => {
    const job = deployedJobs.webhook;
    const parsed = await validatePayload('webhook', job.schema, payload);
    await job.run(parsed, {
      jobId: 'bad-input',
      type: 'webhook',
      queue: 'default',
      attempt: 1,
      maxAttempts: 1,
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 10_000),
      enqueuedAt: new Date(),
      logger: new Logger({ logLevel: 'SILENT' }),
      // The webhook job reports no progress.
      progress: async () => {},
    });
  });
}

/** Job types keyed by group (on a FIFO queue) and by tenant (on a standard one). */
const tenantKeyed = defineJob({
  type: 'tenant-keyed',
  schema: z.object({ key: z.string() }),
  tenantKey: (payload) => payload.key,
  run: () => {},
});
const groupKeyed = defineJob({
  type: 'group-keyed',
  queue: 'orders',
  schema: z.object({ key: z.string() }),
  groupKey: (payload) => payload.key,
  run: () => {},
});

/** A job client over a standard `default` queue and a FIFO `orders` queue, in memory. */
function groupedClient() {
  return createJobClient({
    registry: createRegistry([tenantKeyed, groupKeyed]),
    queues: {
      default: { url: 'q://shop-default', dlqUrl: 'q://shop-default-dlq' },
      orders: { url: 'q://shop-orders.fifo', dlqUrl: 'q://shop-orders-dlq.fifo' },
    },
    transport: createMemoryQueueTransport(),
    store: createMemoryJobStore(),
    keys: createMemoryConcurrencyKeys(),
    tracking: 'full',
  });
}

const rows: Row[] = [
  // enqueue: options and payloads
  {
    entry: 'enqueue',
    malformed: 'payload of the wrong type',
    attempt: () => refusalOf(() => s.admin.enqueue('echo', { n: 'seven' })),
    field: 'payload.n',
    limit: 'schema of job type "echo"',
  },
  {
    entry: 'enqueue',
    malformed: 'payload over the SQS message size',
    attempt: () => refusalOf(() => s.admin.enqueue('switchable', { label: 'x'.repeat(300_000) })),
    field: 'payload',
    limit: '262144 bytes',
  },
  {
    entry: 'enqueue',
    malformed: 'delay out of range',
    attempt: () => refusalOf(() => s.admin.enqueue('echo', { n: 1 }, { delay: -1 })),
    field: 'delay',
    limit: '0–31536000 seconds',
  },
  {
    entry: 'enqueue',
    malformed: 'retries out of range',
    attempt: () => refusalOf(() => s.admin.enqueue('echo', { n: 1 }, { retries: 1e6 })),
    field: 'retries',
    limit: '0–100',
  },
  {
    entry: 'enqueue',
    malformed: 'concurrency key oversized',
    attempt: () =>
      refusalOf(() => s.admin.enqueue('echo', { n: 1 }, { concurrencyKey: 'k'.repeat(600) })),
    field: 'concurrencyKey',
    limit: '1–512 characters',
  },
  {
    entry: 'enqueue',
    malformed: 'job id with characters outside the allowed set',
    attempt: () => refusalOf(() => s.admin.enqueue('echo', { n: 1 }, { id: 'job\uFFFF' })),
    field: 'id',
    limit: '1–128 characters of A-Z a-z 0-9 _ - : .',
  },
  {
    entry: 'enqueue',
    malformed: 'unknown queue name',
    attempt: () => refusalOf(() => s.admin.enqueue('echo', { n: 1 }, { queue: 'nope' })),
    field: 'queue',
    limit: 'one of the configured queues',
  },
  {
    entry: 'enqueue',
    malformed: 'concurrency-key lifetime beyond the longest a key may be held',
    attempt: () =>
      refusalOf(() =>
        createJobClient({
          registry: adminRegistry,
          queues: s.queues,
          transport: createMemoryQueueTransport(),
          store: createMemoryJobStore(),
          keys: createMemoryConcurrencyKeys(),
          tracking: 'full',
          concurrencyKeyTtlSeconds: 1e12,
        }),
      ),
    field: 'concurrencyKeyTtlSeconds',
    limit: '1–2592000',
  },
  {
    entry: 'enqueue',
    malformed: 'unknown job type',
    attempt: () => refusalOf(() => s.admin.enqueue('stranger', {})),
    field: 'type',
    limit: 'one of the registered job types',
  },
  {
    entry: 'enqueue',
    malformed: "timeout longer than the queue's function can run",
    attempt: () => refusalOf(() => s.admin.enqueue('echo', { n: 1 }, { timeoutSeconds: 120 })),
    field: 'timeoutSeconds',
    limit: 'at most 8 s on queue "default"',
  },
  // large payloads (through S3): refused before anything is put or sent
  {
    entry: 'enqueue',
    malformed: 'payload over largePayloads.maxBytes',
    attempt: () =>
      refusalOf(() => largePayloadClient().enqueueByType('echo', { n: 1, pad: 'x'.repeat(5000) })),
    field: 'payload',
    limit: 'the limit is 2048 bytes (largePayloads.maxBytes)',
  },
  {
    entry: 'enqueue',
    malformed: 'large payload delayed beyond largePayloads.maxDelaySeconds',
    attempt: () =>
      refusalOf(() =>
        largePayloadClient().enqueueByType('echo', { n: 1, pad: 'x'.repeat(1500) }, { delay: 600 }),
      ),
    field: 'delay',
    limit: '300 seconds for a payload stored in S3',
  },
  // hostile webhook payloads, refused at enqueue
  {
    entry: 'enqueue',
    malformed: 'webhook naming a secret by reference (env:HOME)',
    attempt: () =>
      webhookPayload({ url: 'https://b.example.com/', body: {}, secretRef: 'env:HOME' }),
    field: 'payload',
    limit: 'Unrecognized key: "secretRef"',
  },
  {
    entry: 'enqueue',
    malformed: 'webhook signing key id that is not an id',
    attempt: () =>
      webhookPayload({ url: 'https://b.example.com/', body: {}, signingKey: 'env:HOME' }),
    field: 'payload.signingKey',
    limit: 'must match pattern',
  },
  {
    entry: 'enqueue',
    malformed: 'webhook forging a lambda-jobs header',
    attempt: () =>
      webhookPayload({
        url: 'https://b.example.com/',
        body: {},
        headers: { 'x-lambda-jobs-id': 'forged' },
      }),
    field: 'payload.headers.x-lambda-jobs-id',
    limit: 'reserved header',
  },
  {
    entry: 'enqueue',
    malformed: 'webhook setting the host header',
    attempt: () =>
      webhookPayload({ url: 'https://b.example.com/', body: {}, headers: { host: 'internal' } }),
    field: 'payload.headers.host',
    limit: 'reserved header',
  },
  {
    entry: 'enqueue',
    malformed: 'webhook header value splitting the request',
    attempt: () =>
      webhookPayload({
        url: 'https://b.example.com/',
        body: {},
        headers: { 'x-a': 'v\r\nx-lambda-jobs-id: forged' },
      }),
    field: 'payload.headers.x-a',
    limit: 'must match pattern',
  },
  // hostile webhook payloads, refused by the worker before anything is sent
  {
    entry: 'webhook delivery',
    malformed: '127.0.0.1 spelled in decimal',
    attempt: () =>
      deliverWebhook({ url: 'http://2130706433:8787/api/dlq/default/purge', body: {} }),
    field: '127.0.0.1:8787',
    limit: 'loopback',
  },
  {
    entry: 'webhook delivery',
    malformed: 'localhost',
    attempt: () => deliverWebhook({ url: 'http://localhost:8787/', body: {} }),
    field: 'localhost:8787',
    limit: 'loopback',
  },
  {
    entry: 'webhook delivery',
    malformed: 'the instance metadata address',
    attempt: () => deliverWebhook({ url: 'http://169.254.169.254/latest/meta-data/', body: {} }),
    field: '169.254.169.254',
    limit: 'linkLocal',
  },
  {
    entry: 'webhook delivery',
    malformed: 'the IPv6 instance metadata address',
    attempt: () => deliverWebhook({ url: 'http://[fd00:ec2::254]/latest/meta-data/', body: {} }),
    field: '[fd00:ec2::254]',
    limit: 'uniqueLocal',
  },
  {
    entry: 'webhook delivery',
    malformed: 'an IPv4-mapped private address',
    attempt: () => deliverWebhook({ url: 'http://[::ffff:10.0.0.1]/', body: {} }),
    field: '[::ffff:a00:1]',
    limit: 'ipv4Mapped',
  },
  {
    entry: 'webhook delivery',
    malformed: 'a signing key that is not configured',
    attempt: () => deliverWebhook({ url: 'https://b.example.com/', body: {}, signingKey: 'HOME' }),
    field: 'signing key "HOME"',
    limit: 'is not configured',
  },
  {
    entry: 'webhook delivery',
    malformed: 'partner B’s key for another destination',
    attempt: () =>
      deliverWebhook({ url: 'https://attacker.example.net/', body: {}, signingKey: 'partnerB' }),
    field: 'signing key "partnerB"',
    limit: 'not one of its configured destinations',
  },
  // raw envelopes sent straight to SQS
  {
    entry: 'raw envelope',
    malformed: "timeout longer than the queue's function can run",
    attempt: () =>
      rawEnvelope(envelope({ id: 'raw-timeout', options: { timeoutSeconds: 120 } }), 'raw-timeout'),
    field: 'options.timeoutSeconds',
    limit: 'queue "default" runs a job for at most 8 s',
  },
  {
    entry: 'raw envelope',
    malformed: 'queue other than the one it was sent to',
    attempt: () => rawEnvelope(envelope({ id: 'raw-queue', queue: 'slow' }), 'raw-queue'),
    field: 'queue',
    limit: 'arrived on queue "default"',
  },
  {
    entry: 'raw envelope',
    malformed: 'broken JSON',
    attempt: () => rawEnvelope('{"version":1,"id":"broken-json","type":'),
    field: 'body',
    limit: 'not JSON',
  },
  {
    entry: 'raw envelope',
    malformed: 'payload reference on a deployment without a payload bucket',
    attempt: () =>
      rawEnvelope(
        withoutPayload({ id: 'raw-ref-nobucket', payloadRef: reference('raw-ref-nobucket') }),
        'raw-ref-nobucket',
      ),
    field: 'payloadRef',
    limit: 'has no payload bucket',
  },
  {
    entry: 'raw envelope',
    malformed: 'both payload and payloadRef',
    attempt: () =>
      rawEnvelope(
        envelope({ id: 'raw-ref-both', payloadRef: reference('raw-ref-both') }),
        'raw-ref-both',
      ),
    field: 'payloadRef',
    limit: 'payload and payloadRef exclude each other',
  },
  {
    entry: 'raw envelope',
    malformed: 'payload reference with a sha256 that is not one',
    attempt: () =>
      rawEnvelope(
        withoutPayload({
          id: 'raw-ref-sha',
          payloadRef: { ...reference('raw-ref-sha'), sha256: '../../etc/passwd' },
        }),
        'raw-ref-sha',
      ),
    field: 'payloadRef.sha256',
    limit: '64 lowercase hex digits',
  },
  {
    entry: 'raw envelope',
    malformed: 'unsupported version',
    attempt: () => rawEnvelope(envelope({ id: 'raw-version', version: 9 }), 'raw-version'),
    field: 'version',
    limit: 'version must be 1',
  },
  {
    entry: 'raw envelope',
    malformed: 'id of the wrong type',
    attempt: () => rawEnvelope(envelope({ id: 42 })),
    field: 'id',
    limit: '1–128 characters',
  },
  {
    entry: 'raw envelope',
    malformed: 'oversized id',
    attempt: () => rawEnvelope(envelope({ id: 'i'.repeat(200) })),
    field: 'id',
    limit: '1–128 characters',
  },
  {
    entry: 'raw envelope',
    malformed: 'unknown job type',
    attempt: () => rawEnvelope(envelope({ id: 'raw-unknown', type: 'stranger' }), 'raw-unknown'),
    field: 'type',
    limit: 'Registered types',
  },
  {
    entry: 'raw envelope',
    malformed: 'payload failing its schema',
    attempt: () =>
      rawEnvelope(envelope({ id: 'raw-payload', payload: { n: 'seven' } }), 'raw-payload'),
    field: 'payload.n',
    limit: 'invalid',
  },
  {
    entry: 'raw envelope',
    malformed: 'retries out of range',
    attempt: () =>
      rawEnvelope(envelope({ id: 'raw-retries', options: { retries: -3 } }), 'raw-retries'),
    field: 'options.retries',
    limit: 'whole number from 0 to 100',
  },
  // the config synth reads
  {
    entry: 'config',
    malformed: 'batch size out of range',
    attempt: () =>
      refusalOf(() => defineConfig({ appName: 'shop', queues: { default: { batchSize: 0 } } })),
    field: 'queues.default.batchSize',
    limit: '1',
  },
  {
    entry: 'config',
    malformed: "large-payload threshold above the queues' message size",
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          largePayloads: { enabled: true, thresholdBytes: 1_048_576 },
        }),
      ),
    field: 'largePayloads.thresholdBytes',
    limit: 'from 1024 to 262144',
  },
  {
    entry: 'config',
    malformed: 'large-payload limit beyond 256 MiB',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          largePayloads: { enabled: true, maxBytes: 2 ** 30 },
        }),
      ),
    field: 'largePayloads.maxBytes',
    limit: 'to 268435456',
  },
  {
    entry: 'config',
    malformed: 'warning not below critical',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          settings: { JOBS_BACKLOG_WARNING: 500, JOBS_BACKLOG_CRITICAL: 100 },
        }),
      ),
    field: 'queues.default.thresholds.backlog.warning',
    limit: 'must be below queues.default.thresholds.backlog.critical (100)',
  },
  ...(
    [
      ['failure rate above 1', { failureRate: 1.5 }, 'failureRate', 'at most 1'],
      ['minAttempts of 0', { minAttempts: 0 }, 'minAttempts', 'from 1 to 1000000'],
      ['window shorter than 10 s', { windowSeconds: 5 }, 'windowSeconds', 'from 10 to 3600'],
      ['cool-down beyond the SQS delay', { coolDownSeconds: 901 }, 'coolDownSeconds', '900'],
    ] as const
  ).map(
    ([malformed, breaker, name, limit]): Row => ({
      entry: 'config',
      malformed: `circuit breaker ${malformed}`,
      attempt: () =>
        refusalOf(() =>
          defineConfig({
            appName: 'shop',
            queues: { default: validQueue },
            circuitBreakers: { echo: breaker },
          }),
        ),
      field: `circuitBreakers.echo.${name}`,
      limit,
    }),
  ),
  {
    entry: 'config',
    malformed: 'circuit breaker of an unregistered job type',
    attempt: () =>
      refusalOf(() => {
        const problems = jobConfigProblems(
          adminRegistry,
          defineConfig({
            appName: 'shop',
            queues: { default: validQueue },
            circuitBreakers: { stranger: {} },
          }),
        );
        if (problems.length > 0) throw new ConfigError(problems);
      }),
    field: 'circuitBreakers.stranger',
    limit: 'registered job type',
  },
  {
    entry: 'config',
    malformed: 'circuit breaker of a job type on a FIFO queue',
    attempt: () =>
      refusalOf(() => {
        const problems = jobConfigProblems(
          adminRegistry,
          defineConfig({
            appName: 'shop',
            queues: { default: { ...validQueue, fifo: true } },
            circuitBreakers: { echo: {} },
          }),
        );
        if (problems.length > 0) throw new ConfigError(problems);
      }),
    field: 'circuitBreakers.echo',
    limit: 'standard queue',
  },
  {
    entry: 'config',
    malformed: 'invalid app name',
    attempt: () =>
      refusalOf(() => defineConfig({ appName: 'Shop Prod!', queues: { default: {} } })),
    field: 'appName',
    limit: 'characters',
  },
  {
    entry: 'config',
    malformed: 'invalid cron',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          schedules: [{ name: 'nightly', job: 'echo', cron: '61 * * * *' }],
        }),
      ),
    field: 'schedules[0].cron',
    limit: 'out of range 0–59',
  },
  {
    entry: 'config',
    malformed: 'schedule naming an unknown job',
    attempt: () =>
      refusalOf(async () => {
        const problems = await scheduleProblems(adminRegistry, [
          { name: 'nightly', job: 'stranger', cron: '@daily', timeZone: 'UTC' },
        ]);
        if (problems.length > 0) throw new ConfigError(problems);
      }),
    field: 'schedules[0].job',
    limit: 'registered',
  },
  {
    entry: 'config',
    malformed: 'signing key destination that is not an http(s) URL prefix',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          webhooks: {
            signingKeys: { partnerB: { secret: 'shop/b', destinations: ['ftp://b.example.com/'] } },
          },
        }),
      ),
    field: 'webhooks.signingKeys.partnerB.destinations[0]',
    limit: 'http(s) URL prefix',
  },
  {
    entry: 'config',
    malformed: 'outbound allow entry that is neither host nor CIDR',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          outbound: { allow: ['http://127.0.0.1/'] },
        }),
      ),
    field: 'outbound.allow[0]',
    limit: 'CIDR block',
  },
  {
    entry: 'config',
    malformed: 'unknown data key kind',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { default: validQueue },
          encryption: { dataKey: 'aws-owned' as 'aws-managed' },
        }),
      ),
    field: 'encryption.dataKey',
    limit: 'customer-managed',
  },
  {
    entry: 'config',
    malformed: 'FIFO queue with a batch above 10',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { orders: { fifo: true, batchSize: 100, batchingWindowSeconds: 1 } },
        }),
      ),
    field: 'queues.orders.batchSize',
    limit: 'at most 10 on a FIFO queue',
  },
  {
    entry: 'config',
    malformed: 'FIFO queue with a batching window',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { orders: { fifo: true, batchingWindowSeconds: 5 } },
        }),
      ),
    field: 'queues.orders.batchingWindowSeconds',
    limit: 'not supported for FIFO queues',
  },
  {
    entry: 'config',
    malformed: 'fifo that is not a boolean',
    attempt: () =>
      refusalOf(() =>
        defineConfig({
          appName: 'shop',
          queues: { orders: { fifo: 'yes' as unknown as boolean } },
        }),
      ),
    field: 'queues.orders.fifo',
    limit: 'true or false',
  },
  // enqueue: message groups and tenants
  {
    entry: 'enqueue',
    malformed: 'tenant key over 128 characters',
    attempt: () => refusalOf(() => groupedClient().enqueue(tenantKeyed, { key: 't'.repeat(129) })),
    field: 'tenantKey',
    limit: '1–128 characters',
  },
  {
    entry: 'enqueue',
    malformed: 'tenant key with a character SQS refuses',
    attempt: () => refusalOf(() => groupedClient().enqueue(tenantKeyed, { key: 'tenant é' })),
    field: 'tenantKey',
    limit: 'ASCII punctuation',
  },
  {
    entry: 'enqueue',
    malformed: 'empty group key on a FIFO queue',
    attempt: () => refusalOf(() => groupedClient().enqueue(groupKeyed, { key: '' })),
    field: 'groupKey',
    limit: '1–128 characters',
  },
  {
    entry: 'enqueue',
    malformed: 'delay on a FIFO queue without a scheduler',
    attempt: () =>
      refusalOf(() => groupedClient().enqueue(groupKeyed, { key: 'g' }, { delay: 60 })),
    field: 'delay',
    limit: 'no per-message delay on a FIFO queue',
  },
  // CLI arguments
  {
    entry: 'CLI',
    malformed: 'job type with terminal escape sequences',
    attempt: () => cli('enqueue', '\u001b[2J\u001b[31mnope', '--payload', '{}'),
    field: '\\x1b[2J\\x1b[31mnope',
    limit: 'echo',
  },
  {
    entry: 'CLI',
    malformed: 'limit out of range',
    attempt: () => cli('jobs', 'ls', '--limit', '0'),
    field: '--limit',
    limit: 'from 1 to',
  },
  {
    entry: 'CLI',
    malformed: 'unknown status',
    attempt: () => cli('jobs', 'ls', '--status', 'EXPLODED'),
    field: '--status',
    limit: 'one of QUEUED',
  },
  {
    entry: 'CLI',
    malformed: 'since that is not a time',
    attempt: () => cli('jobs', 'ls', '--since', 'yesterday'),
    field: '--since',
    limit: 'ISO 8601',
  },
  {
    entry: 'CLI',
    malformed: 'broken JSON payload',
    attempt: () => cli('enqueue', 'echo', '--payload', '{"n": 1'),
    field: '--payload',
    limit: 'JSON',
  },
  {
    entry: 'CLI',
    malformed: 'delay of the wrong type',
    attempt: () => cli('enqueue', 'echo', '--payload', '{"n":1}', '--delay', 'soon'),
    field: '--delay',
    limit: 'whole number',
  },
  {
    entry: 'CLI',
    malformed: 'unknown queue',
    attempt: () => cli('dlq', 'ls', 'nope'),
    field: 'nope',
    limit: 'default, slow',
  },
  {
    entry: 'CLI',
    malformed: 'payload failing its schema',
    attempt: () => cli('enqueue', 'echo', '--payload', '{"n":"seven"}'),
    field: 'payload.n',
    limit: 'schema',
  },
  {
    entry: 'CLI',
    malformed: 'circuit override of a type without a circuit breaker',
    attempt: () => cli('circuits', 'open', 'echo'),
    field: 'type',
    limit: 'circuit breaker',
  },
  // dashboard query parameters
  {
    entry: 'dashboard',
    malformed: 'limit out of range',
    attempt: () => api('/api/jobs?limit=5000'),
    field: 'limit',
    limit: '100',
  },
  {
    entry: 'dashboard',
    malformed: 'unknown status',
    attempt: () => api('/api/jobs?status=EXPLODED'),
    field: 'status',
    limit: 'QUEUED',
  },
  {
    entry: 'dashboard',
    malformed: 'unknown queue',
    attempt: () => api('/api/jobs?queue=nope'),
    field: 'queue',
    limit: 'default',
  },
  {
    entry: 'dashboard',
    malformed: 'broken cursor',
    attempt: () => api('/api/jobs?cursor=%7Bnot-a-cursor'),
    field: 'cursor',
    limit: 'cursor',
  },
  {
    entry: 'dashboard',
    malformed: 'oversized job id',
    attempt: () => api(`/api/jobs/${'j'.repeat(300)}`),
    field: 'id',
    limit: '128',
  },
  {
    entry: 'dashboard',
    malformed: 'unknown parameter',
    attempt: () => api('/api/jobs?colour=red'),
    field: 'colour',
    limit: 'limit',
  },
  {
    entry: 'dashboard',
    malformed: 'no session token',
    attempt: () => api('/api/queues', { headers: { authorization: '' } }),
    field: 'authorization',
    limit: 'session token',
    status: 401,
  },
  {
    entry: 'dashboard',
    malformed: 'foreign Host (DNS rebinding)',
    attempt: () => api('/api/queues', { headers: { host: 'evil.example' } }),
    field: 'host',
    limit: '127.0.0.1:',
    status: 403,
  },
  {
    entry: 'dashboard',
    malformed: 'circuit override of a type without a circuit breaker',
    attempt: () =>
      api('/api/circuits/echo/open', {
        method: 'POST',
        headers: {
          'x-lambda-jobs-confirm': 'yes',
          origin: dashboard.url,
          'content-type': 'application/json',
        },
      }),
    field: 'type',
    limit: 'circuit breaker',
  },
  {
    entry: 'dashboard',
    malformed: 'confirmed purge without Origin',
    attempt: () =>
      api('/api/dlq/default/purge', {
        method: 'POST',
        headers: { 'x-lambda-jobs-confirm': 'yes' },
      }),
    field: 'origin',
    limit: 'http://127.0.0.1:',
    status: 403,
  },
];

describe('bad input at every entry point', () => {
  it.each(rows)('$entry, $malformed: refused naming $field and its limit', async (row) => {
    // Act
    const refusal = await row.attempt();

    // Assess
    if (refusal.how === 'exit code') expect(refusal.code).toBeGreaterThan(0);
    expect(refusal.text).not.toContain('\u001b');
    if (refusal.how === 'HTTP status') expect(refusal.code).toBe(row.status ?? 400);
    if (refusal.how === 'ERRORED record') expect(refusal.text).toMatch(/^ERRORED /);
    if (refusal.field !== undefined) expect(refusal.field).toBe(row.field);
    else expect(refusal.text).toContain(row.field);
    expect(refusal.text).toContain(row.limit);
  });

  it('lost nothing: the jobs queued before all ran, and every refused envelope is in the DLQ', async () => {
    // Act
    await s.drain();
    const kept = await Promise.all(alreadyQueued.map((id) => s.admin.getJob(id)));
    const dlqBodies = await bodiesOn(s.sqs, s.queues.default!.dlqUrl);

    // Assess
    expect(kept.map((job) => job.status)).toEqual(alreadyQueued.map(() => JobStatus.SUCCESSFUL));
    expect(refusedRawBodies).toHaveLength(rows.filter((r) => r.entry === 'raw envelope').length);
    expect([...dlqBodies].sort()).toEqual([...refusedRawBodies].sort());
    expect(await s.depth(s.queues.slow!.url)).toBe(0);
  });
});

describe('characters outside SQS’s allowed set in a payload', () => {
  it('are escaped on the way, so the job runs with exactly the payload it was given', async () => {
    // Prepare
    const label = 'nonchar \uFFFE\uFFFF, emoji 🚀, lone surrogate \uD800, control \u0001';

    // Act
    const id = await s.admin.enqueue('switchable', { label });
    await s.drain();

    // Assess
    const job = await s.admin.getJob(id!);
    expect(job.status).toBe(JobStatus.SUCCESSFUL);
    expect(job.output).toBe(`fixed: ${label}`);
  });
});

/**
 * What a producer can write that IAM cannot refuse (its PutItem is allowed on `JOB#`/`KEY#`
 * items with the enqueue's attribute names, whatever the values, with no condition): the worker
 * must neither trust it nor be stopped by it.
 */
describe('hostile state a producer may write', () => {
  const doc = () => DynamoDBDocumentClient.from(emulatorClients().dynamodb);
  const put = (Item: Record<string, unknown>) =>
    doc().send(new PutCommand({ TableName: s.resources.tableName, Item }));

  it.each(['SUCCESSFUL', 'ERRORED', 'LOST'])(
    'a forged %s record for a job’s id: the job still runs and its record ends truthful',
    async (status) => {
      // Prepare
      const id = `forged-${status.toLowerCase()}-${Math.random().toString(36).slice(2)}`;
      await put({
        pk: `JOB#${id}`,
        id,
        type: 'echo',
        queue: 'default',
        status,
        attempts: 9,
        maxAttempts: 1,
        enqueuedAt: '2020-01-01T00:00:00.000Z',
        updatedAt: '2020-01-01T00:00:00.000Z',
        expiresAt: 4_102_444_800,
      });

      // Act
      await s.admin.enqueue('echo', { n: 5 }, { id });
      await s.drain();

      // Assess
      expect(await s.admin.getJob(id)).toMatchObject({
        status: JobStatus.SUCCESSFUL,
        attempts: 1,
        output: { doubled: 10 },
      });
    },
  );

  it('a concurrency key forged to be held for ever: the next enqueue with that key takes it', async () => {
    // Prepare
    const key = `forged-key-${Math.random().toString(36).slice(2)}`;
    await put({ pk: `KEY#${key}`, jobId: 'nobody', expiresAt: 9_999_999_999_999 });

    // Act
    const id = await s.admin.enqueue('echo', { n: 6 }, { concurrencyKey: key });
    await s.drain();

    // Assess
    expect(id).not.toBeNull();
    expect((await s.admin.getJob(id!)).status).toBe(JobStatus.SUCCESSFUL);
  });
});
