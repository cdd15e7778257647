import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import type { SuccessfulAttempt } from './ports.ts';

/**
 * The record a successful attempt leaves: the claimed RUNNING record without its lease, the
 * previous attempt's error and retry time, with the outcome, `endedAt`/`updatedAt` = `now` and
 * the new `expiresAt`. Every store writes exactly this, one by one or in a batch.
 *
 * @example
 * ```ts
 * const record = succeededRecord({ claimed, result: { status: 'SUCCESSFUL', durationMs: 12 }, now }, expiresAt);
 * ```
 */
export function succeededRecord(attempt: SuccessfulAttempt, expiresAt: number): JobRecord {
  const { leaseExpiresAt: _lease, error: _error, retryAt: _retryAt, ...kept } = attempt.claimed;
  const { result, now } = attempt;
  return {
    ...kept,
    status: JobStatus.SUCCESSFUL,
    endedAt: now,
    durationMs: result.durationMs,
    updatedAt: now,
    expiresAt,
    ...(result.output === undefined ? {} : { output: result.output }),
    ...(result.outputTruncated === undefined ? {} : { outputTruncated: result.outputTruncated }),
  };
}
