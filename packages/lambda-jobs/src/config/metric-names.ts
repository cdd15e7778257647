/**
 * CloudWatch metric names and dimensions lambda-jobs publishes, shared by the code that emits
 * them (worker, monitor) and the stack that alarms on them. All in the namespace
 * `${appName}` unless `POWERTOOLS_METRICS_NAMESPACE` says otherwise; every metric carries the
 * Powertools `service` dimension (the app name) plus the dimensions listed.
 */
export const METRIC_DIMENSIONS = {
  service: 'service',
  queue: 'queue',
  jobType: 'job_type',
} as const;

/** Emitted by the worker (EMF), per queue and per queue + job type. */
export const WORKER_METRICS = {
  succeeded: 'JobsSucceeded',
  errored: 'JobsErrored',
  retried: 'JobsRetried',
  deferred: 'JobsDeferred',
  rejected: 'JobsRejected',
  lost: 'JobsLost',
  duplicateDeliveries: 'DuplicateDeliveries',
  /** Jobs held by their type's open circuit, plus one at each opening (`docs/circuit-breaker.md`). */
  circuitOpen: 'CircuitOpen',
  /** Milliseconds `run` took. */
  duration: 'JobDuration',
  /** Milliseconds from enqueue to the start of the attempt. */
  queueWait: 'JobQueueWait',
} as const;

/** Emitted by the monitor every run, per queue. */
export const MONITOR_METRICS = {
  backlog: 'JobsBacklog',
  requested: 'JobsRequested',
  processing: 'JobsProcessing',
  delayed: 'JobsDelayed',
  oldestAge: 'OldestMessageAge',
  dlqDepth: 'DlqDepth',
  /** 0 ok, 1 warning, 2 critical: the worst of backlog and oldest-age levels. */
  backlogLevel: 'BacklogLevel',
  drainSeconds: 'EstimatedDrainSeconds',
  /** 1 when backlog > 0 and no completions for JOBS_STALLED_AFTER. */
  stalled: 'ProcessingStalled',
  /** Jobs the rescue moved from RUNNING to LOST this run. */
  lostRescued: 'JobsLostRescued',
  /** Orphaned concurrency keys the monitor released this run (no queue dimension). */
  keysReleased: 'ConcurrencyKeysReleased',
  /** Queues the monitor could not read this run. */
  queueErrors: 'MonitorQueueErrors',
  /** 1 every run, no queue dimension: the monitor is alive. */
  heartbeat: 'MonitorHeartbeat',
} as const;

/**
 * The namespace and `service` dimension every lambda-jobs metric uses: the Powertools
 * variables when the stack sets them, else the app name. Worker, monitor and alarms agree.
 */
export function metricIdentity(
  appName: string,
  env: NodeJS.ProcessEnv = process.env,
): { readonly namespace: string; readonly service: string } {
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE?.trim() || appName;
  const service = env.POWERTOOLS_SERVICE_NAME?.trim() || appName;
  return { namespace, service };
}
