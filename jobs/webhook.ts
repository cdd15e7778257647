import {
  defineJob,
  isReservedHeaderName,
  type OutboundHttp,
  OutboundRequestRefusedError,
  type OutboundResponse,
  RetryJobError,
  UnrecoverableJobError,
  WEBHOOK_KEY_ID_PATTERN,
} from 'lambda-jobs';
import * as z from 'zod/mini';
import './schema-messages.ts';
import type { WebhookSecrets } from './webhook-secrets.ts';
import { JOB_ID_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature.ts';

/** An HTTP header name (an RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** A header value: no line breaks or NUL (they would split or end the header). */
const HEADER_VALUE = /^[^\r\n\0]{0,8192}$/;
/** Most headers a payload may set. */
const MAX_HEADERS = 50;

const keyId = z.string().check(z.regex(WEBHOOK_KEY_ID_PATTERN));

const headerName = z.string().check(z.regex(HEADER_NAME));

export const webhookPayload = z.strictObject({
  /** http(s) URL to call. Its address must be public unless `outbound.allow` lists it. */
  url: z.url({ protocol: /^https?$/ }).check(z.maxLength(2048)),
  method: z._default(z.enum(['POST', 'PUT', 'PATCH']), 'POST'),
  /** Sent as JSON. */
  body: z.unknown(),
  /**
   * Extra request headers: a value, or `{ secretHeader: '<id>' }` for a value held in Secrets
   * Manager (config `webhooks.secretHeaders`); the record keeps only the id. `host`, hop-by-hop
   * and `x-lambda-jobs-*` headers are refused.
   */
  headers: z._default(
    z
      .record(
        headerName,
        z.union([z.string().check(z.regex(HEADER_VALUE)), z.strictObject({ secretHeader: keyId })]),
      )
      .check(
        z.refine((headers) => Object.keys(headers).length <= MAX_HEADERS, {
          message: `at most ${MAX_HEADERS} headers`,
        }),
        z.superRefine((headers, ctx) => {
          for (const name of Object.keys(headers)) {
            if (!isReservedHeaderName(name)) continue;
            ctx.issues.push({
              code: 'custom',
              input: name,
              path: [name],
              message:
                'reserved header: host, hop-by-hop and x-lambda-jobs-* headers are set by lambda-jobs',
            });
          }
        }),
      ),
    {},
  ),
  /**
   * Id of a signing key in config `webhooks.signingKeys`; the URL must be under one of its
   * destinations. Without it the request is not signed.
   */
  signingKey: z.optional(keyId),
  /** Per-request timeout, ms (also bounded by the job's deadline). */
  timeoutMs: z._default(z.int().check(z.minimum(100), z.maximum(60_000)), 10_000),
});

export type WebhookPayload = z.input<typeof webhookPayload>;

/** What a delivered webhook records as its output. */
export interface WebhookResult {
  readonly status: number;
  readonly durationMs: number;
}

/** What the webhook job needs from its process: outbound HTTP and configured secrets. */
export interface WebhookJobDependencies {
  readonly http: OutboundHttp;
  readonly secrets: WebhookSecrets;
}

/** Longest Retry-After honoured, seconds (12 h: the SQS visibility ceiling). */
const MAX_RETRY_AFTER_SECONDS = 43_200;

/** Parses Retry-After (seconds or an HTTP date) into seconds from now. */
export function retryAfterSeconds(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim())
    ? Number(value.trim())
    : (Date.parse(value) - nowMs) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil(seconds)));
}

type Headers = z.output<typeof webhookPayload>['headers'];

/** The payload's headers, names lower-cased, secret headers resolved for this URL. */
async function producerHeaders(
  headers: Headers,
  url: URL,
  secrets: WebhookSecrets,
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    resolved[name.toLowerCase()] =
      typeof value === 'string' ? value : await secrets.headerValue(value.secretHeader, url);
  }
  return resolved;
}

/** Classifies the answer: a 2xx is the result; 429 and 5xx retry; any other status does not. */
function outcome(response: OutboundResponse, where: string, durationMs: number): WebhookResult {
  const { status } = response;
  if (status >= 200 && status < 300) return { status, durationMs };
  if (status === 429 || status >= 500) {
    const header = response.headers['retry-after'];
    const after = retryAfterSeconds(typeof header === 'string' ? header : null, Date.now());
    throw new RetryJobError(
      `${where} answered ${status}`,
      after === undefined ? {} : { afterSeconds: after },
    );
  }
  throw new UnrecoverableJobError(
    `${where} answered ${status}; not retried (a 4xx other than 429 will not change on retry)`,
  );
}

/**
 * The `webhook` job: sends JSON to a URL, signed with a configured key. The payload names the
 * key (`signingKey`), never its secret; the key signs only for its configured destinations.
 * The signature covers the job id, method, URL and body (jobs/webhook-signature.ts). Requests
 * go through {@link OutboundHttp}: non-public addresses, redirects and reserved headers are
 * refused and not retried. Retries on network errors, timeouts, 5xx and 429 (honouring
 * Retry-After); any other 4xx is unrecoverable.
 *
 * @example
 * ```ts
 * await jobs.enqueue(webhook, {
 *   url: 'https://partner.example.com/hooks/orders',
 *   body: { orderId: 'o_123', event: 'order.paid' },
 *   signingKey: 'partnerB',
 *   headers: { authorization: { secretHeader: 'partnerBToken' } },
 * });
 * ```
 */
export function createWebhookJob({ http, secrets }: WebhookJobDependencies) {
  return defineJob({
    type: 'webhook',
    schema: webhookPayload,
    retries: 8,
    retryDelay: { kind: 'exponential', baseSeconds: 5, maxSeconds: 3600, jitter: 'equal' },
    timeoutSeconds: 30,
    async run(payload, ctx): Promise<WebhookResult> {
      const url = new URL(payload.url);
      const body = JSON.stringify(payload.body ?? null);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'lambda-jobs-webhook/1',
        ...(await producerHeaders(payload.headers, url, secrets)),
        [JOB_ID_HEADER]: ctx.jobId,
        'x-lambda-jobs-attempt': String(ctx.attempt),
      };
      if (payload.signingKey) {
        const keys = await secrets.signingSecrets(payload.signingKey, url);
        const delivery = { jobId: ctx.jobId, method: payload.method, url: url.href, body };
        headers[SIGNATURE_HEADER] = signWebhook(delivery, keys, Math.floor(Date.now() / 1000));
      }
      const where = `${payload.method} ${url.host}`;
      const started = Date.now();
      let response: OutboundResponse;
      try {
        response = await http.send({
          url: url.href,
          method: payload.method,
          headers,
          body,
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(payload.timeoutMs)]),
        });
      } catch (error) {
        if (error instanceof OutboundRequestRefusedError) throw error;
        throw new RetryJobError(
          `Webhook request to ${url.host} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      return outcome(response, where, Date.now() - started);
    },
  });
}
