/**
 * The small interfaces the operator tools (CLI, dashboard) need beyond the runtime's own ports:
 * reading and removing messages of a dead-letter queue, a queue's settings, and the monitor's
 * samples. SQS implements the first two for AWS and the emulator alike
 * (`runtime/adapters/aws/sqs-queue-admin.ts`); samples come from CloudWatch on AWS
 * (`cloudwatch-queue-samples.ts`) and from dev mode's memory locally.
 */
import type { QueueSample } from './jobs-admin.ts';

/** A message received for inspection or a move. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** ISO 8601; when SQS first accepted the message (into the DLQ: when it was dead-lettered). */
  readonly sentAt?: string;
  /** Receives so far, including this one. */
  readonly receiveCount?: number;
  /** Its `MessageGroupId` (FIFO group or fair-queue tenant): a redrive sends it on with it. */
  readonly groupId?: string;
}

/**
 * Reads and removes messages one by one: what listing, redriving and purging a dead-letter
 * queue need. Sending goes through the runtime's QueueTransport.
 *
 * @example
 * ```ts
 * const [first] = await messages.receive(dlqUrl, 10, 30);
 * await messages.release(dlqUrl, [first.receiptHandle]); // visible again at once
 * ```
 */
export interface QueueMessageAdmin {
  /** Up to `max` (1–10) messages, each hidden from other receivers for `visibilitySeconds`. */
  receive(queueUrl: string, max: number, visibilitySeconds: number): Promise<ReceivedMessage[]>;
  delete(queueUrl: string, receiptHandle: string): Promise<void>;
  /** Makes received messages visible again at once (never throws for an expired handle). */
  release(queueUrl: string, receiptHandles: readonly string[]): Promise<void>;
  /** Deletes every message in the queue (SQS PurgeQueue: once per 60 s per queue). */
  purge(queueUrl: string): Promise<void>;
  /** The queue's own settings, as the target has them (which may differ from the config). */
  settings(queueUrl: string): Promise<QueueSettings>;
}

/** What a queue is set up with (GetQueueAttributes). */
export interface QueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  /** From the redrive policy; undefined when the queue has none (a DLQ has none). */
  readonly maxReceiveCount?: number;
  /** From the redrive policy: where SQS moves messages after maxReceiveCount receives. */
  readonly deadLetterTargetArn?: string;
}

/**
 * The monitor's recent samples, oldest first: dev mode keeps them in memory
 * (`local/dev-monitor-samples.ts` satisfies this interface as it is); on AWS they are read
 * back from the metrics the monitor published to CloudWatch.
 *
 * @example
 * ```ts
 * const admin = createJobsAdmin({ ...deps, samples: devMode.samples });
 * ```
 */
export interface QueueSampleSource {
  recent(minutes: number): QueueSample[] | Promise<QueueSample[]>;
}

/**
 * When the monitor last ran: on AWS the newest datapoint of its heartbeat metric; in dev mode
 * the newest sample dev mode kept. Undefined when nothing says (no datapoint in the window).
 *
 * @example
 * ```ts
 * const at = await activity.lastRun(); // Date, or undefined
 * ```
 */
export interface MonitorActivitySource {
  lastRun(): Promise<Date | undefined>;
}

/** A CloudWatch alarm of the deployment that is in ALARM now. */
export interface FiringAlarm {
  readonly name: string;
  /** The alarm's description (summary, queue and runbook lines). */
  readonly description: string | undefined;
  /** Why it fired, in CloudWatch's words. */
  readonly reason: string | undefined;
  /** ISO 8601: when it entered ALARM. */
  readonly since: string | undefined;
}

/**
 * The deployment's alarms in ALARM (CloudWatch DescribeAlarms).
 *
 * @example
 * ```ts
 * for (const alarm of await alarms.firing()) console.log(alarm.name);
 * ```
 */
export interface AlarmSource {
  firing(): Promise<FiringAlarm[]>;
}

/**
 * How one queue's messages reach its worker: a Lambda event source mapping on AWS, dev mode's
 * poller locally.
 */
export interface EventSourceState {
  readonly queue: string;
  readonly functionName: string;
  /**
   * Lambda's word for it: `Enabled`, `Disabled`, `Creating`, `Enabling`, `Disabling`,
   * `Updating` or `Deleting`. Dev mode's poller is `Enabled` while dev mode runs.
   */
  readonly state: string;
  readonly batchSize?: number;
  readonly batchingWindowSeconds?: number;
  readonly maxConcurrency?: number;
  /** Why it is in this state, and the last processing result, when the target says. */
  readonly detail?: string;
  /** The mapping's id (`aws lambda update-event-source-mapping --uuid`). */
  readonly uuid?: string;
}

/**
 * The event sources of a target's worker functions, one per queue that has one.
 *
 * @example
 * ```ts
 * const disabled = (await eventSources.states()).filter((s) => s.state !== 'Enabled');
 * ```
 */
export interface EventSourceStateSource {
  states(): Promise<EventSourceState[]>;
}
