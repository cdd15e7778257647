import type {
  DeadLetter,
  JobsAdmin,
  ListJobsFilter,
  QueueOverview,
  QueueSample,
  RedriveOptions,
} from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';
import {
  type OutcomeHistory,
  outcomeHistory,
} from '../../packages/lambda-jobs/src/runtime/admin/outcome-counts.ts';
import {
  JobNotFoundError,
  JobStateConflictError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';

/** A JobsAdmin over plain arrays, recording every call, for the server's unit tests. */
export interface FakeJobsAdmin extends JobsAdmin {
  readonly records: Map<string, JobRecord>;
  readonly deadLetters: Map<string, DeadLetter[]>;
  readonly calls: { method: string; args: unknown[] }[];
  /** When set, every method throws it. */
  failWith: Error | undefined;
}

/** A dead letter as the records list it. */
export function deadLetter(jobId: string, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    jobId,
    type: 'echo',
    status: JobStatus.ERRORED,
    attempts: 1,
    maxAttempts: 1,
    deadLetteredAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A job record with sensible defaults. */
export function jobRecord(overrides: Partial<JobRecord> & { id: string }): JobRecord {
  return {
    type: 'visible-echo',
    queue: 'default',
    status: JobStatus.SUCCESSFUL,
    attempts: 1,
    maxAttempts: 4,
    enqueuedAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:02.000Z',
    expiresAt: 1_795_000_000,
    ...overrides,
  };
}

/** A queue as `queues()` reports it. */
export function queueOverview(name: string, overrides: Partial<QueueOverview> = {}): QueueOverview {
  return {
    name,
    url: `http://sqs.local/${name}`,
    dlqUrl: `http://sqs.local/${name}-dlq`,
    fifo: false,
    visible: 3,
    inFlight: 1,
    delayed: 0,
    backlog: 4,
    dlqDepth: 0,
    oldestAgeSeconds: 12,
    level: 'ok',
    thresholds: { backlog: { warning: 100, critical: 500 }, oldestAgeSeconds: {} },
    ...overrides,
  };
}

export function createFakeJobsAdmin(
  queues: QueueOverview[] = [queueOverview('default'), queueOverview('slow')],
): FakeJobsAdmin {
  const records = new Map<string, JobRecord>();
  const deadLetters = new Map<string, DeadLetter[]>();
  const calls: { method: string; args: unknown[] }[] = [];
  const fake: FakeJobsAdmin = {
    records,
    deadLetters,
    calls,
    failWith: undefined,
    async queues() {
      track('queues', []);
      return queues;
    },
    async listJobs(filter: ListJobsFilter) {
      track('listJobs', [filter]);
      const items = [...records.values()].filter(
        (r) =>
          (!filter.queue || r.queue === filter.queue) &&
          (!filter.status || r.status === filter.status) &&
          (!filter.type || r.type === filter.type),
      );
      const limit = filter.limit ?? 25;
      return items.length > limit ? { items: items.slice(0, limit), cursor: 'bmV4dA' } : { items };
    },
    async getJob(id) {
      track('getJob', [id]);
      const record = records.get(id);
      if (!record) throw new JobNotFoundError(id);
      return record;
    },
    async retryJob(id) {
      track('retryJob', [id]);
      const record = records.get(id);
      if (!record) throw new JobNotFoundError(id);
      if (!['ERRORED', 'LOST', 'CANCELLED'].includes(record.status)) {
        throw new JobStateConflictError(id, 'retry', record.status);
      }
      const updated = { ...record, status: JobStatus.QUEUED };
      records.set(id, updated);
      return updated;
    },
    async cancelJob(id) {
      track('cancelJob', [id]);
      const record = records.get(id);
      if (!record) throw new JobNotFoundError(id);
      if (!['QUEUED', 'RETRYING', 'DEFERRED'].includes(record.status)) {
        throw new JobStateConflictError(id, 'cancel', record.status);
      }
      const updated = { ...record, status: JobStatus.CANCELLED };
      records.set(id, updated);
      return updated;
    },
    async enqueue(type, payload) {
      track('enqueue', [type, payload]);
      return 'new-job';
    },
    async dlqList(queue, options) {
      track('dlqList', [queue, options]);
      const letters = deadLetters.get(queue) ?? [];
      return {
        queue,
        depth: { visible: letters.length, inFlight: 0, delayed: 0 },
        letters,
        more: false,
      };
    },
    async dlqRedrive(queue, options?: RedriveOptions) {
      track('dlqRedrive', [queue, options]);
      const letters = deadLetters.get(queue) ?? [];
      const ids = letters.map((l) => l.jobId);
      if (!options?.dryRun) deadLetters.set(queue, []);
      const moved = options?.dryRun ? 0 : letters.length;
      options?.onProgress?.({ moved, skipped: 0, left: 0 });
      return {
        moved,
        matched: letters.length,
        jobIds: ids,
        method: 'receive-send-delete',
        presentAtStart: letters.length,
        examined: letters.length,
        cameBack: 0,
        left: 0,
        stoppedBy: 'done',
        dryRun: options?.dryRun === true,
        skipped: [],
      };
    },
    async dlqRetry(queue, jobId) {
      track('dlqRetry', [queue, jobId]);
      return fake.dlqRedrive(queue, { jobIds: [jobId], limit: 1 });
    },
    async dlqDelete(queue, jobId) {
      track('dlqDelete', [queue, jobId]);
      const letters = deadLetters.get(queue) ?? [];
      deadLetters.set(
        queue,
        letters.filter((l) => l.jobId !== jobId),
      );
      const deleted = letters.length - (deadLetters.get(queue) ?? []).length;
      return { jobId, deleted, recordUpdated: deleted > 0 };
    },
    async dlqPurge(queue) {
      track('dlqPurge', [queue]);
      const purged = deadLetters.get(queue)?.length ?? 0;
      deadLetters.set(queue, []);
      return { purged };
    },
    async outcomes(minutes): Promise<OutcomeHistory> {
      track('outcomes', [minutes]);
      const now = new Date();
      return outcomeHistory({
        minutes,
        now,
        queues: ['default'],
        readings: [
          { at: now.getTime() - 30_000, queue: 'default', outcome: 'succeeded', count: 12 },
          { at: now.getTime() - 30_000, queue: 'default', outcome: 'errored', count: 2 },
        ],
      });
    },
    async samples(minutes): Promise<QueueSample[]> {
      track('samples', [minutes]);
      return [];
    },
  };
  function track(method: string, args: unknown[]) {
    calls.push({ method, args });
    if (fake.failWith) throw fake.failWith;
  }
  return fake;
}
