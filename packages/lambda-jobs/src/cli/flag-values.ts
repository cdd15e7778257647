/**
 * Reads and checks flag values. A bad value is a {@link CliUsageError} naming the flag, what it
 * accepts and what was given.
 */
import { ALL_STATUSES, isJobStatus, type JobStatus } from '../runtime/job-status.ts';
import { LIMITS } from '../runtime/limits.ts';
import { CliUsageError } from './cli-errors.ts';

const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function bad(flag: string, allowed: string, value: string): never {
  throw new CliUsageError(`--${flag} must be ${allowed}; got "${value.slice(0, 80)}".`);
}

/**
 * A job status, any case.
 *
 * @example `parseStatusFlag('errored') === 'ERRORED'`
 */
export function parseStatusFlag(value: string): JobStatus {
  const upper = value.toUpperCase();
  if (!isJobStatus(upper)) bad('status', `one of ${ALL_STATUSES.join(', ')}`, value);
  return upper;
}

/**
 * `--since`: a duration back from now (`90s`, `15m`, `1h`, `7d`) or an ISO 8601 date or instant.
 *
 * @example `parseSinceFlag('1h', Date.parse('2026-11-22T10:00:00Z')) === '2026-11-22T09:00:00.000Z'`
 */
export function parseSinceFlag(value: string, now: number = Date.now()): string {
  const duration = DURATION.exec(value);
  if (duration) {
    const seconds = Number(duration[1]) * UNIT_SECONDS[duration[2] as keyof typeof UNIT_SECONDS];
    return new Date(now - seconds * 1000).toISOString();
  }
  if (ISO_INSTANT.test(value) && Number.isFinite(Date.parse(value))) {
    return new Date(Date.parse(value)).toISOString();
  }
  return bad(
    'since',
    'a duration back from now (30s, 15m, 1h, 7d) or an ISO 8601 date or instant (2026-11-22T10:00:00Z)',
    value,
  );
}

/**
 * A whole number in `[min, max]`.
 *
 * @example `parseWholeFlag('limit', '25', 1, 100) === 25`
 */
export function parseWholeFlag(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    bad(flag, `a whole number from ${min} to ${max}`, value);
  }
  return number;
}

/**
 * A positive number (fractions allowed) up to `max`.
 *
 * @example `parsePositiveFlag('rate', '0.5', 1000) === 0.5`
 */
export function parsePositiveFlag(flag: string, value: string, max: number): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0) || number > max) {
    bad(flag, `a number above 0 and at most ${max}`, value);
  }
  return number;
}

/**
 * `--delay` seconds: 0 to one year (beyond 900 s the target needs EventBridge Scheduler).
 *
 * @example `parseDelayFlag('30') === 30`
 */
export function parseDelayFlag(value: string): number {
  return parseWholeFlag('delay', value, 0, LIMITS.maxDelaySeconds);
}

/**
 * `--payload`: a JSON value.
 *
 * @example `parsePayloadFlag('{"n":1}')` → `{ n: 1 }`
 */
export function parsePayloadFlag(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    return bad(
      'payload',
      `JSON, e.g. '{"url":"https://example.com/hook"}' (${(error as Error).message})`,
      value,
    );
  }
}

/**
 * A job type name (for filters: any well-formed name, registered or not).
 *
 * @example `parseTypeFlag('webhook') === 'webhook'`
 */
export function parseTypeFlag(value: string): string {
  if (!LIMITS.jobTypePattern.test(value)) {
    bad('type', '1–100 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit', value);
  }
  return value;
}
