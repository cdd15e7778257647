import type { Logger } from '@aws-lambda-powertools/logger';
import { parseEnvelope } from './envelope.ts';
import type { AnyJobDefinition } from './job-definition.ts';
import type { JobRecord } from './job-record.ts';
import { validatePayload } from './payload-schema.ts';

/**
 * Runs a job type's `onAborted` hook for a record that became LOST or CANCELLED. The payload
 * is read back from the stored envelope (undefined when it was too large to keep). Errors
 * from the hook are caught and logged: they never block the record.
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
    await definition.onAborted(payload, { record });
    return true;
  } catch (error) {
    logger.error('onAborted hook failed', {
      job_id: record.id,
      job_type: record.type,
      queue: record.queue,
      status: record.status,
      error,
    });
    return false;
  }
}
