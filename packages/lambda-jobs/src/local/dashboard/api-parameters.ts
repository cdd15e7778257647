/**
 * Reads and checks every value the dashboard API takes from a path, a query string or a body.
 * A bad value throws {@link JobInputError} naming the parameter and the values it accepts, which
 * the API answers with 400 `{ error, field, limit }`.
 */
import { JobInputError } from '../../runtime/errors.ts';
import { ALL_STATUSES, isJobStatus, type JobStatus } from '../../runtime/job-status.ts';
import { LIMITS } from '../../runtime/limits.ts';

/** Page sizes for job lists and DLQ lists. */
export const PAGE_LIMIT = { min: 1, max: 100, default: 25 } as const;
/** Chart window of `/api/samples`, minutes. */
export const SAMPLE_MINUTES = { min: 1, max: 1440, default: 60 } as const;
/** Messages one redrive from the dashboard may move. */
export const REDRIVE_LIMIT = { min: 1, max: 10_000 } as const;
/** The longest look-back `since` accepts as a duration. */
export const MAX_SINCE_DAYS = 90;

const SINCE_LIMIT = `an ISO 8601 instant (2026-11-22T10:00:00Z) or a duration back from now, 1 s to ${MAX_SINCE_DAYS} days (30s, 15m, 1h, 24h, 7d)`;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
/** Cursors are the store's opaque base64url tokens. */
const CURSOR = /^[A-Za-z0-9_=-]{1,16384}$/;

/**
 * Throws unless every query parameter is one of `allowed` and appears at most once.
 *
 * @example
 * ```ts
 * rejectUnknownParameters(url.searchParams, ['since']);
 * ```
 */
export function rejectUnknownParameters(query: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!allowed.includes(name)) {
      throw new JobInputError(
        name,
        allowed.length > 0 ? `one of the parameters ${allowed.join(', ')}` : 'no query parameters',
        `Unknown query parameter "${name}". This endpoint takes: ${allowed.join(', ') || 'none'}.`,
      );
    }
    if (seen.has(name)) {
      throw new JobInputError(name, 'given once', `Query parameter "${name}" is given twice.`);
    }
    seen.add(name);
  }
}

/** A query value; an empty value (an HTML form's "all" option) counts as absent. */
export function optionalParameter(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

/**
 * A job id: 1–128 of `A-Z a-z 0-9 _ -`.
 *
 * @example
 * ```ts
 * parseJobId('0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f');
 * ```
 */
export function parseJobId(value: string): string {
  if (!LIMITS.jobIdPattern.test(value)) {
    throw new JobInputError(
      'id',
      '1–128 characters of A-Z a-z 0-9 _ -',
      `Job id "${value.slice(0, 140)}" is not valid: ids are 1–128 characters of A-Z a-z 0-9 _ -.`,
    );
  }
  return value;
}

/**
 * A configured queue's name.
 *
 * @example
 * ```ts
 * parseQueueName('default', ['default', 'slow']);
 * ```
 */
export function parseQueueName(value: string, configured: readonly string[]): string {
  if (!configured.includes(value)) {
    throw new JobInputError(
      'queue',
      `one of the configured queues (${configured.join(', ')})`,
      `Queue "${value.slice(0, 140)}" is not configured. Configured queues: ${configured.join(', ')}.`,
    );
  }
  return value;
}

/**
 * A job status, as in runtime/job-status.ts.
 *
 * @example
 * ```ts
 * parseStatus('ERRORED');
 * ```
 */
export function parseStatus(value: string): JobStatus {
  if (!isJobStatus(value)) {
    throw new JobInputError(
      'status',
      `one of ${ALL_STATUSES.join(', ')}`,
      `Status "${value.slice(0, 140)}" is not a job status. Use one of ${ALL_STATUSES.join(', ')}.`,
    );
  }
  return value;
}

/**
 * A job type name: 1–100 of letters, digits, `.`, `_`, `:`, `-`, starting with a letter or digit.
 *
 * @example
 * ```ts
 * parseJobType('webhook');
 * ```
 */
export function parseJobType(value: string, field = 'type'): string {
  if (!LIMITS.jobTypePattern.test(value)) {
    throw new JobInputError(
      field,
      '1–100 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit',
      `Job type "${value.slice(0, 140)}" is not a valid type name.`,
    );
  }
  return value;
}

/**
 * A whole number in `[min, max]`, from a query string or a JSON body.
 *
 * @example
 * ```ts
 * parseWholeNumber('25', 'limit', PAGE_LIMIT); // 25
 * ```
 */
export function parseWholeNumber(
  value: unknown,
  field: string,
  range: { readonly min: number; readonly max: number },
): number {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  const wellFormed = typeof value === 'number' || /^\d+$/.test(String(value));
  if (!wellFormed || !Number.isSafeInteger(number) || number < range.min || number > range.max) {
    throw new JobInputError(
      field,
      `a whole number from ${range.min} to ${range.max}`,
      `${field} must be a whole number from ${range.min} to ${range.max}; got ${JSON.stringify(value)?.slice(0, 40)}.`,
    );
  }
  return number;
}

/**
 * `since` as an ISO 8601 instant: either given as one, or as a duration back from `now`.
 *
 * @example
 * ```ts
 * parseSince('15m', Date.parse('2026-11-22T10:00:00Z')); // '2026-11-22T09:45:00.000Z'
 * ```
 */
export function parseSince(value: string, now: number = Date.now()): string {
  const duration = DURATION.exec(value);
  if (duration) {
    const seconds = Number(duration[1]) * UNIT_SECONDS[duration[2] as keyof typeof UNIT_SECONDS];
    if (seconds >= 1 && seconds <= MAX_SINCE_DAYS * 86_400) {
      return new Date(now - seconds * 1000).toISOString();
    }
  } else if (ISO_INSTANT.test(value) && Number.isFinite(Date.parse(value))) {
    return new Date(Date.parse(value)).toISOString();
  }
  throw new JobInputError(
    'since',
    SINCE_LIMIT,
    `since "${value.slice(0, 60)}" is neither an ISO 8601 instant nor a duration like 15m, 1h or 24h.`,
  );
}

/**
 * A page cursor as returned by a previous page (opaque base64url).
 *
 * @example
 * ```ts
 * parseCursor(page.cursor!);
 * ```
 */
export function parseCursor(value: string): string {
  if (!CURSOR.test(value)) {
    throw new JobInputError(
      'cursor',
      'the cursor of a previous page (1–16384 characters of A-Z a-z 0-9 _ - =)',
      'cursor is not a cursor this dashboard returned.',
    );
  }
  return value;
}

/** What `POST /api/dlq/:queue/redrive` takes. */
export interface RedriveRequest {
  readonly type?: string;
  readonly limit?: number;
  readonly dryRun?: boolean;
  readonly includeUnrunnable?: boolean;
}

const REDRIVE_FIELDS = ['type', 'limit', 'dryRun', 'includeUnrunnable'];

/**
 * Checks a redrive request body: `{ type?, limit?, dryRun?, includeUnrunnable? }`, nothing else.
 *
 * @example
 * ```ts
 * parseRedriveRequest({ type: 'webhook', limit: 10 });
 * ```
 */
export function parseRedriveRequest(body: unknown): RedriveRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new JobInputError(
      'body',
      'a JSON object { type?, limit?, dryRun?, includeUnrunnable? }',
      'The redrive request must be a JSON object.',
    );
  }
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!REDRIVE_FIELDS.includes(name)) {
      throw new JobInputError(
        `body.${name}`,
        `one of the fields ${REDRIVE_FIELDS.join(', ')}`,
        `Unknown redrive field "${name}".`,
      );
    }
  }
  const request: {
    type?: string;
    limit?: number;
    dryRun?: boolean;
    includeUnrunnable?: boolean;
  } = {};
  if (fields.type !== undefined && fields.type !== '') {
    if (typeof fields.type !== 'string') {
      throw new JobInputError('body.type', 'a job type name', 'body.type must be a string.');
    }
    request.type = parseJobType(fields.type, 'body.type');
  }
  if (fields.limit !== undefined) {
    request.limit = parseWholeNumber(fields.limit, 'body.limit', REDRIVE_LIMIT);
  }
  if (fields.dryRun !== undefined) {
    if (typeof fields.dryRun !== 'boolean') {
      throw new JobInputError('body.dryRun', 'true or false', 'body.dryRun must be a boolean.');
    }
    request.dryRun = fields.dryRun;
  }
  if (fields.includeUnrunnable !== undefined) {
    if (typeof fields.includeUnrunnable !== 'boolean') {
      throw new JobInputError(
        'body.includeUnrunnable',
        'true or false',
        'body.includeUnrunnable must be a boolean.',
      );
    }
    request.includeUnrunnable = fields.includeUnrunnable;
  }
  return request;
}
