import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_VERSION,
  type JobEnvelope,
  parseEnvelope,
  salvageJobId,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { MalformedEnvelopeError } from '../../packages/lambda-jobs/src/runtime/errors.ts';

const schema = JSON.parse(
  readFileSync(
    new URL('../../packages/lambda-jobs/schemas/job-envelope.v1.schema.json', import.meta.url),
    'utf8',
  ),
);
const ajv = new Ajv2020({ strict: false });
const matchesSchema = ajv.compile(schema);

const valid: JobEnvelope = {
  version: ENVELOPE_VERSION,
  id: '0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f',
  type: 'webhook',
  queue: 'default',
  payload: { url: 'https://example.com/hook', body: { ok: true } },
  enqueuedAt: '2026-11-22T10:00:00.000Z',
  options: {
    retries: 5,
    retryDelay: { kind: 'exponential', baseSeconds: 2, maxSeconds: 60, jitter: 'full' },
  },
};

/** The same job with its payload in S3: `payloadRef` instead of `payload`. */
const { payload: _inline, ...withoutPayload } = valid;
const referenced = {
  ...withoutPayload,
  payloadRef: {
    bucket: 'shop-jobs-payloads',
    key: `payloads/${valid.id}/${'a'.repeat(64)}.json`,
    bytes: 300_000,
    sha256: 'a'.repeat(64),
  },
} as JobEnvelope;

describe('job envelope', () => {
  it('round-trips an envelope whose payload is in S3, which the published JSON Schema accepts', () => {
    const body = serializeEnvelope(referenced);
    expect(parseEnvelope(body)).toEqual(referenced);
    expect(matchesSchema(JSON.parse(body))).toBe(true);
  });

  it('round-trips through serialize and parse, and matches the published JSON Schema', () => {
    const body = serializeEnvelope(valid);
    expect(parseEnvelope(body)).toEqual(valid);
    expect(matchesSchema(JSON.parse(body))).toBe(true);
  });

  it.each([
    ['body', '{oops'],
    ['body', '[1,2]'],
    ['version', JSON.stringify({ ...valid, version: 2 })],
    ['id', JSON.stringify({ ...valid, id: 'has spaces' })],
    ['id', JSON.stringify({ ...valid, id: 'slash/not/allowed' })],
    ['type', JSON.stringify({ ...valid, type: '' })],
    ['queue', JSON.stringify({ ...valid, queue: 7 })],
    ['payload', JSON.stringify({ ...valid, payload: undefined })],
    ['enqueuedAt', JSON.stringify({ ...valid, enqueuedAt: 'yesterday' })],
    ['enqueuedAt', JSON.stringify({ ...valid, enqueuedAt: '2026-11-22' })],
    ['priority', JSON.stringify({ ...valid, priority: 5 })],
    ['options.delay', JSON.stringify({ ...valid, options: { delay: 5 } })],
    ['options.retries', JSON.stringify({ ...valid, options: { retries: -1 } })],
    ['options.timeoutSeconds', JSON.stringify({ ...valid, options: { timeoutSeconds: 901 } })],
    [
      'options.concurrencyKey',
      JSON.stringify({ ...valid, options: { concurrencyKey: 'k'.repeat(513) } }),
    ],
    [
      'options.retryDelay',
      JSON.stringify({ ...valid, options: { retryDelay: { kind: 'linear' } } }),
    ],
    ['payloadRef', JSON.stringify({ ...referenced, payload: { inline: true } })],
    ['payloadRef', JSON.stringify({ ...referenced, payloadRef: 'payloads/x.json' })],
    [
      'payloadRef.bucket',
      JSON.stringify({ ...referenced, payloadRef: { ...referenced.payloadRef, bucket: 'A/B' } }),
    ],
    [
      'payloadRef.key',
      JSON.stringify({ ...referenced, payloadRef: { ...referenced.payloadRef, key: '' } }),
    ],
    [
      'payloadRef.bytes',
      JSON.stringify({ ...referenced, payloadRef: { ...referenced.payloadRef, bytes: -1 } }),
    ],
    [
      'payloadRef.sha256',
      JSON.stringify({ ...referenced, payloadRef: { ...referenced.payloadRef, sha256: 'x' } }),
    ],
    [
      'payloadRef.url',
      JSON.stringify({
        ...referenced,
        payloadRef: { ...referenced.payloadRef, url: 'https://evil.example.com/' },
      }),
    ],
  ])(
    'rejects a bad %s with a MalformedEnvelopeError naming it, as the JSON Schema does',
    (field, body) => {
      let caught: unknown;
      try {
        parseEnvelope(body);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MalformedEnvelopeError);
      expect((caught as MalformedEnvelopeError).field).toBe(field);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return; // not JSON at all: nothing for the schema to judge
      }
      expect(matchesSchema(json)).toBe(false);
    },
  );

  it('escapes the characters SQS refuses so any JSON payload can travel', () => {
    const body = serializeEnvelope({ ...valid, payload: { text: 'a\uFFFEb\uFFFF' } });
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(parseEnvelope(body).payload).toEqual({ text: 'a\uFFFEb\uFFFF' });
  });

  it('salvages the job id of a body that fails other checks, and nothing from broken JSON', () => {
    expect(salvageJobId(JSON.stringify({ ...valid, version: 9 }))).toBe(valid.id);
    expect(salvageJobId('{broken')).toBeUndefined();
  });
});
