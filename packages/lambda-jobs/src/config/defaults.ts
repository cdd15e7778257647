/** Defaults, each with its unit and the reason for it. */
export const DEFAULTS = {
  batchSize: 10,
  batchingWindowSeconds: 0,
  maxConcurrency: 10,
  functionTimeoutSeconds: 60,
  functionMemoryMb: 512,
  /** Above the default 4 attempts (3 retries), with room for deferrals and deadline-guard returns. */
  maxReceiveCount: 10,
  /**
   * On a FIFO queue a retry or deferral keeps its message (a re-send would break the group's
   * order), and the records behind it in its group come back with it: each of those returns
   * is a receive. 30 leaves a job with the default 4 attempts room for the rest.
   */
  fifoMaxReceiveCount: 30,
  /** 4 days, the SQS default. */
  messageRetentionSeconds: 345_600,
  /** 7 days, as plain.jobs' JOBS_RESULTS_RETENTION. */
  resultsRetentionSeconds: 604_800,
  monitorEverySeconds: 60,
  stalledAfterSeconds: 600,
  lostGraceSeconds: 60,
  /**
   * The least JOBS_LOST_GRACE a deployment accepts, seconds. A timed-out attempt writes its own
   * outcome (RETRYING, ERRORED) after its deadline: the write may be retried by the SDK under
   * throttling and wait behind other lanes on a busy event loop, a few seconds at worst. With
   * less grace than that, the monitor can mark LOST (and re-queue) an attempt whose own outcome
   * is still on its way. Tests on the emulators may go lower; a deployed function may not.
   */
  lostGraceFloorSeconds: 10,
  monitorConcurrency: 10,
  /** One run at a time, even when the account is throttled; 0 reserves none. */
  monitorReservedConcurrency: 1,
  dlqWarning: 1,
  tracking: 'full',
  /**
   * Write shards per queue of the `byQueueStatus` index. A `full` job's busiest index
   * partition (QUEUED, RUNNING or SUCCESSFUL) takes 2 one-unit writes per job (its entry put,
   * then moved or expired), so 10,000 jobs/s need 20,000 writes/s: 20 partitions at about
   * 1,000 each, 32 for headroom (`docs/capacity.md`).
   */
  indexShards: 32,
} as const;

/** AWS guidance for SQS event sources: visibility ≥ 6 × function timeout + batching window. */
export function recommendedVisibilityTimeoutSeconds(
  functionTimeoutSeconds: number,
  batchingWindowSeconds: number,
): number {
  return 6 * functionTimeoutSeconds + batchingWindowSeconds;
}

/**
 * How long a dead-letter intake message the monitor received stays hidden, seconds: longer than
 * a monitor run (at most 300 s), so that only a run that failed lets it come back.
 */
export const DEAD_LETTER_INTAKE_VISIBILITY_SECONDS = 300;

/**
 * The receives after which a dead-letter intake moves a message on to the DLQ by itself, when
 * the monitor could not reconcile it: SQS keeps a message's receive count when its redrive
 * moves it, so the intake allows the job queue's `maxReceiveCount` plus ten runs' worth
 * (SQS's ceiling is 1,000).
 *
 * @example `deadLetterIntakeMaxReceiveCount(10) === 20`
 */
export function deadLetterIntakeMaxReceiveCount(queueMaxReceiveCount: number): number {
  return Math.min(1000, queueMaxReceiveCount + 10);
}
