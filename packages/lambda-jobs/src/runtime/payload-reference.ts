import { MalformedEnvelopeError, PayloadReferenceError } from './errors.ts';
import { LIMITS } from './limits.ts';

/**
 * Where a job's payload lives when it was too large for its message (the claim check,
 * `docs/large-payloads.md`): the envelope's `payloadRef` replaces its `payload`. The object
 * holds the payload's JSON, UTF-8.
 *
 * @example
 * ```json
 * { "bucket": "shop-jobs-payloads-123456789012-eu-west-1", "key": "payloads/0196f3c4-…/9f86d08….json",
 *   "bytes": 1048576, "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }
 * ```
 */
export interface PayloadReference {
  readonly bucket: string;
  /** `payloads/<job id>/<sha256>.json`: the worker refuses any other key for the job. */
  readonly key: string;
  /** UTF-8 bytes of the object. */
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the object's bytes. */
  readonly sha256: string;
}

/** Every payload object's key starts with this (the grants and the lifecycle rule use it). */
export const PAYLOAD_KEY_PREFIX = 'payloads/';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const REFERENCE_FIELDS = new Set(['bucket', 'key', 'bytes', 'sha256']);

/**
 * The object key of a job's payload: `payloads/<job id>/<sha256>.json`. Content-addressed
 * under the job id, so a retry, a redrive or a re-enqueue with the same id and payload reads
 * the same object, and a different payload never overwrites one a message still names.
 *
 * @example `payloadObjectKey('j1', 'ab…') === 'payloads/j1/ab….json'`
 */
export function payloadObjectKey(jobId: string, sha256: string): string {
  return `${PAYLOAD_KEY_PREFIX}${jobId}/${sha256}.json`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of an envelope's `payloadRef` (at parse, before anything is trusted).
 * Throws {@link MalformedEnvelopeError} naming the field.
 */
export function checkPayloadReferenceShape(value: unknown): asserts value is PayloadReference {
  const bad = (field: string, rule: string): never => {
    throw new MalformedEnvelopeError(`payloadRef.${field}`, `payloadRef.${field} ${rule}`);
  };
  if (!isObject(value))
    throw new MalformedEnvelopeError('payloadRef', 'payloadRef must be an object');
  const unknown = Object.keys(value).find((k) => !REFERENCE_FIELDS.has(k));
  if (unknown !== undefined) bad(unknown, 'is not a payloadRef field (bucket, key, bytes, sha256)');
  if (typeof value.bucket !== 'string' || !BUCKET_NAME.test(value.bucket)) {
    bad('bucket', 'must be an S3 bucket name (3–63 of a-z 0-9 . -)');
  }
  if (typeof value.key !== 'string' || value.key.length === 0 || value.key.length > 1024) {
    bad('key', 'must be a string of 1 to 1024 characters');
  }
  if (typeof value.bytes !== 'number' || !Number.isInteger(value.bytes) || value.bytes < 0) {
    bad('bytes', 'must be a whole number of bytes');
  }
  if (typeof value.sha256 !== 'string' || !SHA256_HEX.test(value.sha256)) {
    bad('sha256', 'must be 64 lowercase hex digits');
  }
}

/**
 * A producer may write any reference into a message: the worker reads only the stack's own
 * payload bucket, only the key that belongs to the job (`payloads/<job id>/<sha256>.json`),
 * and only up to the size limit. Throws {@link PayloadReferenceError} naming bucket and key.
 */
export function assertTrustedReference(
  ref: PayloadReference,
  jobId: string,
  ownBucket: string | undefined,
  maxBytes: number,
): void {
  if (ownBucket === undefined) {
    throw new PayloadReferenceError(
      ref.bucket,
      ref.key,
      'this deployment has no payload bucket (largePayloads is off); the message cannot be read',
    );
  }
  if (ref.bucket !== ownBucket) {
    throw new PayloadReferenceError(
      ref.bucket,
      ref.key,
      `refused: the worker reads payloads only from its own bucket ${ownBucket}`,
    );
  }
  if (ref.key !== payloadObjectKey(jobId, ref.sha256) || !LIMITS.jobIdPattern.test(jobId)) {
    throw new PayloadReferenceError(
      ref.bucket,
      ref.key,
      `refused: the key of job ${jobId}'s payload must be ${payloadObjectKey(jobId, ref.sha256)}`,
    );
  }
  if (ref.bytes > maxBytes) {
    throw new PayloadReferenceError(
      ref.bucket,
      ref.key,
      `refused: ${ref.bytes} bytes; the limit is ${maxBytes} bytes (largePayloads.maxBytes)`,
    );
  }
}

/** Where a job's payload lives, as `jobs show` and the dashboard say it. */
export interface StoredPayload {
  readonly bytes: number;
  /** `s3://<bucket>/<key>`. */
  readonly location: string;
}

/**
 * The payload fields of a log line for a job type that sets `exposePayload`: the payload when
 * it came in the message; where it is stored when it came by reference (`stored_payload`). A
 * payload in S3 may be up to `largePayloads.maxBytes` (16 MiB by default), far past CloudWatch
 * Logs' 256 KiB per event: Lambda would cut the line, and the JSON of every job it names with it.
 *
 * @example `exposedPayloadFields({ n: 1 }, undefined) // { payload: { n: 1 } }`
 */
export function exposedPayloadFields(
  payload: unknown,
  ref: PayloadReference | undefined,
): { readonly payload: unknown } | { readonly stored_payload: StoredPayload } {
  if (!ref) return { payload };
  return { stored_payload: { bytes: ref.bytes, location: `s3://${ref.bucket}/${ref.key}` } };
}

/**
 * The payload reference of a stored message body (a record's `envelope`), when its payload went
 * to S3; undefined for an inline payload, no body, or one that does not parse.
 *
 * @example `storedPayloadOf(record.envelope) // { bytes: 312345, location: 's3://b/payloads/j1/ab….json' }`
 */
export function storedPayloadOf(body: string | undefined): StoredPayload | undefined {
  if (body === undefined || !body.includes('"payloadRef"')) return undefined;
  try {
    const ref = (JSON.parse(body) as { payloadRef?: unknown }).payloadRef;
    checkPayloadReferenceShape(ref);
    return { bytes: ref.bytes, location: `s3://${ref.bucket}/${ref.key}` };
  } catch {
    return undefined;
  }
}
