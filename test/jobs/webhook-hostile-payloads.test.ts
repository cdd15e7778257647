/**
 * What a producer (or an API route passing user input into a payload) could make the webhook
 * and generate-report jobs do before: sign with any secret the worker can read (`env:NAME`,
 * any Secrets Manager name), send a partner's key or token to its own server, reach loopback
 * and metadata addresses, forge lambda-jobs' own headers. Each is refused now.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { createGenerateReportJob } from '../../jobs/generate-report.ts';
import { createWebhookJob } from '../../jobs/webhook.ts';
import {
  createWebhookSecrets,
  isUnderDestination,
  localSecretResolver,
  WebhookSecretRefusedError,
} from '../../jobs/webhook-secrets.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import {
  PayloadValidationError,
  RetryJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import type { JobContext } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { OutboundRequestRefusedError } from '../../packages/lambda-jobs/src/runtime/outbound/outbound-errors.ts';
import { createOutboundHttp } from '../../packages/lambda-jobs/src/runtime/outbound/outbound-http.ts';
import { validatePayload } from '../../packages/lambda-jobs/src/runtime/payload-schema.ts';
import { httpSinkPool } from '../support/http-sink.ts';

const sinks = httpSinkPool();
afterEach(sinks.closeAll);
const sink = sinks.start;

function context(): JobContext {
  return {
    jobId: 'job-1',
    type: 'webhook',
    queue: 'default',
    attempt: 1,
    maxAttempts: 9,
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 30_000),
    enqueuedAt: new Date(),
    logger: new Logger({ logLevel: 'SILENT' }),
    // The webhook job reports no progress.
    progress: async () => {},
  };
}

/** Partner B's key and token may go only to partner B's receiver (`partnerUrl`). */
function jobsFor(partnerUrl: string, allow: readonly string[] = ['127.0.0.1']) {
  const webhooks = defineConfig({
    appName: 'test',
    queues: { default: {} },
    webhooks: {
      signingKeys: { partnerB: { secret: 'prod/partner-b/signing', destinations: [partnerUrl] } },
      secretHeaders: {
        partnerBToken: { secret: 'prod/partner-b/token', destinations: [partnerUrl] },
      },
    },
  }).webhooks;
  const http = createOutboundHttp({ allow });
  const secrets = createWebhookSecrets(
    webhooks,
    localSecretResolver({
      'prod/partner-b/signing': 'partner-b-key',
      'prod/partner-b/token': 'partner-b-token',
    }),
  );
  return { webhook: createWebhookJob({ http, secrets }), report: createGenerateReportJob(http) };
}

async function runWebhook(payload: unknown, job = jobsFor('https://b.example.com/').webhook) {
  const parsed = await validatePayload('webhook', job.schema, payload);
  return job.run(parsed, context());
}

async function failure(outcome: unknown): Promise<Error> {
  return Promise.resolve(outcome).then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: Error) => error,
  );
}

describe('the producer cannot choose the signing secret', () => {
  it('refuses secretRef (env:HOME signed with the worker’s $HOME before)', async () => {
    const server = await sink();
    const error = await failure(runWebhook({ url: server.url, body: {}, secretRef: 'env:HOME' }));
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect(error.message).toContain('secretRef');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a key id that is not configured, without naming any secret or variable', async () => {
    const server = await sink();
    const error = await failure(
      runWebhook(
        { url: server.url, body: {}, signingKey: 'HOME' },
        jobsFor(`${server.url}/`).webhook,
      ),
    );
    expect(error).toBeInstanceOf(WebhookSecretRefusedError);
    expect(error.message).toBe('signing key "HOME" is not configured');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses partner B’s key for the producer’s own server, naming no configured destination', async () => {
    const attacker = await sink();
    const error = await failure(
      runWebhook(
        { url: `${attacker.url}/collect`, body: { forged: true }, signingKey: 'partnerB' },
        jobsFor('https://b.example.com/hooks/').webhook,
      ),
    );
    expect(error).toBeInstanceOf(WebhookSecretRefusedError);
    expect(error.message).not.toContain('b.example.com');
    expect(error.message).not.toContain('prod/partner-b');
    expect(attacker.requests).toHaveLength(0);
  });

  it('refuses partner B’s token header for the producer’s own server', async () => {
    const attacker = await sink();
    const error = await failure(
      runWebhook(
        {
          url: attacker.url,
          body: {},
          headers: { authorization: { secretHeader: 'partnerBToken' } },
        },
        jobsFor('https://b.example.com/').webhook,
      ),
    );
    expect(error).toBeInstanceOf(WebhookSecretRefusedError);
    expect(attacker.requests).toHaveLength(0);
  });

  it('says only the key id and the error name when a secret cannot be read', async () => {
    const server = await sink();
    const secrets = createWebhookSecrets(
      {
        signingKeys: {
          partnerB: { secret: 'prod/partner-b/signing', destinations: [`${server.url}/`] },
        },
        secretHeaders: {},
      },
      async () => {
        throw Object.assign(new Error('Secret prod/partner-b/signing not found'), {
          name: 'ResourceNotFoundException',
        });
      },
    );
    const job = createWebhookJob({ http: createOutboundHttp({ allow: ['127.0.0.1'] }), secrets });
    const error = await failure(
      runWebhook({ url: server.url, body: {}, signingKey: 'partnerB' }, job),
    );
    expect(error).toBeInstanceOf(RetryJobError);
    expect(error.message).toContain('signing key "partnerB"');
    expect(error.message).not.toContain('prod/partner-b');
  });

  it('matches destinations by scheme, host, port and path segment', () => {
    const prefix = 'https://b.example.com/hooks';
    expect(isUnderDestination(new URL('https://b.example.com/hooks'), prefix)).toBe(true);
    expect(isUnderDestination(new URL('https://b.example.com/hooks/x?y=1'), prefix)).toBe(true);
    expect(isUnderDestination(new URL('https://b.example.com/hooksmith'), prefix)).toBe(false);
    expect(isUnderDestination(new URL('http://b.example.com/hooks'), prefix)).toBe(false);
    expect(isUnderDestination(new URL('https://b.example.com:8443/hooks'), prefix)).toBe(false);
    expect(isUnderDestination(new URL('https://b.example.com.evil.io/hooks'), prefix)).toBe(false);
    expect(isUnderDestination(new URL('https://b.example.com/hooks/../admin'), prefix)).toBe(false);
  });
});

describe('the producer cannot reach what the worker can', () => {
  it.each([
    ['localhost', (port: string) => `http://localhost:${port}/`],
    ['127.0.0.1 in decimal', (port: string) => `http://2130706433:${port}/`],
    ['127.0.0.1', (port: string) => `http://127.0.0.1:${port}/`],
  ])('a webhook to %s is refused, not retried, and nothing is sent', async (_name, url) => {
    const server = await sink();
    const { webhook } = jobsFor('https://b.example.com/', []);
    const error = await failure(
      runWebhook({ url: url(new URL(server.url).port), body: {} }, webhook),
    );
    expect(error).toBeInstanceOf(OutboundRequestRefusedError);
    expect((error as OutboundRequestRefusedError).rule).toBe('loopback');
    expect(server.requests).toHaveLength(0);
  });

  it('a webhook to the metadata address is refused', async () => {
    const error = await failure(
      runWebhook({ url: 'http://169.254.169.254/latest/api/token', method: 'PUT', body: {} }),
    );
    expect(error).toBeInstanceOf(OutboundRequestRefusedError);
  });

  it('a report callback that redirects to 127.0.0.1 is not followed', async () => {
    const dashboard = await sink();
    const redirecting = await sink(() => ({
      status: 302,
      headers: { location: `${dashboard.url}/api/dlq/default/purge` },
    }));
    const { report } = jobsFor('https://b.example.com/', [
      `127.0.0.1:${new URL(redirecting.url).port}`,
    ]);
    const payload = await validatePayload('generate-report', report.schema, {
      reportId: 'r1',
      accountId: 'a1',
      callbackUrl: `${redirecting.url}/done`,
      rows: 1,
    });
    const error = await failure(report.run(payload, context()));
    expect(error).toBeInstanceOf(OutboundRequestRefusedError);
    expect((error as OutboundRequestRefusedError).rule).toBe('redirect');
    expect(redirecting.requests).toHaveLength(1);
    expect(dashboard.requests).toHaveLength(0);
  });

  it('a report callback to localhost is refused', async () => {
    const server = await sink();
    const { report } = jobsFor('https://b.example.com/', []);
    const payload = await validatePayload('generate-report', report.schema, {
      reportId: 'r1',
      accountId: 'a1',
      callbackUrl: `http://localhost:${new URL(server.url).port}/done`,
      rows: 1,
    });
    expect(await failure(report.run(payload, context()))).toBeInstanceOf(
      OutboundRequestRefusedError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('the producer cannot forge lambda-jobs’ own headers', () => {
  it.each([
    'x-lambda-jobs-id',
    'X-Lambda-Jobs-Signature',
    'x-lambda-jobs-attempt',
    'Host',
    'transfer-encoding',
    'connection',
  ])('refuses %s in the payload, naming the header', async (name) => {
    const server = await sink();
    const error = await failure(
      runWebhook({ url: server.url, body: {}, headers: { [name]: 'forged' } }),
    );
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).field).toBe(`payload.headers.${name}`);
    expect(error.message).toContain('reserved header');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a header value that would split the request', async () => {
    const error = await failure(
      runWebhook({
        url: 'https://b.example.com/',
        body: {},
        headers: { 'x-a': 'v\r\nx-lambda-jobs-id: forged' },
      }),
    );
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).field).toBe('payload.headers.x-a');
  });
});
