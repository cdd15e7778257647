import { MalformedEnvelopeError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { checkPayloadReferenceShape, type PayloadReference } from './payload-reference.ts';

/** The envelope format version this runtime writes and reads. */
export const ENVELOPE_VERSION = 1;

/** Per-job overrides carried in the message; absent fields fall back to the job type's defaults. */
export interface EnvelopeOptions {
  readonly retries?: number;
  readonly timeoutSeconds?: number;
  readonly concurrencyKey?: string;
  /** Exponential or fixed retry delay as data (functions cannot travel in a message). */
  readonly retryDelay?:
    | { readonly kind: 'fixed'; readonly seconds: number }
    | {
        readonly kind: 'exponential';
        readonly baseSeconds: number;
        readonly maxSeconds: number;
        readonly jitter?: 'full' | 'equal' | 'none';
      };
}

/** Trace context propagated from the producer (W3C traceparent and/or X-Ray trace header). */
export interface TraceContext {
  readonly traceparent?: string;
  readonly xRayTraceId?: string;
}

/**
 * The message body of every job: versioned JSON, published as
 * `schemas/job-envelope.v1.schema.json` so any language can enqueue with a plain SendMessage.
 *
 * @example
 * ```json
 * { "version": 1, "id": "0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f", "type": "webhook",
 *   "queue": "default", "payload": { "url": "https://example.com/hook", "body": {} },
 *   "enqueuedAt": "2026-11-22T10:00:00.000Z", "options": { "retries": 5 } }
 * ```
 */
export interface JobEnvelope {
  readonly version: typeof ENVELOPE_VERSION;
  readonly id: string;
  readonly type: string;
  readonly queue: string;
  readonly payload: unknown;
  readonly enqueuedAt: string;
  readonly options?: EnvelopeOptions;
  readonly trace?: TraceContext;
  /**
   * Instead of `payload`, when the payload was too large for the message: where it is stored
   * (`runtime/payload-reference.ts`, `docs/large-payloads.md`).
   */
  readonly payloadRef?: PayloadReference;
}

/** ISO 8601 instant with a time zone, as the JSON Schema requires. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ENVELOPE_FIELDS = new Set([
  'version',
  'id',
  'type',
  'queue',
  'payload',
  'enqueuedAt',
  'options',
  'trace',
  'payloadRef',
]);
const OPTION_FIELDS = new Set(['retries', 'timeoutSeconds', 'concurrencyKey', 'retryDelay']);

/**
 * SQS accepts only #x9 #xA #xD, #x20–#xD7FF, #xE000–#xFFFD and #x10000–#x10FFFF. JSON leaves
 * U+FFFE and U+FFFF raw; characters beyond U+FFFF (emoji, say) are allowed by SQS but refused
 * by the dev-mode emulator, whose check reads UTF-16 units. Both are written as `\u` escapes.
 */
const CHARACTERS_TO_ESCAPE = /[\uFFFE\uFFFF]|[\uD800-\uDFFF]/g;

/**
 * Serialises an envelope to the message body. Characters that would not travel everywhere
 * (U+FFFE, U+FFFF, and those beyond U+FFFF) are written as `\u` escapes: the JSON means the
 * same, so every JSON payload arrives exactly as sent.
 */
export function serializeEnvelope(envelope: JobEnvelope): string {
  return JSON.stringify(envelope).replace(
    CHARACTERS_TO_ESCAPE,
    // Stryker disable next-line StringLiteral: every character escaped here is U+D800 or above, four hex digits, so the padding never pads
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** UTF-8 size of a message body, the unit of the SQS size limit. */
export function bodyBytes(body: string): number {
  // Stryker disable next-line StringLiteral: Buffer.byteLength counts an unknown encoding ('') as UTF-8
  return Buffer.byteLength(body, 'utf8');
}

/**
 * The message body as a record written on a failure path keeps it (for retry and redrive),
 * when it fits in LIMITS.maxStoredEnvelopeBytes; nothing otherwise.
 */
export function keptEnvelope(body: string): { envelope?: string } {
  return bodyBytes(body) <= LIMITS.maxStoredEnvelopeBytes ? { envelope: body } : {};
}

/**
 * The message body as a record written on the common path keeps it (the QUEUED record, the
 * claim): only when it fits in LIMITS.maxLeanEnvelopeBytes, so that the record stays one write
 * unit; nothing otherwise (the message itself carries it, see `docs/data-model.md`).
 *
 * @example `leanEnvelope(bodyOf32Kb) // {}`
 */
export function leanEnvelope(body: string): { envelope?: string } {
  const bytes = bodyBytes(body);
  if (bytes <= LIMITS.maxLeanEnvelopeBytes) return { envelope: body };
  // A large payload's reference is kept too: it is what `jobs show` and retries read.
  return bytes <= LIMITS.maxReferenceEnvelopeBytes && body.includes('"payloadRef":{')
    ? { envelope: body }
    : {};
}

function fail(field: string, message: string, cause?: unknown): never {
  throw new MalformedEnvelopeError(field, message, cause === undefined ? undefined : { cause });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalInteger(
  options: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): void {
  const value = options[key];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`options.${key}`, `options.${key} must be a whole number from ${min} to ${max}`);
  }
}

function checkOptions(options: unknown): void {
  if (options === undefined) return;
  if (!isObject(options)) fail('options', 'options must be an object');
  const unknown = Object.keys(options).find((key) => !OPTION_FIELDS.has(key));
  if (unknown !== undefined)
    fail(`options.${unknown}`, `options.${unknown} is not an envelope option`);
  optionalInteger(options, 'retries', 0, LIMITS.maxRetries);
  optionalInteger(options, 'timeoutSeconds', 1, LIMITS.maxTimeoutSeconds);
  const key = options.concurrencyKey;
  if (
    key !== undefined &&
    (typeof key !== 'string' || key.length === 0 || key.length > LIMITS.maxConcurrencyKeyLength)
  ) {
    fail(
      'options.concurrencyKey',
      `options.concurrencyKey must be a string of 1 to ${LIMITS.maxConcurrencyKeyLength} characters`,
    );
  }
  const delay = options.retryDelay;
  if (delay !== undefined) {
    const ok =
      isObject(delay) &&
      ((delay.kind === 'fixed' && typeof delay.seconds === 'number' && delay.seconds >= 0) ||
        (delay.kind === 'exponential' &&
          typeof delay.baseSeconds === 'number' &&
          typeof delay.maxSeconds === 'number' &&
          delay.baseSeconds >= 0 &&
          delay.maxSeconds >= delay.baseSeconds &&
          (delay.jitter === undefined ||
            ['full', 'equal', 'none'].includes(String(delay.jitter)))));
    if (!ok) {
      fail(
        'options.retryDelay',
        'options.retryDelay must be {kind:"fixed",seconds} or {kind:"exponential",baseSeconds,maxSeconds,jitter?}',
      );
    }
  }
}

/**
 * Parses and checks a message body. Throws {@link MalformedEnvelopeError} naming the field
 * that is wrong; the dispatcher records that as an ERRORED job and moves the message to the DLQ.
 */
export function parseEnvelope(body: string): JobEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    fail('body', `Message body is not JSON: ${(cause as Error).message}`, cause);
  }
  if (!isObject(value)) fail('body', 'Message body must be a JSON object (a job envelope)');
  if (value.version !== ENVELOPE_VERSION) {
    fail(
      'version',
      `version must be ${ENVELOPE_VERSION} (this worker reads envelope version ${ENVELOPE_VERSION}); got ${JSON.stringify(value.version)}`,
    );
  }
  if (typeof value.id !== 'string' || !LIMITS.jobIdPattern.test(value.id)) {
    fail('id', 'id must be 1–128 characters of A-Z a-z 0-9 _ - : .');
  }
  if (typeof value.type !== 'string' || !LIMITS.jobTypePattern.test(value.type)) {
    fail('type', 'type must be 1–100 characters of letters, digits, ".", "_", ":", "-"');
  }
  if (typeof value.queue !== 'string' || value.queue.length === 0) {
    fail('queue', 'queue must be a non-empty string');
  }
  if (value.payloadRef !== undefined) {
    if ('payload' in value) fail('payloadRef', 'payload and payloadRef exclude each other');
    checkPayloadReferenceShape(value.payloadRef);
  } else if (!('payload' in value)) fail('payload', 'payload is required (use {} for none)');
  const unknown = Object.keys(value).find((key) => !ENVELOPE_FIELDS.has(key));
  if (unknown !== undefined)
    fail(
      unknown,
      `"${unknown}" is not an envelope field (version 1 has ${[...ENVELOPE_FIELDS].join(', ')})`,
    );
  if (
    typeof value.enqueuedAt !== 'string' ||
    !ISO_INSTANT.test(value.enqueuedAt) ||
    Number.isNaN(Date.parse(value.enqueuedAt))
  ) {
    fail('enqueuedAt', 'enqueuedAt must be an ISO 8601 timestamp');
  }
  checkOptions(value.options);
  if (value.trace !== undefined && !isObject(value.trace)) fail('trace', 'trace must be an object');
  return value as unknown as JobEnvelope;
}

/** The job id of a body that failed to parse, when one can still be read; for the ERRORED record. */
export function salvageJobId(body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (isObject(value) && typeof value.id === 'string' && LIMITS.jobIdPattern.test(value.id)) {
      return value.id;
    }
  } catch {
    // not JSON: no id to salvage
  }
  return undefined;
}

/**
 * The concurrency key of a body that failed to parse, when one can still be read: a rejected
 * message releases the key its job holds (the release is conditional on the holder's job id).
 *
 * @example `salvageConcurrencyKey('{"id":"j1","options":{"concurrencyKey":"acct:1"}}') === 'acct:1'`
 */
export function salvageConcurrencyKey(body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body);
    const key =
      // Stryker disable next-line ConditionalExpression,LogicalOperator: reading a key off a non-object throws and is caught, or gives undefined: both salvage nothing
      isObject(value) && isObject(value.options) ? value.options.concurrencyKey : undefined;
    if (typeof key === 'string' && key.length > 0 && key.length <= LIMITS.maxConcurrencyKeyLength) {
      return key;
    }
  } catch {
    // not JSON: no key to salvage
  }
  return undefined;
}
