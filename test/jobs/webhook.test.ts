import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookJob, retryAfterSeconds } from '../../jobs/webhook.ts';
import { SIGNATURE_HEADER, verifyWebhook } from '../../jobs/webhook-signature.ts';
import { RetryJobError, UnrecoverableJobError } from '../../runtime/errors.ts';
import type { JobContext } from '../../runtime/job-definition.ts';
import { validatePayload } from '../../runtime/payload-schema.ts';
import { type ReceivedRequest, startHttpSink } from '../support/http-sink.ts';

const secrets: Record<string, string> = { 'test/signing-key': 's3cr3t' };
const webhook = createWebhookJob(async (ref) => {
  const value = secrets[ref];
  if (!value) throw new Error(`no secret ${ref}`);
  return value;
});

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
  };
}

async function run(payload: unknown, signal?: AbortSignal) {
  const parsed = await validatePayload('webhook', webhook.schema, payload);
  return webhook.run(parsed, context(signal));
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
  it('POSTs the JSON body with a verifiable HMAC-SHA256 signature and records the status', async () => {
    const server = await sink(() => ({ status: 204 }));
    const result = await run({
      url: `${server.url}/hooks`,
      body: { orderId: 'o_1' },
      secretRef: 'test/signing-key',
    });
    expect(result.status).toBe(204);
    const request = server.requests[0] as ReceivedRequest;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks', body: '{"orderId":"o_1"}' });
    expect(request.headers['x-lambda-jobs-id']).toBe('job-1');
    expect(request.headers['x-lambda-jobs-attempt']).toBe('2');
    const signature = String(request.headers[SIGNATURE_HEADER]);
    expect(verifyWebhook(request.body, signature, 's3cr3t', Math.floor(Date.now() / 1000))).toBe(
      true,
    );
    expect(verifyWebhook(request.body, signature, 'wrong', Math.floor(Date.now() / 1000))).toBe(
      false,
    );
    expect(
      verifyWebhook(`${request.body} `, signature, 's3cr3t', Math.floor(Date.now() / 1000)),
    ).toBe(false);
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
