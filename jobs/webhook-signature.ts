import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature of a webhook body. */
export const SIGNATURE_HEADER = 'x-lambda-jobs-signature';

/**
 * Signs `body` sent at `timestampSeconds`: `t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 * Receivers recompute it with the shared secret and reject old timestamps (replays).
 *
 * @example
 * ```ts
 * signWebhook('{"ok":true}', 'secret', 1763805600); // 't=1763805600,v1=5d1c…'
 * ```
 */
export function signWebhook(body: string, secret: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * Checks a signature header on the receiving side; false when it does not match or is older
 * than `toleranceSeconds`.
 */
export function verifyWebhook(
  body: string,
  header: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return false;
  const expected = Buffer.from(signWebhook(body, secret, timestamp));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
