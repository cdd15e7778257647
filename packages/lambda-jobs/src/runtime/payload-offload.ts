import { createHash } from 'node:crypto';
import { bodyBytes, type JobEnvelope, serializeEnvelope } from './envelope.ts';
import { JobInputError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { type PayloadReference, payloadObjectKey } from './payload-reference.ts';
import type { PayloadStore } from './ports.ts';

/** When and where a producer puts payloads too large for their message. */
export interface LargePayloadPolicy {
  /** The payload bucket; undefined when the deployment has none (LAMBDA_JOBS_PAYLOAD_BUCKET unset). */
  readonly store: PayloadStore | undefined;
  /** Envelopes above this many bytes go through S3. */
  readonly thresholdBytes: number;
  /** The largest payload accepted, bytes of JSON. */
  readonly maxBytes: number;
  /** The longest delay of a job whose payload goes to S3 (its object expires after that). */
  readonly maxDelaySeconds: number;
}

/** A job whose payload goes to S3: the object to put first, then the message naming it. */
export interface OffloadedPayload {
  readonly envelope: JobEnvelope;
  readonly body: string;
  readonly object: { readonly key: string; readonly body: string };
}

/**
 * Moves an envelope's payload out of the message: the payload's JSON becomes an object at
 * `payloads/<job id>/<sha256>.json`, and the envelope carries `payloadRef` instead of
 * `payload`. Nothing is written here; the caller puts the object before it sends the message.
 * A payload over `maxBytes` (or with no bucket to go to) is a {@link JobInputError} naming the
 * size and the limit.
 *
 * @example
 * ```ts
 * const { body, object } = offloadPayload(envelope, 300_000, 0, policy);
 * await policy.store!.put(object.key, object.body); // then send `body`
 * ```
 */
export function offloadPayload(
  envelope: JobEnvelope,
  envelopeBytes: number,
  delaySeconds: number,
  policy: LargePayloadPolicy,
): OffloadedPayload {
  const json = JSON.stringify(envelope.payload);
  const bytes = bodyBytes(json);
  if (bytes > policy.maxBytes) {
    throw new JobInputError(
      'payload',
      `${policy.maxBytes} bytes (largePayloads.maxBytes)`,
      `Payload is ${bytes} bytes; the limit is ${policy.maxBytes} bytes (largePayloads.maxBytes)`,
    );
  }
  if (delaySeconds > policy.maxDelaySeconds) {
    throw new JobInputError(
      'delay',
      `${policy.maxDelaySeconds} seconds for a payload stored in S3 (largePayloads.maxDelaySeconds)`,
      `delay is ${delaySeconds} s; a job whose payload (${bytes} bytes) goes through S3 may wait at most ${policy.maxDelaySeconds} s (largePayloads.maxDelaySeconds), after which its object may expire`,
    );
  }
  if (!policy.store) {
    throw new JobInputError(
      'payload',
      `${LIMITS.maxEnvelopeBytes} bytes per message`,
      `Job message is ${envelopeBytes} bytes; the limit is ${LIMITS.maxEnvelopeBytes} bytes (SQS), and this client has no payload bucket (LAMBDA_JOBS_PAYLOAD_BUCKET: bindEnqueue sets it when largePayloads is on)`,
    );
  }
  const sha256 = createHash('sha256').update(json, 'utf8').digest('hex');
  const payloadRef: PayloadReference = {
    bucket: policy.store.bucket,
    key: payloadObjectKey(envelope.id, sha256),
    bytes,
    sha256,
  };
  const { payload: _inline, ...rest } = envelope;
  const referenced: JobEnvelope = { ...rest, payloadRef } as JobEnvelope;
  return {
    envelope: referenced,
    body: serializeEnvelope(referenced),
    object: { key: payloadRef.key, body: json },
  };
}
