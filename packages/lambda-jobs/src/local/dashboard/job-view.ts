/**
 * What the dashboard sends to the browser about a job or a dead letter. Payloads may hold
 * personal data, so they leave the server only for job types defined with `exposePayload: true`;
 * the stored envelope itself never does.
 */

import { runningProgress } from '../../runtime/job-progress.ts';
import type { JobRecord, StoredError } from '../../runtime/job-record.ts';
import { isLostWillRetry } from '../../runtime/job-status.ts';
import { type StoredPayload, storedPayloadOf } from '../../runtime/payload-reference.ts';
import type { JobRegistry } from '../../runtime/registry.ts';

/** Shown instead of a payload when its job type does not opt in. */
export const PAYLOAD_HIDDEN = 'hidden (job type does not expose payloads)';

/**
 * A job record for the detail view: no envelope; the payload only where allowed; progress only
 * while the attempt that reported it runs.
 */
export type JobView = Omit<JobRecord, 'envelope'> & {
  /** True when the last attempt was lost and the job runs again ("lost, will retry"). */
  readonly lostWillRetry?: true;
  /** Present only when the job type exposes payloads and the record kept the message. */
  readonly payload?: unknown;
  /** Why there is no payload, when there is none. */
  readonly payloadNote?: string;
  /**
   * Size and S3 location of a payload too large for its message (`largePayloads`); shown
   * whatever `exposePayload` says: it names where the data is, not the data.
   */
  readonly storedPayload?: StoredPayload;
};

/** A job record for lists: what a table row shows. */
export interface JobSummary {
  readonly id: string;
  readonly type: string;
  readonly queue: string;
  readonly status: JobRecord['status'];
  /** True when the last attempt was lost and the job runs again ("lost, will retry"). */
  readonly lostWillRetry?: true;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly waitMs?: number;
  readonly error?: Omit<StoredError, 'stack'>;
}

function exposesPayload(registry: JobRegistry, type: string | undefined): boolean {
  return type !== undefined && registry.find(type)?.exposePayload === true;
}

function payloadOf(record: JobRecord): { payload: unknown } | { payloadNote: string } {
  if (record.envelope === undefined) {
    return { payloadNote: 'not kept (the message was larger than job records keep)' };
  }
  try {
    const envelope = JSON.parse(record.envelope) as { payload?: unknown; payloadRef?: unknown };
    if (!('payload' in envelope) && envelope.payloadRef !== undefined) {
      return { payloadNote: 'stored in S3 (see its size and location); not read here' };
    }
    return { payload: envelope.payload };
  } catch {
    return { payloadNote: 'not readable (the stored message is not valid JSON)' };
  }
}

/**
 * The detail view of a record.
 *
 * @example
 * ```ts
 * const view = toJobView(await admin.getJob(id), registry);
 * view.payload ?? view.payloadNote;
 * ```
 */
export function toJobView(record: JobRecord, registry: JobRegistry): JobView {
  const { envelope: _envelope, progress: _progress, ...rest } = record;
  const payload = exposesPayload(registry, record.type)
    ? payloadOf(record)
    : { payloadNote: PAYLOAD_HIDDEN };
  const progress = runningProgress(record);
  return {
    ...rest,
    ...(progress ? { progress } : {}),
    ...(isLostWillRetry(record) ? { lostWillRetry: true } : {}),
    ...payload,
    ...storedPayloadField(record),
  };
}

function storedPayloadField(record: JobRecord): { storedPayload?: StoredPayload } {
  const storedPayload = storedPayloadOf(record.envelope);
  return storedPayload ? { storedPayload } : {};
}

/**
 * The list row of a record: no envelope, output or stack.
 *
 * @example
 * ```ts
 * page.items.map(toJobSummary);
 * ```
 */
export function toJobSummary(record: JobRecord): JobSummary {
  const summary: JobSummary = {
    id: record.id,
    type: record.type,
    queue: record.queue,
    status: record.status,
    ...(isLostWillRetry(record) ? { lostWillRetry: true } : {}),
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    enqueuedAt: record.enqueuedAt,
    updatedAt: record.updatedAt,
    ...(record.startedAt !== undefined ? { startedAt: record.startedAt } : {}),
    ...(record.endedAt !== undefined ? { endedAt: record.endedAt } : {}),
    ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}),
    ...(record.waitMs !== undefined ? { waitMs: record.waitMs } : {}),
    ...(record.error ? { error: { name: record.error.name, message: record.error.message } } : {}),
  };
  return summary;
}
