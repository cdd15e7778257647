/**
 * The small interfaces the backlog monitor talks to. On AWS they are SQS GetQueueAttributes,
 * CloudWatch GetMetricData, a state item in the job table and EMF metrics; in dev mode the
 * oldest-message age comes from the SQS emulator's inspect API and completions from the job
 * emulator and the workers instead (`local/oldest-age-from-emulator.ts`, `local/dev-completion-counter.ts`).
 */

/** One configured queue as the monitor sees it: its config name and where it lives. */
export interface MonitoredQueue {
  /** The queue's name in the config (`default`), used in logs, metrics and job records. */
  readonly name: string;
  readonly url: string;
  readonly dlqUrl: string;
  /**
   * The queue's visibility timeout, seconds: how long after its lease a crashed attempt's
   * message comes back at the latest. The rescue leaves a record that kept no message to that
   * redelivery until then. Absent: such records are rescued at once.
   */
  readonly visibilityTimeoutSeconds?: number;
}

/** SQS's approximate counts for one queue. */
export interface QueueDepth {
  /** ApproximateNumberOfMessages: ready to be received. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, being processed. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed: sent with a delay that has not passed yet. */
  readonly delayed: number;
}

/**
 * Reads a queue's depth (GetQueueAttributes on AWS and on the emulator alike).
 *
 * @example
 * ```ts
 * const { visible, inFlight, delayed } = await source.depth(queue.url);
 * ```
 */
export interface QueueDepthSource {
  depth(queueUrl: string): Promise<QueueDepth>;
}

/**
 * Ages of the oldest message, in whole seconds, for every queue in one go (CloudWatch's
 * GetMetricData is batched; the emulator is read directly). The answer holds every queue asked
 * for: a queue with no data (idle, no datapoint) is 0, not an error. Throws when it cannot read.
 *
 * @example
 * ```ts
 * const ages = await source.oldestAges(queues, new Date()); // Map { 'default' => 42 }
 * ```
 */
export interface OldestAgeSource {
  oldestAges(queues: readonly MonitoredQueue[], now: Date): Promise<ReadonlyMap<string, number>>;
}

/**
 * Jobs of each queue that finished (SUCCESSFUL or ERRORED) during the `windowSeconds` before
 * `now`: the completion rate behind the drain-time estimate and the "stalled" check. Every
 * queue asked for is in the answer (0 when nothing finished). Throws when it cannot read.
 *
 * @example
 * ```ts
 * const done = await source.completions(queues, 600, new Date()); // Map { 'default' => 1200 }
 * ```
 */
export interface CompletionSource {
  completions(
    queues: readonly MonitoredQueue[],
    windowSeconds: number,
    now: Date,
  ): Promise<ReadonlyMap<string, number>>;
}

/**
 * 0 ok, 1 warning, 2 critical: the value of the BacklogLevel metric.
 *
 * @example
 * ```ts
 * if (evaluation.level === BacklogLevel.critical) page();
 * ```
 */
export const BacklogLevel = { ok: 0, warning: 1, critical: 2 } as const;
export type BacklogLevel = (typeof BacklogLevel)[keyof typeof BacklogLevel];

/**
 * What the monitor remembers about a queue between runs (item `MONITOR#<queue>` in the job
 * table): the levels it last reported, to log once when a queue returns below its thresholds,
 * and since when the backlog has been above zero, for the "stalled" check.
 */
export interface QueueMonitorState {
  readonly backlogLevel: BacklogLevel;
  readonly oldestAgeLevel: BacklogLevel;
  /** ISO 8601: the first run of the current streak that saw a backlog above zero. */
  readonly backlogSince?: string;
  /** The last run found processing stalled: the run that finds it flowing again says so once. */
  readonly stalled?: boolean;
  /** The last run found the DLQ at or above its threshold: the run that finds it under says so once. */
  readonly dlqOverThreshold?: boolean;
  readonly updatedAt: string;
}

/**
 * Where {@link QueueMonitorState} lives. Overlapping runs may both write; the last one wins,
 * which at worst repeats one "back below thresholds" line.
 *
 * @example
 * ```ts
 * const previous = await store.get('default');
 * await store.put('default', { backlogLevel: 0, oldestAgeLevel: 0, updatedAt: now.toISOString() });
 * ```
 */
export interface MonitorStateStore {
  get(queue: string): Promise<QueueMonitorState | undefined>;
  put(queue: string, state: QueueMonitorState): Promise<void>;
}

/** Units the monitor's metrics use (CloudWatch's names). */
export type MonitorMetricUnit = 'Count' | 'Seconds' | 'None';

/** One metric value; `queue` absent means a run-level metric (dimension `service` only). */
export interface MonitorMetric {
  readonly name: string;
  readonly unit: MonitorMetricUnit;
  readonly value: number;
  readonly queue?: string;
}

/**
 * Publishes the metrics of one run (names in `config/metric-names.ts` MONITOR_METRICS).
 *
 * @example
 * ```ts
 * sink.publish([{ name: 'MonitorHeartbeat', unit: 'Count', value: 1 }]);
 * ```
 */
export interface MetricsSink {
  publish(metrics: readonly MonitorMetric[]): Promise<void> | void;
}

/** A message received from a queue's dead-letter intake. */
export interface IntakeMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Its `MessageGroupId` (FIFO group or fair-queue tenant), kept when it moves to the DLQ. */
  readonly groupId?: string;
}

/**
 * Reads a dead-letter intake: the queue SQS's own redrive moves a job queue's messages to
 * (SQS ReceiveMessage and DeleteMessage, on AWS and on the emulator alike).
 *
 * @example
 * ```ts
 * for (const message of await intake.receive(intakeUrl, 10)) {
 *   await intake.remove(intakeUrl, message.receiptHandle);
 * }
 * ```
 */
export interface DeadLetterIntakeQueue {
  /** Up to `max` (1–10) messages waiting now; none when the intake is empty (no long poll). */
  receive(intakeUrl: string, max: number): Promise<IntakeMessage[]>;
  remove(intakeUrl: string, receiptHandle: string): Promise<void>;
}

/**
 * A concurrency key item as its index entry lists it (`concurrency-key-index-entry.ts`). A
 * producer may write the item with any values, so `jobId` and `expiresAt` are absent when the
 * item lacks them (or has them with another type).
 */
export interface ListedKey {
  /** The key itself (the item's `pk` without `KEY#`). */
  readonly key: string;
  readonly jobId?: string;
  /** Epoch seconds. */
  readonly expiresAt?: number;
  /** Epoch seconds: when the key was taken (read back from its index sort key). */
  readonly takenAt: number;
}

/** One page of {@link ListedKey}s; `cursor` is absent on a partition's last page. */
export interface ListedKeyPage {
  readonly keys: readonly ListedKey[];
  readonly cursor?: Readonly<Record<string, unknown>>;
}

/**
 * Lists concurrency keys partition by partition (`KEYS#<shard>`), oldest taken first (DynamoDB
 * Query on the `byQueueStatus` index), and deletes one exactly as it was read.
 *
 * @example
 * ```ts
 * const { keys, cursor } = await index.page('KEYS#0', 25);
 * if (await index.releaseUnchanged(keys[0]!)) logger.warn('released');
 * ```
 */
export interface ConcurrencyKeyIndex {
  /** Keys of one partition (`keyIndexPartitions()`), from `cursor` on; only `KEY#` items. */
  page(
    partition: string,
    limit: number,
    cursor?: Readonly<Record<string, unknown>>,
  ): Promise<ListedKeyPage>;
  /**
   * Deletes the key item if it still holds the same `jobId`, `expiresAt` and `takenAt` as
   * `listed` (a key re-taken meanwhile is never deleted); false when it changed or is gone.
   */
  releaseUnchanged(listed: ListedKey): Promise<boolean>;
}

/**
 * Which queues are paused (`lambda-jobs queues pause`: their event source disabled). A paused
 * queue with a backlog is not stalled: nothing is meant to process it.
 */
export interface PausedQueueSource {
  pausedQueues(queues: readonly MonitoredQueue[]): Promise<ReadonlySet<string>>;
}
