/**
 * Whether a dead letter could run if it were sent back: the same checks the worker makes
 * before it claims a job (a readable envelope, a known type, a payload its schema accepts, the
 * queue it names). A redrive leaves a message that fails them in the DLQ (the worker would
 * only reject it again) unless the operator asks for it by job id or with `includeUnrunnable`.
 */
import { parseEnvelope } from '../envelope.ts';
import { JobInputError, MalformedEnvelopeError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { validatePayload } from '../payload-schema.ts';
import type { JobRegistry } from '../registry.ts';

/** Error names the worker gives a message it rejected without running it. */
const REJECTION_ERRORS: ReadonlySet<string> = new Set([
  'MalformedEnvelopeError',
  'UnknownJobTypeError',
  'PayloadValidationError',
  'JobInputError',
  'UnknownQueueError',
  'PayloadReferenceError',
]);

function fieldNote(error: unknown): string {
  const field =
    error instanceof MalformedEnvelopeError || error instanceof JobInputError
      ? error.field
      : undefined;
  return field ? ` (field ${field})` : '';
}

/**
 * Why `body` cannot run on `queue`, or undefined when it can. Without a registry, only the
 * envelope's shape and queue are checked, and a record the worker wrote when it rejected the
 * message (ERRORED, no attempt) counts as the verdict.
 *
 * @example
 * ```ts
 * await unrunnableReason('{"broken"', { queue: 'default', registry }); // 'not a job envelope: … (field body)'
 * ```
 */
export async function unrunnableReason(
  body: string,
  context: {
    readonly queue: string;
    readonly registry?: JobRegistry | undefined;
    readonly record?: JobRecord | undefined;
  },
): Promise<string | undefined> {
  let envelope: ReturnType<typeof parseEnvelope>;
  try {
    envelope = parseEnvelope(body);
  } catch (error) {
    return `not a job envelope: ${(error as Error).message}${fieldNote(error)}`;
  }
  if (envelope.queue !== context.queue) {
    return `its envelope names queue "${envelope.queue}", not "${context.queue}" (field queue)`;
  }
  if (context.registry) {
    const definition = context.registry.find(envelope.type);
    if (!definition) {
      return `unknown job type "${envelope.type}" (field type): the worker does not define it`;
    }
    // A payload in S3 is read and checked by the worker that runs it: the message is runnable.
    if (envelope.payloadRef) return undefined;
    try {
      await validatePayload(definition.type, definition.schema, envelope.payload);
    } catch (error) {
      return `its payload fails the schema of ${envelope.type}: ${(error as Error).message}${fieldNote(error)}`;
    }
    return undefined;
  }
  const error = context.record?.error;
  if (context.record?.attempts === 0 && error && REJECTION_ERRORS.has(error.name)) {
    return `the worker rejected it without running it: ${error.name}: ${error.message}${error.field ? ` (field ${error.field})` : ''}`;
  }
  return undefined;
}
