import type { Logger } from '@aws-lambda-powertools/logger';
import { parseEnvelope } from './envelope.ts';
import type { AnyJobDefinition } from './job-definition.ts';
import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import { validatePayload } from './payload-schema.ts';

/**
 * Runs a job type's `onAborted` hook for a record whose attempt was lost (LOST, or RETRYING
 * when attempts remain) or that was CANCELLED, with the attempt and the attempts allowed. The
 * payload is read back from the stored envelope (undefined when it was too large to keep).
 * Errors from the hook are caught and logged: they never block the record.
 *
 * @returns true when the hook ran without throwing (or there is none)
 */
export async function runAbortHook(
  definition: AnyJobDefinition | undefined,
  record: JobRecord,
  logger: Logger,
): Promise<boolean> {
  if (!definition?.onAborted) return true;
  try {
    let payload: unknown;
    if (record.envelope) {
      payload = await validatePayload(
        definition.type,
        definition.schema,
        parseEnvelope(record.envelope).payload,
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
