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
   * `on` when each queue's redrive goes to its dead-letter intake (the queue named after its
   * DLQ, see `deadLetterIntakeUrl`). Set on the monitor only, which reconciles each message
   * there and passes it to the DLQ. A URL list would cost the monitor's 4 KB environment a
   * third URL per queue; the intake's URL follows from the DLQ's.
   */
  deadLetterIntakes: 'LAMBDA_JOBS_DEAD_LETTER_INTAKES',
  /** The queue a worker function serves. */
  workerQueue: 'LAMBDA_JOBS_WORKER_QUEUE',
  /**
   * The workers' function name without the queue's (`shop-prod-worker-`): the monitor reads
   * each worker's event source mapping to tell a paused queue from a stalled one. A prefix, not
   * a list, so the monitor's 4 KB environment does not grow with the queues.
   */
  workerFunctionPrefix: 'LAMBDA_JOBS_WORKER_FUNCTION_PREFIX',
  /** CloudWatch namespace for the metrics lambda-jobs publishes. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Secrets Manager secret holding the Slack incoming-webhook URL (notifier function). */
  slackWebhookSecret: 'LAMBDA_JOBS_SLACK_WEBHOOK_SECRET',
  /** Base URL for runbook links in alarm notifications. */
  runbookBaseUrl: 'LAMBDA_JOBS_RUNBOOK_BASE_URL',
  /** Scheduler group and role used for one-time schedules (delays beyond 15 minutes). */
  schedulerGroup: 'LAMBDA_JOBS_SCHEDULER_GROUP',
  schedulerRoleArn: 'LAMBDA_JOBS_SCHEDULER_ROLE_ARN',
  /** The delayed-failures queue's ARN: the dead-letter queue of every one-time schedule. */
  schedulerDeadLetterArn: 'LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN',
  /** The payload bucket (`largePayloads`): where large payloads are put and read from. */
  payloadBucket: 'LAMBDA_JOBS_PAYLOAD_BUCKET',
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
  readonly payloadBucket?: string | undefined;
}): NodeJS.ProcessEnv {
  return {
    [ENV.tableName]: resources.tableName,
    [ENV.queueUrls]: JSON.stringify(resources.queues),
    ...(resources.payloadBucket ? { [ENV.payloadBucket]: resources.payloadBucket } : {}),
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
 * The URL of a queue's dead-letter intake: its DLQ's URL with `-intake` appended, as
 * `resourceNames` names them (`<app>-<queue>-dlq` and `<app>-<queue>-dlq-intake`).
 *
 * @example `deadLetterIntakeUrl('https://sqs…/shop-default-dlq') === 'https://sqs…/shop-default-dlq-intake'`
 * @example `deadLetterIntakeUrl('https://sqs…/shop-orders-dlq.fifo') === 'https://sqs…/shop-orders-dlq-intake.fifo'`
 */
export function deadLetterIntakeUrl(deadLetterQueueUrl: string): string {
  // A FIFO DLQ's name ends in `.fifo`, and so must its intake's: `-intake` goes before it.
  if (deadLetterQueueUrl.endsWith('.fifo')) {
    return `${deadLetterQueueUrl.slice(0, -'.fifo'.length)}-intake.fifo`;
  }
  return `${deadLetterQueueUrl}-intake`;
}

/**
 * Each queue's dead-letter intake URL (queue name → URL) when {@link ENV.deadLetterIntakes} is
 * `on`; none otherwise (a deployment from before the intake existed).
 *
 * @example
 * ```ts
 * const intakes = readDeadLetterIntakeUrls(readQueueUrls()); // { default: 'https://sqs…/shop-default-dlq-intake' }
 * ```
 */
export function readDeadLetterIntakeUrls(
  queues: Readonly<Record<string, QueueEndpoints>>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<string, string>> {
  const flag = readOptionalEnv(ENV.deadLetterIntakes, env);
  if (flag === undefined) return {};
  if (flag !== 'on') {
    throw new ConfigError([
      { field: `env.${ENV.deadLetterIntakes}`, value: flag, rule: 'must be "on" or unset' },
    ]);
  }
  return Object.fromEntries(
    Object.entries(queues).map(([name, urls]) => [name, deadLetterIntakeUrl(urls.dlqUrl)]),
  );
}
