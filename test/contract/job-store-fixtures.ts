import { randomBytes } from 'node:crypto';
import type { JobRecord, StoredError } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { ClaimRequest, JobStore } from '../../packages/lambda-jobs/src/runtime/ports.ts';

/** Records are kept this long in the contract's stores (any value would do; DynamoDB Local never expires). */
export const CONTRACT_RETENTION_SECONDS = 3600;

const EPOCH = Date.parse('2030-01-01T00:00:00.000Z');

/** The instant `seconds` after the contract's fixed epoch, as ISO 8601. */
export const at = (seconds: number): string => new Date(EPOCH + seconds * 1000).toISOString();

/** The `expiresAt` a write at `updatedAt` must set. */
export const keptUntil = (updatedAt: string): number =>
  Math.floor(Date.parse(updatedAt) / 1000) + CONTRACT_RETENTION_SECONDS;

/** A name no other test uses, so tests sharing one table never see each other's records. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;

export const failure: StoredError = {
  name: 'Error',
  message: 'boom',
  stack: 'Error: boom\n  at run',
};

/** The QUEUED record an enqueue with tracking `full` writes (enqueued at 0 s). */
export function queuedRecord(
  id: string,
  queue: string,
  overrides: Partial<JobRecord> = {},
): JobRecord {
  return {
    id,
    type: 'report',
    queue,
    status: JobStatus.QUEUED,
    attempts: 0,
    maxAttempts: 3,
    enqueuedAt: at(0),
    updatedAt: at(0),
    envelope: `{"version":1,"id":"${id}"}`,
    expiresAt: 0,
    ...overrides,
  };
}

/** A worker's claim (at 10 s, lease until 70 s) of a job enqueued at 0 s. */
export function claimRequest(
  id: string,
  queue: string,
  overrides: Partial<ClaimRequest> = {},
): ClaimRequest {
  return {
    id,
    type: 'report',
    queue,
    enqueuedAt: at(0),
    maxAttempts: 3,
    leaseExpiresAt: at(70),
    now: at(10),
    envelope: `{"version":1,"id":"${id}"}`,
    messageId: 'message-1',
    ...overrides,
  };
}

/** A rejected message's ERRORED record, as the dispatcher writes it (at 5 s). */
export function rejectedRecord(id: string, queue: string): JobRecord {
  return {
    id,
    type: 'unknown',
    queue,
    status: JobStatus.ERRORED,
    attempts: 0,
    maxAttempts: 0,
    enqueuedAt: at(5),
    updatedAt: at(5),
    endedAt: at(5),
    deadLetteredAt: at(5),
    error: { name: 'MalformedEnvelopeError', message: 'body is not JSON' },
    messageId: 'message-9',
    envelope: 'not json',
    expiresAt: 0,
  };
}

async function claimed(store: JobStore, id: string, queue: string): Promise<JobRecord> {
  const outcome = await store.claim(claimRequest(id, queue));
  if (outcome.kind !== 'claimed') throw new Error(`fixture claim of ${id} was refused`);
  return outcome.record;
}

/**
 * Brings a new job `id` of `queue` to `status` through the port alone (so it works for every
 * adapter): enqueued at 0 s, claimed at 10 s with a lease until 70 s, finished at 20 s,
 * rescued at 200 s, cancelled at 30 s. Returns the record as stored.
 */
export async function recordIn(
  store: JobStore,
  status: JobStatus,
  id: string,
  queue: string,
): Promise<JobRecord> {
  switch (status) {
    case JobStatus.QUEUED:
      await store.putQueued(queuedRecord(id, queue));
      break;
    case JobStatus.RUNNING:
      await claimed(store, id, queue);
      break;
    case JobStatus.SUCCESSFUL:
      await store.finishAttempt(
        await claimed(store, id, queue),
        { status: JobStatus.SUCCESSFUL, durationMs: 10_000, output: { sent: 3 } },
        at(20),
      );
      break;
    case JobStatus.ERRORED:
      await store.finishAttempt(
        await claimed(store, id, queue),
        { status: JobStatus.ERRORED, durationMs: 10_000, error: failure },
        at(20),
      );
      break;
    case JobStatus.RETRYING:
      await store.finishAttempt(
        await claimed(store, id, queue),
        { status: JobStatus.RETRYING, durationMs: 10_000, error: failure, retryAt: at(40) },
        at(20),
      );
      break;
    case JobStatus.DEFERRED:
      await store.finishAttempt(
        await claimed(store, id, queue),
        { status: JobStatus.DEFERRED, durationMs: 10_000, retryAt: at(80), reason: 'not ready' },
        at(20),
      );
      break;
    case JobStatus.LOST: {
      const lost = await store.markLost(await claimed(store, id, queue), at(140), at(200));
      if (!lost) throw new Error(`fixture markLost of ${id} was refused`);
      break;
    }
    case JobStatus.CANCELLED:
      await store.putQueued(queuedRecord(id, queue));
      await store.cancel(id, at(30));
      break;
  }
  const record = await store.get(id);
  if (record?.status !== status) throw new Error(`fixture could not bring ${id} to ${status}`);
  return record;
}
