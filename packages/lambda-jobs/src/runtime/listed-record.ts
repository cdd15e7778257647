/**
 * What a job list shows of a record: the attributes the `byQueueStatus` index projects
 * (`TABLE_SCHEMA.byQueueStatus.listedFields`), so that an index entry stays one write unit
 * whatever the payload, output or stack. The error is its short form (`errorSummary`: name and
 * the head of the message); `jobs show` and the dashboard's detail read the whole record.
 */
import { TABLE_SCHEMA } from '../config/table-schema.ts';
import type { JobRecord, StoredError } from './job-record.ts';

/** Characters of an error's name and message a list keeps. */
export const ERROR_SUMMARY_LIMITS = { name: 60, message: 160, field: 60 } as const;

/** The short form of an error that job lists show. */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  /** The input field at fault, when the error names one. */
  readonly field?: string;
}

const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * The `errorSummary` attribute written beside `error`: its name, message and field, cut to
 * {@link ERROR_SUMMARY_LIMITS} (the stack is not listed).
 *
 * @example `errorSummaryOf({ name: 'TypeError', message: 'x is undefined', stack }).message === 'x is undefined'`
 */
export function errorSummaryOf(error: StoredError): ErrorSummary {
  return {
    name: cut(error.name, ERROR_SUMMARY_LIMITS.name),
    message: cut(error.message, ERROR_SUMMARY_LIMITS.message),
    ...(error.field === undefined ? {} : { field: cut(error.field, ERROR_SUMMARY_LIMITS.field) }),
  };
}

/**
 * `record` as a job list returns it: the projected fields only, its error as the summary.
 * Every store's `list` and `listExpiredRunning` answer exactly this.
 *
 * @example `listedRecord(await store.get(id)).envelope === undefined`
 */
export function listedRecord(record: JobRecord): JobRecord {
  const source = record as unknown as Record<string, unknown>;
  const listed: Record<string, unknown> = {};
  for (const field of TABLE_SCHEMA.byQueueStatus.listedFields) {
    if (source[field] !== undefined) listed[field] = source[field];
  }
  if (record.error) listed.error = errorSummaryOf(record.error);
  return listed as unknown as JobRecord;
}
