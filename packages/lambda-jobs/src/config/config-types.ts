import type { LargePayloadsConfig } from './large-payloads.ts';
/**
 * The shape of the lambda-jobs configuration: what a user writes in `config/app-config.ts`
 * ({@link LambdaJobsConfigInput}) and what every part reads after defaults are applied
 * ({@link LambdaJobsConfig}). Units are in the names (`Seconds`, `Mb`, `Days`).
 */

import type { CircuitBreakerInput, CircuitBreakerSettings } from './circuit-breaker-config.ts';

/** A warning / critical pair. Unset means off. */
export interface LevelThresholds {
  readonly warning?: number | undefined;
  readonly critical?: number | undefined;
}

/** Thresholds the monitor evaluates for one queue. Every one is optional (opt-in). */
export interface QueueThresholds {
  /** jobs_backlog = requested (visible + delayed) + processing (in flight). */
  readonly backlog: LevelThresholds;
  /** Age of the oldest message, in seconds. */
  readonly oldestAgeSeconds: LevelThresholds;
  /** Messages in the dead-letter queue at or above which a warning is raised. */
  readonly dlqDepth?: number | undefined;
}

/** The provisioned mode of a queue's SQS event source mapping. */
export interface ProvisionedPollers {
  /** Pollers kept ready, 2–200. */
  readonly minimumPollers: number;
  /** Most pollers, 2–2,000, at least `minimumPollers`. */
  readonly maximumPollers: number;
}

/** Per-queue overrides a user may write; everything falls back to the global settings. */
export interface QueueConfigInput {
  /** Messages per worker invocation, 1–10,000 (above 10 needs a batching window). Default 10. */
  readonly batchSize?: number;
  /** Seconds the event source waits to fill a batch, 0–300. Default 0. */
  readonly batchingWindowSeconds?: number;
  /**
   * Most concurrent worker invocations for this queue, 2–1,000. Default 10. Not with
   * `provisionedPollers` (the event source mapping takes one or the other).
   */
  readonly maxConcurrency?: number;
  /**
   * Provisioned mode of the queue's event source mapping (`ProvisionedPollerConfig`): Lambda
   * keeps at least `minimumPollers` (2–200) pollers ready and scales up to `maximumPollers`
   * (2–2,000), each poller up to 10 concurrent invocations, instead of the default scaling
   * (about 300 more concurrent invocations per minute). Billed per poller-hour
   * (`docs/capacity.md`). Cannot be combined with `maxConcurrency`. Default: not provisioned.
   */
  readonly provisionedPollers?: ProvisionedPollers;
  /** Worker function timeout, 1–900 seconds. Default 60. */
  readonly functionTimeoutSeconds?: number;
  /** Worker function memory, 128–10,240 MB. Default 512. */
  readonly functionMemoryMb?: number;
  /** Queue visibility timeout; default 6 × function timeout + batching window (AWS guidance). */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before SQS itself moves a message to the DLQ: a safety net above job retries. */
  readonly maxReceiveCount?: number;
  /** How long SQS keeps an unprocessed message, 60–1,209,600 seconds. Default 4 days. */
  readonly messageRetentionSeconds?: number;
  /**
   * Write shards of this queue's entries in the `byQueueStatus` index, 1–256: each status of
   * the queue takes about 1,000 index writes per second per shard. Default 32, sized for
   * 10,000 completions per second (`docs/capacity.md`). Listing reads every shard.
   */
  readonly indexShards?: number;
  /**
   * A FIFO queue (`docs/fifo-and-fair-queues.md`): the queue, its dead-letter intake and its
   * DLQ are FIFO (names end in `.fifo`), content-based deduplication off, the job id is each
   * message's deduplication id and a job type's `groupKey` its message group (default: the job
   * type). Jobs of one group run one at a time, in order. Batch size at most 10, no batching
   * window, no per-message delay (delays go through the scheduler). Default false.
   */
  readonly fifo?: boolean;
  readonly thresholds?: {
    readonly backlog?: LevelThresholds;
    readonly oldestAgeSeconds?: LevelThresholds;
    readonly dlqDepth?: number;
  };
}

/**
 * Global settings, named as in plain.jobs (`JOBS_*`), each with its unit. Queue entries override
 * the thresholds per queue.
 */
export interface JobsSettings {
  /** Backlog (requested + processing) at which the monitor logs a warning. Unset: off. */
  readonly JOBS_BACKLOG_WARNING?: number | undefined;
  /** Backlog at which the monitor logs a critical event. Unset: off. */
  readonly JOBS_BACKLOG_CRITICAL?: number | undefined;
  /** Oldest-message age, seconds, for a warning. Unset: off. */
  readonly JOBS_OLDEST_AGE_WARNING?: number | undefined;
  /** Oldest-message age, seconds, for a critical event. Unset: off. */
  readonly JOBS_OLDEST_AGE_CRITICAL?: number | undefined;
  /** DLQ depth for a warning. Default 1: any dead letter is worth a look. */
  readonly JOBS_DLQ_WARNING?: number | undefined;
  /** How long job records are kept, seconds. Default 604,800 (7 days). */
  readonly JOBS_RESULTS_RETENTION?: number;
  /** Monitor period, seconds (a whole number of minutes). Default 60. */
  readonly JOBS_MONITOR_EVERY?: number;
  /** Backlog with no completions for this long is "stalled", seconds. Default 600. */
  readonly JOBS_STALLED_AFTER?: number;
  /** A RUNNING job this long past its deadline is LOST, seconds. Default 60. */
  readonly JOBS_LOST_GRACE?: number;
  /** Queues the monitor inspects at once. Default 10. */
  readonly JOBS_MONITOR_CONCURRENCY?: number;
  /**
   * Concurrent executions reserved for the monitor function, 1–10, so that account-wide
   * throttling never blinds the rescue and the alarms. `0` or `false`: none reserved (an account
   * whose unreserved concurrency cannot spare it). Default 1.
   */
  readonly JOBS_MONITOR_RESERVED_CONCURRENCY?: number | false;
}

/** Where alarm notifications go. */
export interface AlertingConfig {
  /** Email addresses subscribed to both topics (each must confirm by email). */
  readonly emails: readonly string[];
  /** AWS Chatbot: used when both ids are given. */
  readonly slackChatbot?: { readonly workspaceId: string; readonly channelId: string } | undefined;
  /** Otherwise: Secrets Manager secret name holding a Slack incoming-webhook URL. */
  readonly slackWebhookSecretName?: string | undefined;
}

/** A cron schedule: a registered job fired on a 5-field cron expression or an `@daily`-style name. */
export interface ScheduleConfig {
  /** Stable schedule name, unique within the app. */
  readonly name: string;
  /** The job type to enqueue. */
  readonly job: string;
  /** `m h dom mon dow` or `@yearly @annually @monthly @weekly @daily @midnight @hourly`. */
  readonly cron: string;
  /** Fixed payload for every firing. Default `{}`. */
  readonly payload?: unknown;
  /** IANA time zone the expression is read in. Default `UTC`. */
  readonly timeZone?: string;
}

/**
 * A webhook signing key: the payload names only its id (`signingKey: 'partnerB'`); the worker
 * reads the secret from Secrets Manager and signs only for URLs under `destinations`.
 */
export interface SigningKeyConfig {
  /** Secrets Manager secret name (or full ARN) holding the current signing secret. */
  readonly secret: string;
  /**
   * Secrets of earlier keys still signed with while receivers rotate: each adds one more
   * `v1=` to the signature header. At most 2. Default none.
   */
  readonly previousSecrets?: readonly string[];
  /**
   * URL prefixes this key may sign for, e.g. `https://b.example.com/hooks/`: a URL matches when
   * it has the same scheme, host and port and its path starts with the prefix's path.
   */
  readonly destinations: readonly string[];
}

/**
 * A header value held in Secrets Manager (an API token a receiver wants): the payload names its
 * id (`headers: { authorization: { secretHeader: 'partnerBToken' } }`) and the job record keeps
 * only that id; the worker resolves it, and sends it only to URLs under `destinations`.
 */
export interface SecretHeaderConfig {
  /** Secrets Manager secret name (or full ARN) holding the header value. */
  readonly secret: string;
  /** URL prefixes the value may be sent to, as for {@link SigningKeyConfig.destinations}. */
  readonly destinations: readonly string[];
}

/** Settings of the webhook job: named signing keys and secret headers. */
export interface WebhooksConfig {
  /** Key id → signing key. Default none (webhooks are sent unsigned). */
  readonly signingKeys: Readonly<Record<string, SigningKeyConfig>>;
  /** Id → secret header value. Default none. */
  readonly secretHeaders: Readonly<Record<string, SecretHeaderConfig>>;
}

/**
 * Outbound HTTP from jobs (runtime/outbound): addresses that are loopback, private, link-local,
 * carrier-grade NAT, unique-local, IPv4-mapped, unspecified, multicast or reserved are refused
 * unless listed here.
 */
export interface OutboundConfig {
  /**
   * Destinations reachable although their address is not public: host names (exact, lowercase)
   * or CIDR blocks (`10.1.0.0/16`, `fd00:1::/64`). Default none.
   */
  readonly allow: readonly string[];
}

/**
 * Settings that only `npm run dev` uses; the deployed stack and workers never read them.
 */
export interface DevConfig {
  /** Added to `outbound.allow` in dev mode, e.g. `['127.0.0.0/8']` for local receivers. */
  readonly outboundAllow: readonly string[];
  /**
   * Local values for the secrets `webhooks` names, by secret name, so dev mode signs without
   * Secrets Manager. A secret without a value here cannot be used in dev mode. Stand-ins only,
   * never a real secret: the config file is source code, and any function that imports it (an
   * API function building a job client) carries these values in its bundle.
   */
  readonly secretValues: Readonly<Record<string, string>>;
}

/** Encryption at rest of the job table, the queues and their DLQs. */
export interface EncryptionConfig {
  /**
   * `aws-managed` (default): SQS-managed keys and DynamoDB's AWS-owned key. `customer-managed`:
   * one KMS key created with the stack (rotated yearly) encrypts the table, queues and DLQs, so
   * its key policy and CloudTrail show and limit who can read job data.
   */
  readonly dataKey: 'aws-managed' | 'customer-managed';
}

/** What a user writes. */
export interface LambdaJobsConfigInput {
  /** Prefix of every resource name: lowercase letters, digits and dashes, 1–24 characters. */
  readonly appName: string;
  /**
   * The module that exports this project's job types as `registry` (`createRegistry([...])`),
   * relative to the project root (the folder holding `lambda-jobs.config.ts`), e.g.
   * `'./src/jobs/index.ts'`. The `LambdaJobs` construct bundles it into the worker and the
   * monitor; `npx lambda-jobs` and dev mode load it.
   */
  readonly registry?: string;
  /** Named queues; each gets an SQS queue, a DLQ and a worker function. */
  readonly queues: Readonly<Record<string, QueueConfigInput>>;
  readonly settings?: JobsSettings;
  /**
   * How much the results store records (runtime/tracking-level.ts). `full`: a QUEUED record at
   * enqueue, every record listed by queue and status. `minimal`: records start when a worker
   * claims the job, and RUNNING and SUCCESSFUL records are readable by id but not listed
   * (2 write units per job instead of 8). Default `full`.
   */
  readonly tracking?: 'full' | 'minimal';
  readonly alerting?: Partial<AlertingConfig>;
  readonly schedules?: readonly ScheduleConfig[];
  readonly webhooks?: Partial<WebhooksConfig>;
  readonly outbound?: Partial<OutboundConfig>;
  readonly dev?: Partial<DevConfig>;
  readonly encryption?: Partial<EncryptionConfig>;
  /**
   * Turns on AWS X-Ray active tracing for every function the stack deploys (worker, monitor,
   * notifier). Spans through `@opentelemetry/api` need an OpenTelemetry SDK in the functions
   * as well (the ADOT Lambda layer). Default false.
   */
  readonly xrayTracing?: boolean;
  /**
   * Payloads too large for a message go through an S3 bucket the stack creates
   * (`docs/large-payloads.md`). Default off: a message over 256 KiB is refused at enqueue.
   */
  readonly largePayloads?: Partial<LargePayloadsConfig>;
  /**
   * Circuit breakers by job type (off for every type not named here): when a type's attempts
   * fail at or above `failureRate`, its jobs are held without spending attempts until one probe
   * succeeds. See `docs/circuit-breaker.md`.
   */
  readonly circuitBreakers?: Readonly<Record<string, CircuitBreakerInput>>;
}

/** One queue with every default applied. */
export interface QueueConfig {
  readonly name: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  /** Used when `provisionedPollers` is not set. */
  readonly maxConcurrency: number;
  /** Provisioned mode of the event source mapping; undefined: default scaling, `maxConcurrency`. */
  readonly provisionedPollers: ProvisionedPollers | undefined;
  readonly functionTimeoutSeconds: number;
  readonly functionMemoryMb: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly messageRetentionSeconds: number;
  readonly indexShards: number;
  /** A FIFO queue (and FIFO DLQ and intake). */
  readonly fifo: boolean;
  readonly thresholds: QueueThresholds;
}

/** The configuration every part reads: defaults applied, validated. */
export interface LambdaJobsConfig {
  readonly appName: string;
  /** The registry module, relative to the project root; undefined when not given. */
  readonly registry: string | undefined;
  readonly queues: Readonly<Record<string, QueueConfig>>;
  readonly tracking: 'full' | 'minimal';
  /** X-Ray active tracing on the deployed functions. */
  readonly xrayTracing: boolean;
  readonly resultsRetentionSeconds: number;
  readonly monitor: {
    readonly everySeconds: number;
    readonly stalledAfterSeconds: number;
    readonly lostGraceSeconds: number;
    readonly concurrency: number;
    /** Reserved concurrent executions of the monitor function; 0: none reserved. */
    readonly reservedConcurrency: number;
  };
  readonly alerting: AlertingConfig;
  readonly schedules: readonly ScheduleConfig[];
  readonly webhooks: WebhooksConfig;
  readonly outbound: OutboundConfig;
  readonly dev: DevConfig;
  readonly encryption: EncryptionConfig;
  readonly largePayloads: LargePayloadsConfig;
  /** Circuit breakers by job type, defaults applied; empty when none is enabled. */
  readonly circuitBreakers: Readonly<Record<string, CircuitBreakerSettings>>;
}
