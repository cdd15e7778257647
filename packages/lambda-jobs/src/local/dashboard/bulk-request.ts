/**
 * The body of the dashboard's "Retry all" / "Cancel all" (`POST /api/bulk/retry|cancel`):
 * the jobs list's filters, checked as the list's query parameters are.
 */
import { BULK_LIMIT, type BulkSelection } from '../../runtime/admin/bulk-job-actions.ts';
import { JobInputError } from '../../runtime/errors.ts';
import {
  parseJobType,
  parseQueueName,
  parseSince,
  parseStatus,
  parseWholeNumber,
} from './api-parameters.ts';

/** A checked bulk request: the selection, and whether only to count. */
export interface BulkRequest {
  readonly selection: BulkSelection;
  readonly dryRun: boolean;
}

const FIELDS = ['status', 'queue', 'type', 'since', 'limit', 'dryRun'];

function text(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new JobInputError(`body.${name}`, 'a string', `body.${name} must be a string.`);
  }
  return value;
}

/**
 * Checks a bulk request body: `status` required, `queue` one of `queues`, `limit` 1–1000
 * (default 100). Throws JobInputError naming the field.
 *
 * @example
 * ```ts
 * parseBulkRequest({ status: 'ERRORED', queue: 'default' }, ['default']);
 * ```
 */
export function parseBulkRequest(body: unknown, queues: readonly string[]): BulkRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new JobInputError(
      'body',
      'a JSON object { status, queue?, type?, since?, limit?, dryRun? }',
      'The bulk request must be a JSON object.',
    );
  }
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!FIELDS.includes(name)) {
      throw new JobInputError(
        `body.${name}`,
        `one of ${FIELDS.join(', ')}`,
        `Unknown field "${name}".`,
      );
    }
  }
  const status = text(fields, 'status');
  if (status === undefined) {
    throw new JobInputError('body.status', 'a job status', 'A bulk action needs a status filter.');
  }
  const queue = text(fields, 'queue');
  const type = text(fields, 'type');
  const since = text(fields, 'since');
  if (fields.dryRun !== undefined && typeof fields.dryRun !== 'boolean') {
    throw new JobInputError('body.dryRun', 'true or false', 'body.dryRun must be a boolean.');
  }
  return {
    selection: {
      status: parseStatus(status),
      ...(queue !== undefined ? { queue: parseQueueName(queue, queues) } : {}),
      ...(type !== undefined ? { type: parseJobType(type, 'body.type') } : {}),
      ...(since !== undefined ? { since: parseSince(since) } : {}),
      limit:
        fields.limit !== undefined
          ? parseWholeNumber(fields.limit, 'body.limit', { min: 1, max: BULK_LIMIT.max })
          : BULK_LIMIT.default,
    },
    dryRun: fields.dryRun === true,
  };
}
