/**
 * What operators can see and do, in one interface shared by the CLI and the dashboard, for
 * dev mode and a deployed stack alike. `createJobsAdmin` (jobs-admin-service.ts) implements it
 * over the runtime's ports; targets (dev mode, a CloudFormation stack) only differ in the
 * endpoints and names they supply.
 */
import type { EnqueueOptions } from '../job-client.ts';
import type { JobRecord } from '../job-record.ts';
import type { JobStatus } from '../job-status.ts';
import type { JobPage } from '../ports.ts';

export type BacklogLevelName = 'ok' | 'warning' | 'critical';

/** One queue as an operator sees it now. */
export interface QueueOverview {
  readonly name: string;
  readonly url: string;
  readonly dlqUrl: string;
  /** ApproximateNumberOfMessages. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
  /** requested (visible + delayed) + processing (in flight). */
  readonly backlog: number;
  readonly dlqDepth: number;
  /** Undefined when the source cannot tell (no data). */
  readonly oldestAgeSeconds: number | undefined;
  /** Worst of the backlog and oldest-age levels against the configured thresholds. */
  readonly level: BacklogLevelName;
  readonly thresholds: {
    readonly backlog: {
      readonly warning?: number | undefined;
      readonly critical?: number | undefined;
    };
    readonly oldestAgeSeconds: {
      readonly warning?: number | undefined;
      readonly critical?: number | undefined;
    };
    readonly dlqDepth?: number | undefined;
  };
}

/** A message waiting in a dead-letter queue. */
export interface DeadLetter {
  readonly messageId: string;
  /** From the envelope when it parses; undefined for malformed bodies. */
  readonly jobId: string | undefined;
  readonly type: string | undefined;
  readonly sentAt: string | undefined;
  readonly receiveCount: number | undefined;
  /** The body, cut to 4 KiB for display. */
  readonly bodyPreview: string;
}

export interface ListJobsFilter {
  /** All configured queues when absent. */
  readonly queue?: string;
  /** All statuses when absent. */
  readonly status?: JobStatus;
  readonly type?: string;
  /** ISO 8601: records updated at or after. */
  readonly since?: string;
  /** 1–100, default 25. */
  readonly limit?: number;
  readonly cursor?: string;
}

export interface RedriveOptions {
  /** Report what would move without moving anything. */
  readonly dryRun?: boolean;
  /** Only messages of this job type. */
  readonly type?: string;
  /** At most this many messages. */
  readonly limit?: number;
  /** Messages per second at most. */
  readonly ratePerSecond?: number;
  /** Called after each message (moved or, in a dry run, matched). */
  readonly onProgress?: (done: number, jobId: string | undefined) => void;
}

export interface RedriveResult {
  readonly moved: number;
  readonly matched: number;
  readonly jobIds: readonly string[];
  /** `move-task` when SQS's StartMessageMoveTask did it, else `receive-send-delete`. */
  readonly method: 'move-task' | 'receive-send-delete';
}

/** Counts for the overview cards (plain.jobs admin: successful, errored, lost, retried). */
export interface JobCounts {
  readonly since: string;
  readonly successful: number;
  readonly errored: number;
  readonly lost: number;
  readonly retried: number;
}

/** One monitor sample of one queue, for charts. */
export interface QueueSample {
  readonly at: string;
  readonly queue: string;
  readonly backlog: number;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly dlqDepth: number;
  readonly oldestAgeSeconds: number;
  readonly level: BacklogLevelName;
}

export interface JobsAdmin {
  queues(): Promise<QueueOverview[]>;
  listJobs(filter: ListJobsFilter): Promise<JobPage>;
  /** Throws JobNotFoundError. */
  getJob(id: string): Promise<JobRecord>;
  /** ERRORED/LOST/CANCELLED → QUEUED and sends its stored envelope again (same id). */
  retryJob(id: string): Promise<JobRecord>;
  /** QUEUED/RETRYING/DEFERRED → CANCELLED; throws JobStateConflictError otherwise. */
  cancelJob(id: string): Promise<JobRecord>;
  enqueue(type: string, payload: unknown, options?: EnqueueOptions): Promise<string | null>;
  dlqList(queue: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  dlqRedrive(queue: string, options?: RedriveOptions): Promise<RedriveResult>;
  dlqPurge(queue: string): Promise<{ purged: number }>;
  counts(sinceIso: string): Promise<JobCounts>;
  /** Monitor samples of the last `minutes` for every queue (dev: kept in memory; AWS: CloudWatch). */
  samples(minutes: number): Promise<QueueSample[]>;
}
