import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature of a webhook delivery. */
export const SIGNATURE_HEADER = 'x-lambda-jobs-signature';
/** The header carrying the job id (the same on every attempt: deduplicate by it). */
export const JOB_ID_HEADER = 'x-lambda-jobs-id';

/** What a signature covers. */
export interface SignedDelivery {
  /** The job id, as sent in `x-lambda-jobs-id`. */
  readonly jobId: string;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The URL the request was sent to, normalized as `new URL(url).href`. */
  readonly url: string;
  /** The raw request body. */
  readonly body: string;
}

/**
 * The exact string signed: the fields joined by line feeds (none of the first four can hold
 * one, so the split is unambiguous), the body last and verbatim:
 * `<t>\n<jobId>\n<METHOD>\n<url>\n<body>`.
 *
 * @example `signedString(1763805600, { jobId: 'j1', method: 'POST', url: 'https://b.example.com/h', body: '{}' })`
 */
export function signedString(timestampSeconds: number, delivery: SignedDelivery): string {
  return [
    String(timestampSeconds),
    delivery.jobId,
    delivery.method.toUpperCase(),
    new URL(delivery.url).href,
    delivery.body,
  ].join('\n');
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

/**
 * Signs a delivery at `timestampSeconds` with every secret given (current first, then those
 * still accepted during a rotation): `t=<seconds>,v1=<hex>,v1=<hex>`, each `v1` the hex
 * HMAC-SHA256 of {@link signedString} under one secret.
 *
 * @example
 * ```ts
 * signWebhook({ jobId: 'j1', method: 'POST', url, body }, ['new', 'old'], 1763805600);
 * // 't=1763805600,v1=5d1c…,v1=9a0b…'
 * ```
 */
export function signWebhook(
  delivery: SignedDelivery,
  secrets: readonly string[],
  timestampSeconds: number,
): string {
  const text = signedString(timestampSeconds, delivery);
  return [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${mac(secret, text)}`)].join(',');
}

/** What a receiver has in hand to check a delivery. */
export interface WebhookVerification extends SignedDelivery {
  /** The `x-lambda-jobs-signature` header as received. */
  readonly header: string;
  /** The receiver's secret, or several while it rotates. */
  readonly secret: string | readonly string[];
  /** Now, seconds since the epoch. Default `Date.now() / 1000`. */
  readonly nowSeconds?: number;
  /** Oldest (and furthest in the future) timestamp accepted, seconds. Default 300. */
  readonly toleranceSeconds?: number;
}

/**
 * Checks a webhook delivery on the receiving side: true when the timestamp is within the
 * tolerance and one `v1` of the header is the HMAC of this job id, method, URL and body under
 * one of the secrets (compared in constant time). Receivers should then deduplicate by the job
 * id: a job may be delivered more than once (retries, at-least-once delivery).
 *
 * @example
 * ```ts
 * const ok = verifyWebhookSignature({
 *   header: req.headers['x-lambda-jobs-signature'],
 *   secret: process.env.PARTNER_SIGNING_SECRET,
 *   jobId: req.headers['x-lambda-jobs-id'],
 *   method: req.method,
 *   url: 'https://b.example.com/hooks/orders',
 *   body: rawBody,
 * });
 * ```
 */
export function verifyWebhookSignature(check: WebhookVerification): boolean {
  const fields = check.header.split(',').map((part) => {
    const at = part.indexOf('=');
    return at < 0 ? ['', ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
  const timestamps = fields.filter(([key]) => key === 't').map(([, value]) => value);
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0]!)) return false;
  const timestamp = Number(timestamps[0]);
  const now = check.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (check.toleranceSeconds ?? 300)) return false;
  let text: string;
  try {
    text = signedString(timestamp, check);
  } catch {
    return false; // not a URL
  }
  const given = fields
    .filter(([key, value]) => key === 'v1' && /^[0-9a-f]{64}$/.test(value!))
    .map(([, value]) => Buffer.from(value!, 'hex'));
  const secrets = typeof check.secret === 'string' ? [check.secret] : check.secret;
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(mac(secret, text), 'hex');
    for (const signature of given) {
      // Every pair is compared (no early exit), each in constant time.
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  return matched;
}
