import { createHash } from 'node:crypto';
import { bodyBytes, type JobEnvelope } from './envelope.ts';
import { PayloadReferenceError } from './errors.ts';
import { assertTrustedReference } from './payload-reference.ts';
import type { PayloadReader } from './ports.ts';

/** Where a worker reads payloads that travel by reference. */
export interface PayloadSource {
  /** The stack's payload bucket; undefined when the deployment has none. */
  readonly store: PayloadReader | undefined;
  /** The largest payload read, bytes (`largePayloads.maxBytes`). */
  readonly maxBytes: number;
}

/**
 * The payload of an envelope as `run` receives it: inline, or read from the payload bucket
 * when the message carries `payloadRef`. The reference must name the stack's own bucket and the
 * job's own key, and the object must match its size and SHA-256 and be JSON; otherwise a
 * {@link PayloadReferenceError} naming bucket and key (the job is ERRORED, never retried in
 * vain). Other errors (throttling, network) are transient: the delivery is tried again.
 *
 * @example
 * ```ts
 * const payload = await envelopePayload(parseEnvelope(body), { store, maxBytes: 16_777_216 });
 * ```
 */
export async function envelopePayload(
  envelope: JobEnvelope,
  source: PayloadSource | undefined,
): Promise<unknown> {
  const ref = envelope.payloadRef;
  if (!ref) return envelope.payload;
  const store = source?.store;
  assertTrustedReference(ref, envelope.id, store?.bucket, source?.maxBytes ?? 0);
  const text = await store!.get(ref.key, ref.bytes);
  const bytes = bodyBytes(text);
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  if (bytes !== ref.bytes || sha256 !== ref.sha256) {
    throw new PayloadReferenceError(
      ref.bucket,
      ref.key,
      `the object (${bytes} bytes, sha256 ${sha256}) does not match the reference (${ref.bytes} bytes, sha256 ${ref.sha256})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new PayloadReferenceError(ref.bucket, ref.key, 'the object is not JSON', { cause });
  }
}
