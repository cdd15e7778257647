import type { Logger } from '@aws-lambda-powertools/logger';
import { parseEnvelope } from './envelope.ts';
import type { AnyJobDefinition } from './job-definition.ts';
import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import { envelopePayload, type PayloadSource } from './payload-fetch.ts';
import { validatePayload } from './payload-schema.ts';

/**
 * Runs a job type's `onAborted` hook for a record whose attempt was lost (LOST, or RETRYING
 * when attempts remain) or that was CANCELLED, with the attempt and the attempts allowed. The
 * payload is read from the delivered message when there is one (`deliveredBody`: the worker's
 * rescue on redelivery), else from the envelope the record kept (undefined when it kept none:
 * records keep only small messages, LIMITS.maxLeanEnvelopeBytes). A payload that travels by
 * reference is read from `payloads` (without it, the hook gets undefined). Errors from the hook are
 * caught and logged: they never block the record.
 *
 * @returns true when the hook ran without throwing (or there is none)
 */
export async function runAbortHook(
  definition: AnyJobDefinition | undefined,
  record: JobRecord,
  logger: Logger,
  deliveredBody?: string,
  payloads?: PayloadSource,
): Promise<boolean> {
  if (!definition?.onAborted) return true;
  try {
    let payload: unknown;
    const body = deliveredBody ?? record.envelope;
    const envelope = body ? parseEnvelope(body) : undefined;
    if (envelope && (!envelope.payloadRef || payloads?.store)) {
      payload = await validatePayload(
        definition.type,
        definition.schema,
        await envelopePayload(envelope, payloads),
      );
    }
    await definition.onAborted(payload, {
      record,
      attempt: record.attempts,
      maxAttempts: record.maxAttempts,
      willRetry: record.status === JobStatus.RETRYING,
    });
    return true;
  } catch (error) {
    logger.error('onAborted hook failed', {
      job_id: record.id,
      job_type: record.type,
      queue: record.queue,
      status: record.status,
      attempt: record.attempts,
      error,
    });
    return false;
  }
}
