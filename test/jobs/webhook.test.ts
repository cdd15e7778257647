import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookJob, retryAfterSeconds } from '../../jobs/webhook.ts';
import { createWebhookSecrets, localSecretResolver } from '../../jobs/webhook-secrets.ts';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../jobs/webhook-signature.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import {
  RetryJobError,
  UnrecoverableJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import type { JobContext } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createOutboundHttp } from '../../packages/lambda-jobs/src/runtime/outbound/outbound-http.ts';
import { validatePayload } from '../../packages/lambda-jobs/src/runtime/payload-schema.ts';
import { type ReceivedRequest, startHttpSink } from '../support/http-sink.ts';

/** Config with signing key `partnerB` and secret header `partnerBToken`, both for `destination`. */
function webhooksConfig(destination: string) {
  return defineConfig({
    appName: 'test',
    queues: { default: {} },
    webhooks: {
      signingKeys: {
        partnerB: {
          secret: 'test/signing-key',
          previousSecrets: ['test/old-signing-key'],
          destinations: [destination],
        },
      },
      secretHeaders: { partnerBToken: { secret: 'test/token', destinations: [destination] } },
    },
  }).webhooks;
}

const SECRET_VALUES = {
  'test/signing-key': 's3cr3t',
  'test/old-signing-key': 'old-s3cr3t',
  'test/token': 'Bearer t0ken',
};

/** The webhook job as a deployment would wire it; the test receivers on 127.0.0.1 are allowed explicitly. */
function webhookJob(destination = 'https://b.example.com/hooks/') {
  return createWebhookJob({
    http: createOutboundHttp({ allow: ['127.0.0.1'] }),
    secrets: createWebhookSecrets(webhooksConfig(destination), localSecretResolver(SECRET_VALUES)),
  });
}

const webhook = webhookJob();

function context(signal = new AbortController().signal): JobContext {
  return {
    jobId: 'job-1',
    type: 'webhook',
    queue: 'default',
    attempt: 2,
    maxAttempts: 9,
    signal,
    deadline: new Date(Date.now() + 30_000),
    enqueuedAt: new Date(),
    logger: new Logger({ logLevel: 'SILENT' }),
    // The webhook job reports no progress.
    progress: async () => {},
  };
}

async function run(payload: unknown, signal?: AbortSignal, job = webhook) {
  const parsed = await validatePayload('webhook', job.schema, payload);
  return job.run(parsed, context(signal));
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function sink(answer: Parameters<typeof startHttpSink>[0]) {
  const server = await startHttpSink(answer);
  close = server.close;
  return server;
}

describe('webhook job', () => {
  it('POSTs the JSON body signed over job id, method, URL and body with every configured secret', async () => {
    // Prepare
    const server = await sink(() => ({ status: 204 }));
    const job = webhookJob(`${server.url}/hooks/`);
    const url = `${server.url}/hooks/orders`;

    // Act
    const result = await run(
      { url, body: { orderId: 'o_1' }, signingKey: 'partnerB' },
      undefined,
      job,
    );

    // Assess
    expect(result.status).toBe(204);
    const request = server.requests[0] as ReceivedRequest;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/hooks/orders',
      body: '{"orderId":"o_1"}',
    });
    expect(request.headers['x-lambda-jobs-id']).toBe('job-1');
    expect(request.headers['x-lambda-jobs-attempt']).toBe('2');
    const header = String(request.headers[SIGNATURE_HEADER]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const delivery = { header, jobId: 'job-1', method: 'POST', url, body: request.body };
    expect(verifyWebhookSignature({ ...delivery, secret: 's3cr3t' })).toBe(true);
    expect(verifyWebhookSignature({ ...delivery, secret: 'old-s3cr3t' })).toBe(true);
    expect(verifyWebhookSignature({ ...delivery, secret: 'wrong' })).toBe(false);
    expect(
      verifyWebhookSignature({ ...delivery, secret: 's3cr3t', body: `${request.body} ` }),
    ).toBe(false);
    expect(verifyWebhookSignature({ ...delivery, secret: 's3cr3t', jobId: 'job-2' })).toBe(false);
    expect(verifyWebhookSignature({ ...delivery, secret: 's3cr3t', method: 'PUT' })).toBe(false);
    expect(
      verifyWebhookSignature({ ...delivery, secret: 's3cr3t', url: `${server.url}/hooks/refunds` }),
    ).toBe(false);
  });

  it('sends a secret header resolved from configuration, after the producer headers', async () => {
    // Prepare
    const server = await sink(() => ({ status: 200 }));
    const job = webhookJob(`${server.url}/`);

    // Act
    await run(
      {
        url: `${server.url}/in`,
        body: {},
        headers: { Authorization: { secretHeader: 'partnerBToken' }, 'x-trace': 'abc' },
      },
      undefined,
      job,
    );

    // Assess
    expect(server.requests[0]?.headers.authorization).toBe('Bearer t0ken');
    expect(server.requests[0]?.headers['x-trace']).toBe('abc');
  });

  it('sends no signature header without a secret reference', async () => {
    const server = await sink(() => ({ status: 200 }));
    await run({ url: server.url, body: null });
    expect(server.requests[0]?.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it.each([500, 502, 503])('retries on %i', async (status) => {
    const server = await sink(() => ({ status }));
    await expect(run({ url: server.url, body: {} })).rejects.toBeInstanceOf(RetryJobError);
  });

  it('retries a 429 after the Retry-After the server asked for', async () => {
    const server = await sink(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const error = await run({ url: server.url, body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryJobError);
    expect((error as RetryJobError).afterSeconds).toBe(7);
  });

  it.each([400, 401, 404, 410, 422])('does not retry a %i', async (status) => {
    const server = await sink(() => ({ status }));
    await expect(run({ url: server.url, body: {} })).rejects.toBeInstanceOf(UnrecoverableJobError);
  });

  it('retries when the receiver is unreachable', async () => {
    const server = await sink(() => ({ status: 200 }));
    const url = server.url;
    await server.close();
    close = undefined;
    await expect(run({ url, body: {} })).rejects.toBeInstanceOf(RetryJobError);
  });

  it('gives up on a receiver that does not answer within timeoutMs', async () => {
    const server = await sink(() => 'hang');
    await expect(run({ url: server.url, body: {}, timeoutMs: 200 })).rejects.toBeInstanceOf(
      RetryJobError,
    );
  });

  it('refuses a payload without an http(s) URL, naming the field', async () => {
    await expect(
      validatePayload('webhook', webhook.schema, { url: 'ftp://x', body: {} }),
    ).rejects.toMatchObject({
      name: 'PayloadValidationError',
      field: 'payload.url',
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Sun, 22 Nov 2026 10:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});
