import * as z from 'zod/mini';
import type { SecretResolver } from '../runtime/adapters/aws/secrets-manager-secrets.ts';
import { RetryJobError, UnrecoverableJobError } from '../runtime/errors.ts';
import { defineJob } from '../runtime/job-definition.ts';
import './schema-messages.ts';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.ts';

export const webhookPayload = z.object({
  /** http(s) URL to call. */
  url: z.url({ protocol: /^https?$/ }),
  method: z._default(z.enum(['POST', 'PUT', 'PATCH']), 'POST'),
  /** Sent as JSON. */
  body: z.unknown(),
  headers: z._default(z.record(z.string(), z.string()), {}),
  /**
   * Reference to the signing secret: a Secrets Manager name or ARN, or `env:NAME` for an
   * environment variable. Without it the request is not signed.
   */
  secretRef: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  /** Per-request timeout, ms (also bounded by the job's deadline). */
  timeoutMs: z._default(z.int().check(z.minimum(100), z.maximum(60_000)), 10_000),
});

export type WebhookPayload = z.input<typeof webhookPayload>;

/** What a delivered webhook records as its output. */
export interface WebhookResult {
  readonly status: number;
  readonly durationMs: number;
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

/**
 * The `webhook` job: POSTs JSON to a URL with an HMAC-SHA256 signature header. Retries on
 * network errors, timeouts, 5xx and 429 (honouring Retry-After); any other 4xx is
 * unrecoverable (the receiver said no; retrying would not change its mind).
 *
 * @example
 * ```ts
 * await jobs.enqueue(webhook, {
 *   url: 'https://partner.example.com/hooks/orders',
 *   body: { orderId: 'o_123', event: 'order.paid' },
 *   secretRef: 'prod/webhooks/partner-signing-key',
 * });
 * ```
 */
export function createWebhookJob(resolveSecret: SecretResolver) {
  return defineJob({
    type: 'webhook',
    schema: webhookPayload,
    retries: 8,
    retryDelay: { kind: 'exponential', baseSeconds: 5, maxSeconds: 3600, jitter: 'equal' },
    timeoutSeconds: 30,
    async run(payload, ctx): Promise<WebhookResult> {
      const body = JSON.stringify(payload.body ?? null);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'lambda-jobs-webhook/1',
        'x-lambda-jobs-id': ctx.jobId,
        'x-lambda-jobs-attempt': String(ctx.attempt),
        ...payload.headers,
      };
      if (payload.secretRef) {
        const secret = await resolveSecret(payload.secretRef);
        headers[SIGNATURE_HEADER] = signWebhook(body, secret, Math.floor(Date.now() / 1000));
      }
      const started = Date.now();
      let response: Response;
      try {
        response = await fetch(payload.url, {
          method: payload.method,
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(payload.timeoutMs)]),
        });
      } catch (error) {
        throw new RetryJobError(
          `Webhook request to ${new URL(payload.url).host} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      await response.body?.cancel();
      const durationMs = Date.now() - started;
      if (response.status >= 200 && response.status < 300)
        return { status: response.status, durationMs };
      const where = `${payload.method} ${new URL(payload.url).host}`;
      if (response.status === 429 || response.status >= 500) {
        const after = retryAfterSeconds(response.headers.get('retry-after'), Date.now());
        throw new RetryJobError(
          `${where} answered ${response.status}`,
          after === undefined ? {} : { afterSeconds: after },
        );
      }
      throw new UnrecoverableJobError(
        `${where} answered ${response.status}; not retried (a 4xx other than 429 will not change on retry)`,
      );
    },
  });
}
