import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';

/**
 * The message body a producer would send for a job of `type` on the `default` queue, enqueued
 * now: for tests that put messages on a queue, or in a batch, by hand.
 *
 * @example
 * ```ts
 * const body = envelopeBody(newJobId(), 'echo', { n: 2 });
 * ```
 */
export function envelopeBody(id: string, type: string, payload: unknown): string {
  return serializeEnvelope({
    version: ENVELOPE_VERSION,
    id,
    type,
    queue: 'default',
    payload,
    enqueuedAt: new Date().toISOString(),
  });
}
