import { createHash } from 'node:crypto';
import type { CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ConfigError } from '../../../config/config-error.ts';
import { ENV, readEnv } from '../../../config/env.ts';
import { JobInputError } from '../../errors.ts';
import { LIMITS } from '../../limits.ts';
import { sendRouting } from '../../message-group.ts';
import type { DelayedDelivery } from '../../ports.ts';
import { scheduledSendTarget } from './scheduler-grouped-target.ts';

/** EventBridge Scheduler schedule names: 1–64 of `0-9 a-z A-Z - _ .`. */
const SCHEDULE_NAME_PATTERN = /^[0-9a-zA-Z_.-]{1,64}$/;
const MAX_SCHEDULE_NAME_LENGTH = 64;
/** Characters of the SHA-256 (hex) that keep a shortened name unique. */
const NAME_HASH_LENGTH = 16;
const MINUTE_MS = 60_000;

/** The EventBridge Scheduler client module of the AWS SDK. */
type SchedulerSdk = typeof import('@aws-sdk/client-scheduler');

let schedulerSdk: Promise<SchedulerSdk> | undefined;

/**
 * `@aws-sdk/client-scheduler`, imported on the first schedule or cancel and then reused: only
 * delays beyond SQS's 15 minutes and `runAt` need it, so a worker whose jobs never ask for one
 * does not load it at cold start.
 */
function loadSchedulerSdk(): Promise<SchedulerSdk> {
  schedulerSdk ??= import('@aws-sdk/client-scheduler');
  return schedulerSdk;
}

/**
 * How EventBridge Scheduler retries a delivery the queue refused. Defaults are the service's
 * maxima (185 attempts over 24 hours): a delayed job is only given up if SQS refuses it for a
 * day, and even then it goes to the delayed-failures queue.
 */
export interface SchedulerRetryPolicy {
  /** 0–185. Default 185. */
  readonly maximumRetryAttempts: number;
  /** 60–86,400. Default 86,400. */
  readonly maximumEventAgeSeconds: number;
}

export const DEFAULT_SCHEDULER_RETRY_POLICY: SchedulerRetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeSeconds: 86_400,
};

export interface SchedulerDelayedDeliveryOptions {
  /** Default: `new SchedulerClient({})`, made (with the SDK module) on the first schedule or cancel. */
  readonly client?: SchedulerClient | undefined;
  /** Schedule group holding the one-time schedules (env LAMBDA_JOBS_SCHEDULER_GROUP). */
  readonly groupName: string;
  /** Role the scheduler assumes to send to the queue (env LAMBDA_JOBS_SCHEDULER_ROLE_ARN). */
  readonly roleArn: string;
  /**
   * Queue ARNs by queue URL, for URLs whose ARN cannot be read from the URL itself (an
   * emulator's). Other URLs are converted by {@link queueArnFromUrl}.
   */
  readonly queueArns?: Readonly<Record<string, string>>;
  /**
   * ARN of the SQS queue every schedule dead-letters to once the retry policy is spent (env
   * LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN: the stack's delayed-failures queue, which the role
   * may send to). Without it a delivery that fails every retry is dropped by the scheduler.
   */
  readonly deadLetterArn?: string | undefined;
  readonly retryPolicy?: SchedulerRetryPolicy;
  /** Largest message body accepted, in UTF-8 bytes. Default 262,144 (the queues' limit). */
  readonly maxInputBytes?: number;
  /** Prepended to every schedule name (e.g. when the group is shared). Default none. */
  readonly namePrefix?: string;
}

/**
 * The schedule name for a job: the prefix and the job id when they fit EventBridge Scheduler's
 * 64 characters of `0-9 a-z A-Z - _ .`; otherwise the fitting part of the id and a hash of the
 * whole id. The same job id always gives the same name, so `cancel(jobId)` finds it.
 *
 * @example
 * ```ts
 * scheduleNameForJob('0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f'); // the id itself (36 characters)
 * scheduleNameForJob('x'.repeat(128)).length; // 64
 * ```
 */
export function scheduleNameForJob(jobId: string, namePrefix = ''): string {
  const name = `${namePrefix}${jobId}`;
  if (SCHEDULE_NAME_PATTERN.test(name)) return name;
  const hash = createHash('sha256').update(jobId).digest('hex').slice(0, NAME_HASH_LENGTH);
  const readable = jobId
    .replace(/[^0-9a-zA-Z_.-]/g, '_')
    .slice(0, Math.max(0, MAX_SCHEDULE_NAME_LENGTH - namePrefix.length - NAME_HASH_LENGTH - 1));
  return `${namePrefix}${readable}-${hash}`.slice(-MAX_SCHEDULE_NAME_LENGTH);
}

/**
 * The ARN of an SQS queue from its URL: `https://sqs.<region>.amazonaws.com/<account>/<name>`
 * (also `sqs.<region>.api.aws`, `sqs.<region>.amazonaws.com.cn` and the legacy
 * `<region>.queue.amazonaws.com`) → `arn:<partition>:sqs:<region>:<account>:<name>`.
 *
 * @throws ConfigError when the URL is not an AWS SQS queue URL (pass `queueArns` instead).
 * @example
 * ```ts
 * queueArnFromUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/shop-default');
 * // 'arn:aws:sqs:eu-west-1:123456789012:shop-default'
 * ```
 */
export function queueArnFromUrl(queueUrl: string): string {
  const match =
    /^https:\/\/(?:sqs\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)|([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?)\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/.exec(
      queueUrl,
    );
  const region = match?.[1] ?? match?.[2];
  if (!match || !region) {
    throw new ConfigError([
      {
        field: 'queueArns',
        value: queueUrl,
        rule: 'no queue ARN given for this URL, and it is not an AWS SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>) to derive one from',
      },
    ]);
  }
  const partition = region.startsWith('cn-')
    ? 'aws-cn'
    : region.startsWith('us-gov-')
      ? 'aws-us-gov'
      : 'aws';
  return `arn:${partition}:sqs:${region}:${match[3]}:${match[4]}`;
}

/**
 * EventBridge Scheduler's one-time expression for an instant, in UTC: `at(yyyy-mm-ddThh:mm:ss)`.
 * The scheduler fires within the minute it is given (60-second precision), so the instant is
 * rounded UP to a whole minute: a delayed job is never delivered early, and at most about two
 * minutes late.
 *
 * @example
 * ```ts
 * atExpression(new Date('2025-05-01T10:00:30.250Z')); // 'at(2025-05-01T10:01:00)'
 * ```
 */
export function atExpression(at: Date): string {
  const minute = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  return `at(${new Date(minute).toISOString().slice(0, 19)})`;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error
    ? String((error as { name: unknown }).name)
    : undefined;
}

/**
 * Long delays (beyond SQS's 15 minutes, up to a year) on EventBridge Scheduler: each job gets
 * a one-time schedule in the group that sends its message body to its queue at the due minute
 * and then deletes itself. Deliveries the queue refuses are retried, then sent to
 * `deadLetterArn` (the stack's delayed-failures queue).
 *
 * @example
 * ```ts
 * const delayed = createSchedulerDelayedDelivery({
 *   client: new SchedulerClient({}),
 *   groupName: 'shop-delayed-jobs',
 *   roleArn: 'arn:aws:iam::123456789012:role/shop-scheduler',
 * });
 * await delayed.schedule(jobId, queueUrl, body, new Date(Date.now() + 86_400_000));
 * await delayed.cancel(jobId); // true: the schedule was still waiting
 * ```
 */
export function createSchedulerDelayedDelivery(
  options: SchedulerDelayedDeliveryOptions,
): DelayedDelivery {
  const namePrefix = options.namePrefix ?? '';
  if (namePrefix !== '' && !/^[0-9a-zA-Z_.-]{1,40}$/.test(namePrefix)) {
    throw new ConfigError([
      {
        field: 'namePrefix',
        value: namePrefix,
        rule: 'use 1–40 of 0-9 a-z A-Z - _ . (schedule names)',
      },
    ]);
  }
  const maxInputBytes = options.maxInputBytes ?? LIMITS.maxEnvelopeBytes;
  const retry = options.retryPolicy ?? DEFAULT_SCHEDULER_RETRY_POLICY;
  let client = options.client;
  const connect = async () => {
    const sdk = await loadSchedulerSdk();
    client ??= new sdk.SchedulerClient({});
    return { sdk, client };
  };

  return {
    async schedule(jobId, queueUrl, body, at, routing) {
      const target = scheduledSendTarget(
        queueUrl,
        options.queueArns?.[queueUrl] ?? queueArnFromUrl(queueUrl),
        body,
        sendRouting(queueUrl, body, routing),
      );
      const size = Buffer.byteLength(target.input, 'utf8');
      if (size > maxInputBytes) {
        throw new JobInputError(
          'payload',
          `${maxInputBytes} bytes per scheduled message`,
          `Job message is ${size} bytes; a delayed message (EventBridge Scheduler target input) may be at most ${maxInputBytes} bytes. Store large data elsewhere (S3) and enqueue a reference.`,
        );
      }
      if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
        throw new JobInputError('runAt', 'a valid Date', 'runAt must be a valid Date');
      }
      const input: CreateScheduleCommandInput = {
        Name: scheduleNameForJob(jobId, namePrefix),
        GroupName: options.groupName,
        Description: `lambda-jobs: deliver job ${jobId}`.slice(0, 512),
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: target.arn,
          RoleArn: options.roleArn,
          Input: target.input,
          RetryPolicy: {
            MaximumRetryAttempts: retry.maximumRetryAttempts,
            MaximumEventAgeInSeconds: retry.maximumEventAgeSeconds,
          },
          ...(options.deadLetterArn ? { DeadLetterConfig: { Arn: options.deadLetterArn } } : {}),
        },
      };
      const { sdk, client: scheduler } = await connect();
      try {
        await scheduler.send(new sdk.CreateScheduleCommand(input));
      } catch (error) {
        // The name comes from the unique job id: a conflict means this job's schedule already
        // exists (a retried call whose first response was lost), which is what was asked.
        if (errorName(error) !== 'ConflictException') throw error;
      }
    },

    async cancel(jobId) {
      const { sdk, client: scheduler } = await connect();
      try {
        await scheduler.send(
          new sdk.DeleteScheduleCommand({
            Name: scheduleNameForJob(jobId, namePrefix),
            GroupName: options.groupName,
          }),
        );
        return true;
      } catch (error) {
        // Gone: it already fired (one-time schedules delete themselves) or was never made.
        if (errorName(error) === 'ResourceNotFoundException') return false;
        throw error;
      }
    },
  };
}

/**
 * The delayed delivery a deployed function uses: group, role and dead-letter queue from the
 * environment the stack sets (LAMBDA_JOBS_SCHEDULER_GROUP, LAMBDA_JOBS_SCHEDULER_ROLE_ARN,
 * LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN). Every schedule dead-letters to the stack's
 * delayed-failures queue: the role a producer passes may send there and to the job queues,
 * never to a job DLQ (so that no producer can fill a job DLQ through a schedule of its own),
 * and a delivery that fails the whole retry policy (185 tries over 24 hours) waits there,
 * behind an alarm, instead of being dropped.
 *
 * Without `client`, `new SchedulerClient({})` is made, with the SDK module, on the first
 * schedule or cancel.
 *
 * @throws ConfigError at cold start when a variable is missing.
 * @example
 * ```ts
 * const delayedDelivery = createSchedulerDelayedDeliveryFromEnv();
 * const { client } = createAwsJobRuntime({ registry, config, delayedDelivery });
 * ```
 */
export function createSchedulerDelayedDeliveryFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client?: SchedulerClient,
): DelayedDelivery {
  const groupName = readEnv(ENV.schedulerGroup, env);
  const roleArn = readEnv(ENV.schedulerRoleArn, env);
  const deadLetterArn = readEnv(ENV.schedulerDeadLetterArn, env);
  return createSchedulerDelayedDelivery({ client, groupName, roleArn, deadLetterArn });
}
