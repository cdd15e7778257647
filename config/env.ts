import { ConfigError } from './config-error.ts';

/**
 * Names of the environment variables the deployed functions read. The CDK stack sets them,
 * dev mode sets them, and handlers read them through {@link readEnv} at cold start.
 *
 * Endpoints are not here: the AWS SDK reads `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_DYNAMODB`
 * and friends itself, which is how dev mode points the same handlers at local emulators.
 */
export const ENV = {
  /** DynamoDB table holding job records and concurrency keys. */
  tableName: 'LAMBDA_JOBS_TABLE',
  /** JSON object: queue name → `{ url, dlqUrl }` for every configured queue. */
  queueUrls: 'LAMBDA_JOBS_QUEUE_URLS',
  /**
   * JSON object: queue name → URL of its dead-letter intake, the queue SQS's own redrive moves
   * messages to. Set on the monitor only, which reconciles each one and passes it to the DLQ.
   */
  deadLetterIntakeUrls: 'LAMBDA_JOBS_DEAD_LETTER_INTAKE_URLS',
  /** The queue a worker function serves. */
  workerQueue: 'LAMBDA_JOBS_WORKER_QUEUE',
  /** CloudWatch namespace for the metrics lambda-jobs publishes. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Secrets Manager secret holding the Slack incoming-webhook URL (notifier function). */
  slackWebhookSecret: 'LAMBDA_JOBS_SLACK_WEBHOOK_SECRET',
  /** Base URL for runbook links in alarm notifications. */
  runbookBaseUrl: 'LAMBDA_JOBS_RUNBOOK_BASE_URL',
  /** Scheduler group and role used for one-time schedules (delays beyond 15 minutes). */
  schedulerGroup: 'LAMBDA_JOBS_SCHEDULER_GROUP',
  schedulerRoleArn: 'LAMBDA_JOBS_SCHEDULER_ROLE_ARN',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Reads a required environment variable; fails at cold start with the variable's name.
 *
 * @example
 * ```ts
 * const table = readEnv(ENV.tableName); // ConfigError: LAMBDA_JOBS_TABLE is not set
 * ```
 */
export function readEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError([
      { field: `env.${name}`, value: value ?? null, rule: 'must be set (the stack sets it)' },
    ]);
  }
  return value;
}

/** Reads an optional environment variable; `undefined` when unset or blank. */
export function readOptionalEnv(
  name: EnvName,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Where one queue and its dead-letter queue live. */
export interface QueueEndpoints {
  readonly url: string;
  readonly dlqUrl: string;
}

/**
 * The variables the stack sets on every function that reach the table and the queues: what a
 * worker, producer or monitor built outside Lambda (dev mode, the CLI, tests) needs.
 *
 * @example
 * ```ts
 * createWorker({ registry, config, env: resourceEnv({ tableName, queues }) });
 * ```
 */
export function resourceEnv(resources: {
  readonly tableName: string;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
}): NodeJS.ProcessEnv {
  return {
    [ENV.tableName]: resources.tableName,
    [ENV.queueUrls]: JSON.stringify(resources.queues),
  };
}

/**
 * Parses {@link ENV.queueUrls}: a JSON object mapping each queue name to its URLs.
 *
 * @example
 * ```ts
 * const urls = readQueueUrls(); // { default: { url: 'https://sqs…', dlqUrl: 'https://sqs…' } }
 * ```
 */
export function readQueueUrls(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<string, QueueEndpoints>> {
  const raw = readEnv(ENV.queueUrls, env);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(
      [{ field: `env.${ENV.queueUrls}`, value: raw, rule: 'must be a JSON object' }],
      { cause },
    );
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.values(parsed).every(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as QueueEndpoints).url === 'string' &&
        typeof (v as QueueEndpoints).dlqUrl === 'string',
    );
  if (!valid) {
    throw new ConfigError([
      {
        field: `env.${ENV.queueUrls}`,
        value: raw,
        rule: 'must map each queue name to { "url": string, "dlqUrl": string }',
      },
    ]);
  }
  return parsed as Record<string, QueueEndpoints>;
}

/**
 * Parses {@link ENV.deadLetterIntakeUrls}: queue name → URL of the queue's dead-letter intake.
 * Unset means none (a deployment from before the intake existed): an empty map.
 *
 * @example
 * ```ts
 * const intakes = readDeadLetterIntakeUrls(); // { default: 'https://sqs…/shop-default-dlq-intake' }
 * ```
 */
export function readDeadLetterIntakeUrls(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<string, string>> {
  const raw = readOptionalEnv(ENV.deadLetterIntakeUrls, env);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(
      [{ field: `env.${ENV.deadLetterIntakeUrls}`, value: raw, rule: 'must be a JSON object' }],
      { cause },
    );
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((url) => typeof url === 'string')
  ) {
    throw new ConfigError([
      {
        field: `env.${ENV.deadLetterIntakeUrls}`,
        value: raw,
        rule: 'must map each queue name to the URL (a string) of its dead-letter intake',
      },
    ]);
  }
  return parsed as Record<string, string>;
}
