/**
 * Request headers a caller's (producer's) headers may not set: `host` (it would redirect the
 * request on shared front ends), the hop-by-hop headers of RFC 9110 §7.6.1 and framing headers
 * (the client sets them), and every `x-lambda-jobs-*` header (the job's id, attempt and
 * signature are lambda-jobs' own, so a receiver can trust them).
 */
const RESERVED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);

/**
 * True for `host`, hop-by-hop and framing headers: no caller sets these, the HTTP client does.
 *
 * @example `isTransportHeaderName('Transfer-Encoding') === true`
 */
export function isTransportHeaderName(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

/** The prefix of lambda-jobs' own headers. */
export const PROJECT_HEADER_PREFIX = 'x-lambda-jobs-';

/**
 * True when a caller may not set header `name` (case-insensitive).
 *
 * @example
 * ```ts
 * isReservedHeaderName('X-Lambda-Jobs-Id'); // true
 * isReservedHeaderName('authorization');    // false
 * ```
 */
export function isReservedHeaderName(name: string): boolean {
  return isTransportHeaderName(name) || name.toLowerCase().startsWith(PROJECT_HEADER_PREFIX);
}
