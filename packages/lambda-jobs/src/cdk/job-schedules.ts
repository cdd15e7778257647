import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  type IGrantable,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ConfigError, type ConfigProblem } from '../config/config-error.ts';
import type { ScheduleConfig } from '../config/config-types.ts';
import { CronExpressionError, toSchedulerExpression } from '../config/cron.ts';
import { ENV } from '../config/env.ts';
import { outputKeyPart } from '../config/stack-outputs.ts';
import { fifoCronTarget } from './fifo-cron-target.ts';
import { MAX_MESSAGE_RETENTION_SECONDS } from './synth-checks.ts';

/**
 * EventBridge Scheduler writes the firing's scheduled time here, e.g. `2025-01-01T09:00:00Z`
 * (20 characters): stable across the retries of one firing.
 */
export const SCHEDULED_TIME_ATTRIBUTE = '<aws.scheduler.scheduled-time>';
const SCHEDULED_TIME_LENGTH = 20;
/** The envelope version the workers read (`runtime/envelope.ts`, which lib/ does not import). */
const ENVELOPE_VERSION = 1;
/** Job ids the workers accept (`runtime/limits.ts` jobIdPattern). */
const JOB_ID_PATTERN = /^[A-Za-z0-9_:.-]{1,128}$/;
/** The queues' MaximumMessageSize: the largest envelope a firing may send. */
const MAX_ENVELOPE_BYTES = 262_144;
/** SQS refuses these characters raw; JSON may write them escaped (as `serializeEnvelope` does). */
const CHARACTERS_SQS_REJECTS = /[\uFFFE\uFFFF]/g;

/** How EventBridge Scheduler retries a delivery the queue refused, before the DLQ. */
export interface SchedulerRetryPolicy {
  /** 0–185. Default 185 (the service's maximum). */
  readonly maximumRetryAttempts: number;
  /** 60–86,400. Default 86,400 (a day). */
  readonly maximumEventAgeSeconds: number;
}

/** One job queue and its dead-letter queue (a `JobQueue` fits). */
export interface ScheduledQueue {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

export interface JobSchedulesProps {
  /** Start of the group names: the deployment prefix (`shop` or `shop-staging`). */
  readonly appName: string;
  /** The config's cron schedules (`config.schedules`). */
  readonly schedules: readonly ScheduleConfig[];
  /** Every job queue by name: targets of firings and of one-time schedules. */
  readonly queues: Readonly<Record<string, ScheduledQueue>>;
  /**
   * Queue name of every registered job type, computed in `bin/app.ts` from the registry
   * (`jobQueueNames(registry)`), since lib/ does not import runtime/.
   */
  readonly jobQueueOf: Readonly<Record<string, string>>;
  /**
   * Message group of each schedule's firings on a FIFO queue, by schedule name (from the
   * registry: `cronMessageGroups`). Default: the schedule's job type.
   */
  readonly cronMessageGroups?: Readonly<Record<string, string>>;
  /** Group of the cron schedules. Default `${appName}-cron`. */
  readonly groupName?: string;
  /** Group of the one-time schedules of long delays and `runAt`. Default `${appName}-delayed`. */
  readonly delayedGroupName?: string;
  /**
   * Name of the queue every one-time schedule dead-letters to (a delivery its queue refused
   * through the whole retry policy). Default `${appName}-delayed-failures`.
   */
  readonly delayedFailuresQueueName?: string;
  /** The customer-managed key of the job queues, for the delayed-failures queue too. Default: SQS-managed. */
  readonly encryptionKey?: IKey | undefined;
  readonly retryPolicy?: SchedulerRetryPolicy;
}

const DEFAULT_RETRY_POLICY: SchedulerRetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeSeconds: 86_400,
};

/**
 * The message body of every firing of `schedule`: a version-1 job envelope whose id and
 * enqueue time are the firing's scheduled time, filled in by EventBridge Scheduler.
 *
 * @example
 * ```ts
 * cronFiringInput({ name: 'nightly', job: 'report', cron: '@daily' }, 'default');
 * // '{"version":1,"id":"nightly-<aws.scheduler.scheduled-time>","type":"report",…}'
 * ```
 */
export function cronFiringInput(schedule: ScheduleConfig, queueName: string): string {
  return JSON.stringify({
    version: ENVELOPE_VERSION,
    id: `${schedule.name}-${SCHEDULED_TIME_ATTRIBUTE}`,
    type: schedule.job,
    queue: queueName,
    payload: schedule.payload ?? {},
    enqueuedAt: SCHEDULED_TIME_ATTRIBUTE,
  }).replace(CHARACTERS_SQS_REJECTS, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * A resolved CloudFormation value as cdk-nag writes it in a finding id: `Fn::Join` joined,
 * `{ Ref: X }` as `<X>` (e.g. `arn:<AWS::Partition>:scheduler:…`).
 */
function findingText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    if ('Fn::Join' in value) {
      const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
      return items.map(findingText).join(delimiter);
    }
    if ('Ref' in value) return `<${String(value.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** Every problem with one schedule that synth can see; empty when it deploys. */
function scheduleProblems(
  schedule: ScheduleConfig,
  index: number,
  props: JobSchedulesProps,
): ConfigProblem[] {
  const at = `schedules[${index}]`;
  const problems: ConfigProblem[] = [];
  try {
    toSchedulerExpression(schedule.cron);
  } catch (error) {
    if (!(error instanceof CronExpressionError)) throw error;
    problems.push({
      field: `${at}.cron`,
      value: schedule.cron,
      rule: `schedule "${schedule.name}": ${error.reason}`,
    });
  }
  const sampleId = `${schedule.name}-${'0'.repeat(SCHEDULED_TIME_LENGTH)}`;
  if (!JOB_ID_PATTERN.test(sampleId)) {
    problems.push({
      field: `${at}.name`,
      value: schedule.name,
      rule: `schedule "${schedule.name}" gives job ids of ${sampleId.length} characters ("<name>-<scheduled time>"); job ids are 1–128 of A-Z a-z 0-9 _ - : .`,
    });
  }
  const queueName = props.jobQueueOf[schedule.job];
  if (queueName === undefined) {
    problems.push({
      field: `${at}.job`,
      value: schedule.job,
      rule: `schedule "${schedule.name}" names a job type that is not registered (${Object.keys(props.jobQueueOf).sort().join(', ') || 'none'})`,
    });
  } else if (!props.queues[queueName]) {
    problems.push({
      field: `${at}.job`,
      value: schedule.job,
      rule: `schedule "${schedule.name}": job "${schedule.job}" runs on queue "${queueName}", which is not configured (${Object.keys(props.queues).join(', ')})`,
    });
  } else {
    const bytes = Buffer.byteLength(cronFiringInput(schedule, queueName), 'utf8');
    if (bytes > MAX_ENVELOPE_BYTES) {
      problems.push({
        field: `${at}.payload`,
        value: `${bytes} bytes`,
        rule: `schedule "${schedule.name}": a firing's message must fit in ${MAX_ENVELOPE_BYTES} bytes`,
      });
    }
  }
  return problems;
}

/**
 * The config's cron schedules on EventBridge Scheduler, and what long delays need:
 *
 * - a schedule group for the cron schedules and one for the one-time schedules of long delays
 *   and `runAt` (separate, so a job id never collides with a schedule name, and producers may
 *   create and delete one-time schedules without touching the cron ones);
 * - the delayed-failures queue (encrypted like the job queues, TLS only, kept 14 days like the
 *   DLQs): every one-time schedule dead-letters there once its queue refused it through the
 *   whole retry policy. It is not a job DLQ: no redrive reads it, and its alarm's runbook
 *   (`docs/runbooks/delayed-delivery-failures.md`) says how to re-send what is still wanted;
 * - two roles the scheduler assumes (this account only), plus the queues' KMS key when they use
 *   one: the cron schedules' role may `sqs:SendMessage` to the job queues and their DLQs (a
 *   firing that fails its retries goes to the DLQ); the role producers pass for one-time
 *   schedules may send to the job queues and the delayed-failures queue only, so that no
 *   producer can put a message of its choosing in a job DLQ through a schedule of its own
 *   (see docs/producer-rights.md);
 * - per config schedule, a schedule in the schedule's time zone, flexible window off, that sends
 *   the job envelope straight to the job's queue: id `<name>-<scheduled time>` (the same for
 *   every retry of one firing, so the worker runs it once), the fixed payload, retries as
 *   {@link SchedulerRetryPolicy}, then the queue's DLQ.
 *
 * Checked at synth: an unknown job type, a job on an unconfigured queue, a cron expression the
 * scheduler cannot express, or a firing id or message over its limit throws ConfigError naming
 * the schedule.
 *
 * @example
 * ```ts
 * const schedules = new JobSchedules(this, 'Schedules', {
 *   appName: names.prefix,
 *   schedules: config.schedules,
 *   queues: Object.fromEntries(jobQueues.map((q) => [q.name, q])),
 *   jobQueueOf, // from bin/app.ts: jobQueueNames(registry)
 * });
 * schedules.bindLongDelays(apiFunction); // may enqueue with delays beyond 15 minutes
 * ```
 */
export class JobSchedules extends Construct {
  /** Holds the cron schedules. */
  readonly group: ScheduleGroup;
  /** Holds the one-time schedules of long delays (LAMBDA_JOBS_SCHEDULER_GROUP). */
  readonly delayedGroup: ScheduleGroup;
  /**
   * Where every one-time schedule dead-letters a delivery its queue refused through the whole
   * retry policy (LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN).
   */
  readonly delayedFailures: Queue;
  /**
   * Assumed by the scheduler for the one-time schedules producers create: sends to the job
   * queues and the delayed-failures queue, not the job DLQs (LAMBDA_JOBS_SCHEDULER_ROLE_ARN;
   * producers may pass it).
   */
  readonly role: Role;
  /** Assumed by the scheduler for the config's cron schedules: the job queues and their DLQs. */
  readonly cronRole: Role;
  /** The cron schedules, by schedule name. */
  readonly schedules: Readonly<Record<string, CfnSchedule>>;

  constructor(scope: Construct, id: string, props: JobSchedulesProps) {
    super(scope, id);
    const problems = props.schedules.flatMap((schedule, index) =>
      scheduleProblems(schedule, index, props),
    );
    if (problems.length > 0) throw new ConfigError(problems);
    const retry = props.retryPolicy ?? DEFAULT_RETRY_POLICY;
    const queues = Object.values(props.queues);

    this.group = new ScheduleGroup(this, 'CronGroup', {
      scheduleGroupName: props.groupName ?? `${props.appName}-cron`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.delayedGroup = new ScheduleGroup(this, 'DelayedGroup', {
      scheduleGroupName: props.delayedGroupName ?? `${props.appName}-delayed`,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.delayedFailures = new Queue(this, 'DelayedFailures', {
      queueName: props.delayedFailuresQueueName ?? `${props.appName}-delayed-failures`,
      ...(props.encryptionKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.seconds(MAX_MESSAGE_RETENTION_SECONDS),
    });
    Validations.of(this.delayedFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: it keeps the one-time schedule deliveries EventBridge Scheduler could not make.',
    });

    const keys = [
      ...new Set(
        [
          ...queues.flatMap((q) => [
            q.queue.encryptionMasterKey,
            q.deadLetterQueue.encryptionMasterKey,
          ]),
          this.delayedFailures.encryptionMasterKey,
        ].flatMap((key) => (key ? [key.keyArn] : [])),
      ),
    ];
    const kmsStatements =
      keys.length > 0
        ? [
            new PolicyStatement({
              actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
              resources: keys,
            }),
          ]
        : [];
    const schedulerRole = (id: string, description: string, queueArns: string[]) =>
      new Role(this, id, {
        description,
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        inlinePolicies: {
          SendJobs: new PolicyDocument({
            statements: [
              new PolicyStatement({ actions: ['sqs:SendMessage'], resources: queueArns }),
              ...kmsStatements,
            ],
          }),
        },
      });
    this.role = schedulerRole(
      'SchedulerRole',
      `EventBridge Scheduler delivers delayed ${props.appName} jobs to their queues, failed deliveries to the delayed-failures queue (not the DLQs)`,
      [...queues.map((q) => q.queue.queueArn), this.delayedFailures.queueArn],
    );
    this.cronRole = schedulerRole(
      'CronSchedulerRole',
      `EventBridge Scheduler sends ${props.appName} cron jobs to their queues, failed firings to the DLQs`,
      // A FIFO queue's firings dead-letter to the delayed-failures queue: EventBridge
      // Scheduler takes no FIFO queue as a dead-letter queue.
      [
        ...new Set(
          queues.flatMap((q) => [
            q.queue.queueArn,
            q.queue.fifo ? this.delayedFailures.queueArn : q.deadLetterQueue.queueArn,
          ]),
        ),
      ],
    );

    const schedules: Record<string, CfnSchedule> = {};
    for (const schedule of props.schedules) {
      const queueName = props.jobQueueOf[schedule.job]!;
      const target = props.queues[queueName]!;
      const timeZone = schedule.timeZone ?? 'UTC';
      schedules[schedule.name] = new CfnSchedule(
        this,
        `Cron${outputKeyPart(schedule.name.replace(/\./g, '-'))}`,
        {
          name: schedule.name,
          groupName: this.group.scheduleGroupName,
          description: `lambda-jobs: ${schedule.job} at "${schedule.cron}" (${timeZone})`.slice(
            0,
            512,
          ),
          scheduleExpression: toSchedulerExpression(schedule.cron),
          scheduleExpressionTimezone: timeZone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            ...(target.queue.fifo
              ? fifoCronTarget(this, {
                  queue: target.queue,
                  body: cronFiringInput(schedule, queueName),
                  groupId: props.cronMessageGroups?.[schedule.name] ?? schedule.job,
                  // The firing's job id: a retried delivery of one firing is one message.
                  deduplicationId: `${schedule.name}-${SCHEDULED_TIME_ATTRIBUTE}`,
                  deadLetterQueue: this.delayedFailures,
                })
              : {
                  arn: target.queue.queueArn,
                  input: cronFiringInput(schedule, queueName),
                  deadLetterConfig: { arn: target.deadLetterQueue.queueArn },
                }),
            roleArn: this.cronRole.roleArn,
            retryPolicy: {
              maximumRetryAttempts: retry.maximumRetryAttempts,
              maximumEventAgeInSeconds: retry.maximumEventAgeSeconds,
            },
          },
        },
      );
      // The group is named by a literal, not a reference: order its creation explicitly.
      schedules[schedule.name]!.node.addDependency(this.group);
    }
    this.schedules = schedules;
  }

  /**
   * LAMBDA_JOBS_SCHEDULER_GROUP, LAMBDA_JOBS_SCHEDULER_ROLE_ARN and
   * LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN, as a producer reads them.
   */
  get environment(): Record<string, string> {
    return {
      [ENV.schedulerGroup]: this.delayedGroup.scheduleGroupName,
      [ENV.schedulerRoleArn]: this.role.roleArn,
      [ENV.schedulerDeadLetterArn]: this.delayedFailures.queueArn,
    };
  }

  /** ARN of every schedule in the delayed group (names are job ids, unknown at synth). */
  get delayedSchedulesArn(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.delayedGroup.scheduleGroupName}/*`,
    });
  }

  /**
   * The statements {@link grantLongDelays} adds, for a policy that is not a principal's own
   * (the operator policy): create and delete schedules in the delayed group, pass the scheduler
   * role to EventBridge Scheduler only.
   */
  longDelayStatements(): PolicyStatement[] {
    return [
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [this.delayedSchedulesArn],
      }),
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    ];
  }

  /** Acknowledges, on `holder`, the `/*` resource of the delayed group's schedules for cdk-nag. */
  acknowledgeLongDelayWildcard(holder: IConstruct): void {
    Validations.of(holder).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${findingText(Stack.of(this).resolve(this.delayedSchedulesArn))}]`,
      reason:
        'One-time schedules are named after job ids, unknown at synth: create and delete are allowed on every schedule of the delayed-jobs group, and only there.',
    });
  }

  /**
   * Allows `grantee` to create and delete one-time schedules in the delayed group (enqueue with
   * a delay beyond 15 minutes or `runAt`, and cancel such a job) and to pass the scheduler role
   * to EventBridge Scheduler, nothing more. Schedule names are job ids, unknown at synth, so the
   * resource ends in `/*` (acknowledged for cdk-nag on the grantee's role).
   *
   * @example
   * ```ts
   * schedules.grantLongDelays(worker.function);
   * ```
   */
  grantLongDelays(grantee: IGrantable): void {
    for (const statement of this.longDelayStatements()) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
    // The statement lands in the principal's policy (a function's role), so acknowledge there.
    const holder = Construct.isConstruct(grantee.grantPrincipal) ? grantee.grantPrincipal : grantee;
    if (Construct.isConstruct(holder)) this.acknowledgeLongDelayWildcard(holder);
  }

  /**
   * {@link grantLongDelays} plus the variables of {@link environment} on the function, so its
   * job client sends long delays through EventBridge Scheduler.
   *
   * @example
   * ```ts
   * schedules.bindLongDelays(checkoutFunction);
   * ```
   */
  bindLongDelays(fn: LambdaFunction): void {
    this.grantLongDelays(fn);
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
  }
}
