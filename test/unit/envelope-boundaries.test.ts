import { describe, expect, it } from 'vitest';
import {
  bodyBytes,
  ENVELOPE_VERSION,
  type JobEnvelope,
  keptEnvelope,
  leanEnvelope,
  parseEnvelope,
  salvageConcurrencyKey,
  salvageJobId,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { MalformedEnvelopeError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { LIMITS } from '../../packages/lambda-jobs/src/runtime/limits.ts';

/**
 * Every limit of the envelope at its edge, each refusal with the field and the message the
 * ERRORED record keeps, and what is still read from a body that fails.
 */

const valid: JobEnvelope = {
  version: ENVELOPE_VERSION,
  id: 'job-1',
  type: 'echo',
  queue: 'default',
  payload: {},
  enqueuedAt: '2026-11-22T10:00:00.000Z',
};

const body = (fields: Record<string, unknown>) => JSON.stringify({ ...valid, ...fields });
const withOptions = (options: unknown) => body({ options });

/** The refusal of `text`: its field and message. */
function refusal(text: string): { field: string; message: string } {
  try {
    parseEnvelope(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    const { field, message } = error as MalformedEnvelopeError;
    return { field, message };
  }
  throw new Error('expected a refusal');
}

describe('the envelope fields', () => {
  it('names the field and what it must be', () => {
    expect(refusal('{oops').field).toBe('body');
    expect(refusal('{oops').message).toMatch(/^Message body is not JSON: /);
    expect(refusal('null')).toEqual({
      field: 'body',
      message: 'Message body must be a JSON object (a job envelope)',
    });
    expect(refusal(body({ version: 2 }))).toEqual({
      field: 'version',
      message: 'version must be 1 (this worker reads envelope version 1); got 2',
    });
    expect(refusal(body({ id: 7 }))).toEqual({
      field: 'id',
      message: 'id must be 1–128 characters of A-Z a-z 0-9 _ - : .',
    });
    expect(refusal(body({ type: 7 }))).toEqual({
      field: 'type',
      message: 'type must be 1–100 characters of letters, digits, ".", "_", ":", "-"',
    });
    expect(refusal(body({ queue: '' }))).toEqual({
      field: 'queue',
      message: 'queue must be a non-empty string',
    });
    const { payload: _payload, ...noPayload } = valid;
    expect(refusal(JSON.stringify(noPayload))).toEqual({
      field: 'payload',
      message: 'payload is required (use {} for none)',
    });
    expect(refusal(body({ extra: 1 }))).toEqual({
      field: 'extra',
      message:
        '"extra" is not an envelope field (version 1 has version, id, type, queue, payload, enqueuedAt, options, trace, payloadRef)',
    });
    expect(refusal(body({ enqueuedAt: 5 }))).toEqual({
      field: 'enqueuedAt',
      message: 'enqueuedAt must be an ISO 8601 timestamp',
    });
    expect(refusal(body({ trace: 'abc' }))).toEqual({
      field: 'trace',
      message: 'trace must be an object',
    });
  });

  it('accepts a payload of null, and a trace object', () => {
    expect(parseEnvelope(body({ payload: null, trace: { traceparent: 'x' } })).trace).toEqual({
      traceparent: 'x',
    });
  });

  it('reads enqueuedAt as a whole ISO 8601 instant with a time zone', () => {
    for (const ok of [
      '2026-11-22T10:00:00Z',
      '2026-11-22T10:00:00.123456789Z',
      '2026-11-22T10:00:00+02:00',
      '2026-11-22T10:00:00.5-05:30',
    ]) {
      expect(parseEnvelope(body({ enqueuedAt: ok })).enqueuedAt).toBe(ok);
    }
    for (const bad of [
      'x2026-11-22T10:00:00Z',
      '2026-11-22T10:00:00Zx',
      '2026-11-22T10:00:00',
      '2026-11-22T10:00:00.1234567890Z',
      '2026-13-45T10:00:00Z',
      '2026-11-22 10:00:00Z',
    ]) {
      expect(refusal(body({ enqueuedAt: bad })).field).toBe('enqueuedAt');
    }
  });

  it('takes the id and type patterns whole', () => {
    expect(refusal(body({ id: '' })).field).toBe('id');
    expect(refusal(body({ type: '-starts-with-dash' })).field).toBe('type');
    expect(parseEnvelope(body({ id: 'a:b.c_d-e', type: 'a.b_c:d-e' })).id).toBe('a:b.c_d-e');
  });
});

describe('the envelope options', () => {
  it('must be an object of known options', () => {
    for (const options of [[], 'x', null, 5]) {
      expect(refusal(withOptions(options))).toEqual({
        field: 'options',
        message: 'options must be an object',
      });
    }
    expect(refusal(withOptions({ priority: 1 }))).toEqual({
      field: 'options.priority',
      message: 'options.priority is not an envelope option',
    });
  });

  it('retries: a whole number from 0 to the limit', () => {
    expect(parseEnvelope(withOptions({ retries: 0 })).options).toEqual({ retries: 0 });
    expect(parseEnvelope(withOptions({ retries: LIMITS.maxRetries })).options?.retries).toBe(
      LIMITS.maxRetries,
    );
    for (const retries of [-1, LIMITS.maxRetries + 1, 1.5, '3']) {
      expect(refusal(withOptions({ retries }))).toEqual({
        field: 'options.retries',
        message: `options.retries must be a whole number from 0 to ${LIMITS.maxRetries}`,
      });
    }
  });

  it('timeoutSeconds: a whole number from 1 to the limit', () => {
    expect(parseEnvelope(withOptions({ timeoutSeconds: 1 })).options?.timeoutSeconds).toBe(1);
    expect(
      parseEnvelope(withOptions({ timeoutSeconds: LIMITS.maxTimeoutSeconds })).options
        ?.timeoutSeconds,
    ).toBe(LIMITS.maxTimeoutSeconds);
    for (const timeoutSeconds of [0, LIMITS.maxTimeoutSeconds + 1]) {
      expect(refusal(withOptions({ timeoutSeconds })).field).toBe('options.timeoutSeconds');
    }
  });

  it('concurrencyKey: a string of 1 to the limit', () => {
    const longest = 'k'.repeat(LIMITS.maxConcurrencyKeyLength);
    expect(parseEnvelope(withOptions({ concurrencyKey: 'k' })).options?.concurrencyKey).toBe('k');
    expect(parseEnvelope(withOptions({ concurrencyKey: longest })).options?.concurrencyKey).toBe(
      longest,
    );
    for (const concurrencyKey of ['', `${longest}k`, 42]) {
      expect(refusal(withOptions({ concurrencyKey }))).toEqual({
        field: 'options.concurrencyKey',
        message: `options.concurrencyKey must be a string of 1 to ${LIMITS.maxConcurrencyKeyLength} characters`,
      });
    }
  });

  it('retryDelay: fixed or exponential as data', () => {
    for (const retryDelay of [
      { kind: 'fixed', seconds: 0 },
      { kind: 'exponential', baseSeconds: 0, maxSeconds: 0 },
      { kind: 'exponential', baseSeconds: 2, maxSeconds: 2, jitter: 'full' },
      { kind: 'exponential', baseSeconds: 2, maxSeconds: 9, jitter: 'equal' },
      { kind: 'exponential', baseSeconds: 2, maxSeconds: 9, jitter: 'none' },
    ]) {
      expect(parseEnvelope(withOptions({ retryDelay })).options?.retryDelay).toEqual(retryDelay);
    }
    for (const retryDelay of [
      'fixed',
      { kind: 'fixed', seconds: -1 },
      { kind: 'fixed', seconds: '5' },
      { kind: 'fixed' },
      { kind: 'exponential', baseSeconds: -1, maxSeconds: 5 },
      { kind: 'exponential', baseSeconds: 6, maxSeconds: 5 },
      { kind: 'exponential', baseSeconds: '1', maxSeconds: 5 },
      { kind: 'exponential', baseSeconds: 1, maxSeconds: '5' },
      { kind: 'exponential', baseSeconds: 1, maxSeconds: 5, jitter: 'some' },
      { kind: 'exponential', baseSeconds: 1, maxSeconds: 5, jitter: '' },
      { kind: 'linear', seconds: 5 },
      { kind: 'linear', baseSeconds: 1, maxSeconds: 5 },
    ]) {
      expect(refusal(withOptions({ retryDelay }))).toEqual({
        field: 'options.retryDelay',
        message:
          'options.retryDelay must be {kind:"fixed",seconds} or {kind:"exponential",baseSeconds,maxSeconds,jitter?}',
      });
    }
  });
});

describe('bodies, sizes and what a failed body still gives', () => {
  it('escapes U+FFFE, U+FFFF and characters beyond U+FFFF as lower-case \\u escapes', () => {
    const envelope: JobEnvelope = { ...valid, payload: { t: 'a\uFFFE😀\u00e9' } };
    const text = serializeEnvelope(envelope);
    expect(text).toContain('a\\ufffe\\ud83d\\ude00\u00e9');
    expect(parseEnvelope(text).payload).toEqual({ t: 'a\uFFFE😀\u00e9' });
  });

  it('counts bytes as UTF-8, and keeps a body up to the stored-envelope limit', () => {
    expect(bodyBytes('é😀')).toBe(6);
    const fits = 'x'.repeat(LIMITS.maxStoredEnvelopeBytes);
    expect(keptEnvelope(fits)).toEqual({ envelope: fits });
    expect(keptEnvelope(`${fits}x`)).toEqual({});
  });

  it('salvages an id only when it is a valid job id', () => {
    expect(salvageJobId(body({ version: 9 }))).toBe('job-1');
    expect(salvageJobId(body({ id: 'has spaces' }))).toBeUndefined();
    expect(salvageJobId(body({ id: 5 }))).toBeUndefined();
    expect(salvageJobId('[1]')).toBeUndefined();
  });

  it('salvages a concurrency key only when it could have been taken', () => {
    const longest = 'k'.repeat(LIMITS.maxConcurrencyKeyLength);
    expect(salvageConcurrencyKey(body({ version: 9, options: { concurrencyKey: 'acct:1' } }))).toBe(
      'acct:1',
    );
    expect(salvageConcurrencyKey(withOptions({ concurrencyKey: longest }))).toBe(longest);
    expect(salvageConcurrencyKey(withOptions({ concurrencyKey: `${longest}k` }))).toBeUndefined();
    expect(salvageConcurrencyKey(withOptions({ concurrencyKey: '' }))).toBeUndefined();
    expect(salvageConcurrencyKey(withOptions({ concurrencyKey: 7 }))).toBeUndefined();
    expect(salvageConcurrencyKey(withOptions(['acct:1']))).toBeUndefined();
    expect(salvageConcurrencyKey('{broken')).toBeUndefined();
    expect(salvageConcurrencyKey('"acct:1"')).toBeUndefined();
  });

  it('salvages a key only when it is a string (an array of the right length is no key)', () => {
    expect(salvageConcurrencyKey(withOptions({ concurrencyKey: ['a', 'b'] }))).toBeUndefined();
    expect(salvageConcurrencyKey(withOptions({ concurrencyKey: 'acct:1' }))).toBe('acct:1');
  });
});

describe('what the common path keeps of a body (leanEnvelope)', () => {
  const reference = (length: number) => {
    const head = '{"payloadRef":{"key":"';
    const tail = '"}}';
    return `${head}${'k'.repeat(length - head.length - tail.length)}${tail}`;
  };

  it('keeps a body up to the lean limit, and nothing of a larger one without a payload reference', () => {
    const fits = 'x'.repeat(LIMITS.maxLeanEnvelopeBytes);
    expect(leanEnvelope(fits)).toEqual({ envelope: fits });
    expect(leanEnvelope(`${fits}x`)).toEqual({});
    expect(leanEnvelope('é'.repeat(LIMITS.maxLeanEnvelopeBytes / 2 + 1))).toEqual({});
  });

  it('keeps a payload reference up to its own limit, counted in UTF-8 bytes', () => {
    const fits = reference(LIMITS.maxReferenceEnvelopeBytes);
    expect(bodyBytes(fits)).toBe(LIMITS.maxReferenceEnvelopeBytes);
    expect(leanEnvelope(fits)).toEqual({ envelope: fits });
    expect(leanEnvelope(reference(LIMITS.maxReferenceEnvelopeBytes + 1))).toEqual({});
    const mentionOnly = `{"note":"payloadRef","pad":"${'p'.repeat(LIMITS.maxLeanEnvelopeBytes)}"}`;
    expect(leanEnvelope(mentionOnly)).toEqual({});
  });
});

describe('refusals that name their cause', () => {
  it('keeps the JSON error as the cause of a body that is not JSON, and no cause otherwise', () => {
    const notJson = (() => {
      try {
        parseEnvelope('{broken');
      } catch (error) {
        return error;
      }
    })() as MalformedEnvelopeError;
    expect(notJson).toBeInstanceOf(MalformedEnvelopeError);
    expect(notJson.cause).toBeInstanceOf(SyntaxError);
    const badField = (() => {
      try {
        parseEnvelope(body({ queue: '' }));
      } catch (error) {
        return error;
      }
    })() as MalformedEnvelopeError;
    expect('cause' in badField).toBe(false);
  });

  it('refuses an enqueuedAt that only contains an instant (an expanded year), or is not a string', () => {
    // Date.parse reads the expanded year; the schema's pattern does not allow it.
    expect(Number.isNaN(Date.parse('+002026-11-22T10:00:00.000Z'))).toBe(false);
    for (const enqueuedAt of [
      '+002026-11-22T10:00:00.000Z',
      'x2026-11-22T10:00:00.000Z',
      ['2026-11-22T10:00:00.000Z'],
    ]) {
      expect(refusal(body({ enqueuedAt })).field).toBe('enqueuedAt');
    }
  });

  it('says why a payload beside its reference is refused', () => {
    expect(
      refusal(body({ payloadRef: { bucket: 'b', key: 'k', bytes: 1, sha256: 'a'.repeat(64) } })),
    ).toEqual({ field: 'payloadRef', message: 'payload and payloadRef exclude each other' });
  });

  it('refuses whole-number options outside their range or of another kind', () => {
    for (const retries of [-1, 1.5, '3', LIMITS.maxRetries + 1]) {
      expect(refusal(withOptions({ retries })).field).toBe('options.retries');
    }
    expect(refusal(withOptions({ timeoutSeconds: 0 })).message).toBe(
      `options.timeoutSeconds must be a whole number from 1 to ${LIMITS.maxTimeoutSeconds}`,
    );
  });
});
