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
import type { OutcomeHistory } from './outcome-counts.ts';

export type BacklogLevelName = 'ok' | 'warning' | 'critical';

/** One queue as an operator sees it now. */
export interface QueueOverview {
  readonly name: string;
  readonly url: string;
  readonly dlqUrl: string;
  /** A FIFO queue: jobs of one message group run one at a time, in order. */
  readonly fifo: boolean;
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

/** A job whose record says its message is in the dead-letter queue. */
export interface DeadLetter {
  readonly jobId: string;
  readonly type: string;
  /** ERRORED or LOST; CANCELLED when a redrive could not send it back. */
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  /** ISO 8601: when its message went to the DLQ. */
  readonly deadLetteredAt: string;
  /** SQS message id of the job's last delivery (not the DLQ copy's id). */
  readonly messageId?: string;
  /** Why it failed; `field` names the input at fault for a rejected message. */
  readonly error?: { readonly name: string; readonly message: string; readonly field?: string };
}

/** A dead-letter queue as `dlq ls` shows it: SQS's counts and the records that name it. */
export interface DeadLetterListing {
  readonly queue: string;
  /** SQS's approximate counts of the DLQ (GetQueueAttributes: nothing is received). */
  readonly depth: {
    readonly visible: number;
    readonly inFlight: number;
    readonly delayed: number;
  };
  /** Newest first. */
  readonly letters: readonly DeadLetter[];
  /** More dead-lettered records exist than were returned. */
  readonly more: boolean;
}

/** What happened to one dead letter an operator deleted. */
export interface DeadLetterDeletion {
  readonly jobId: string;
  /** Copies of the job's message deleted from the DLQ (0: none was there any more). */
  readonly deleted: number;
  /** The record no longer says its message is in the DLQ. */
  readonly recordUpdated: boolean;
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
  /** Report what would move, and what would be skipped and why, without changing anything. */
  readonly dryRun?: boolean;
  /** Only messages of this job type. */
  readonly type?: string;
  /** Only the messages of these jobs; they are moved even if their envelope cannot run. */
  readonly jobIds?: readonly string[];
  /** Move messages whose envelope cannot run too (the worker will reject them again). */
  readonly includeUnrunnable?: boolean;
  /** At most this many matching messages (default 1000). */
  readonly limit?: number;
  /** Messages per second at most. */
  readonly ratePerSecond?: number;
  /** Stops the run after the message in hand; the result says so (`stoppedBy: 'signal'`). */
  readonly signal?: AbortSignal;
  /** Called after each message moved, skipped or (in a dry run) matched. */
  readonly onProgress?: (progress: RedriveProgress) => void;
}

/** Where a redrive stands. */
export interface RedriveProgress {
  /** Moved; in a dry run, would move. */
  readonly moved: number;
  readonly skipped: number;
  /** Messages present in the DLQ at the start that the run has not looked at yet. */
  readonly left: number;
}

/** A dead letter that matched but was left in the DLQ, and why. */
export interface SkippedDeadLetter {
  readonly messageId: string;
  readonly jobId: string | undefined;
  readonly type: string | undefined;
  readonly reason: string;
}

export interface RedriveResult {
  readonly moved: number;
  /** Messages that matched the filters (moved, skipped, or in a dry run would move). */
  readonly matched: number;
  readonly jobIds: readonly string[];
  /** `move-task` when SQS's StartMessageMoveTask did it, else `receive-send-delete`. */
  readonly method: 'move-task' | 'receive-send-delete';
  /** The DLQ's count when the run started: it takes no more messages than that. */
  readonly presentAtStart: number;
  /** Distinct messages looked at. */
  readonly examined: number;
  /** Further copies of a job already handled in this run (a duplicate, or it failed again at once): left in the DLQ. */
  readonly cameBack: number;
  /** Messages present at the start not looked at (limit reached, or stopped). */
  readonly left: number;
  /** `done` (all looked at), `limit` (the limit was reached) or `signal` (stopped by the caller). */
  readonly stoppedBy: 'done' | 'limit' | 'signal';
  readonly dryRun: boolean;
  /** Messages that matched but stayed in the DLQ, each with why. */
  readonly skipped: readonly SkippedDeadLetter[];
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
  /** From the job records, with SQS's counts: receives nothing, changes nothing. */
  dlqList(queue: string, options?: { limit?: number }): Promise<DeadLetterListing>;
  /** Moves one job's message back (a redrive of that id: it runs even if unrunnable). */
  dlqRetry(queue: string, jobId: string): Promise<RedriveResult>;
  /** Deletes one job's message from the DLQ and notes it on the record. */
  dlqDelete(queue: string, jobId: string): Promise<DeadLetterDeletion>;
  dlqRedrive(queue: string, options?: RedriveOptions): Promise<RedriveResult>;
  dlqPurge(queue: string): Promise<{ purged: number }>;
  /**
   * Jobs finished per queue and outcome over the last `minutes` (1–1440), from the workers'
   * counters (CloudWatch on AWS, dev mode's in-process counter): never from job records.
   */
  outcomes(minutes: number): Promise<OutcomeHistory>;
  /** Monitor samples of the last `minutes` for every queue (dev: kept in memory; AWS: CloudWatch). */
  samples(minutes: number): Promise<QueueSample[]>;
}
