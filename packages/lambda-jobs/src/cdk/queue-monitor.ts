import { Duration, Validations } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUNBOOKS } from '../config/alarm-descriptions.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import type { AlarmFactory } from './alarm-factory.ts';
import type { LogLevel } from './function-environment.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobTable } from './job-table.ts';
import { JobsFunction } from './jobs-function.ts';
import type { QueueMetrics } from './queue-metrics.ts';

/** Monitor runs in a row without a heartbeat before the monitor-not-reporting alarm. */
export const HEARTBEAT_MISSED_RUNS = 3;

export interface QueueMonitorProps {
  readonly config: LambdaJobsConfig;
  /** `${appName}` or `${appName}-${stage}`: the monitor's Powertools service and metric namespace. */
  readonly appName: string;
  readonly queues: readonly JobQueue[];
  readonly table: JobTable;
  readonly functionName: string;
  readonly entry: string;
  readonly projectRoot: string;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  /** X-Ray active tracing on the function. Default off. */
  readonly xrayTracing?: boolean;
  readonly metrics: QueueMetrics;
  readonly factory: AlarmFactory;
  /** Name of the queue that keeps schedule events EventBridge could not deliver. */
  readonly deadLetterQueueName: string;
}

/** Times EventBridge retries delivering a schedule event to the monitor (API errors, throttling). */
export const MONITOR_SCHEDULE_RETRY_ATTEMPTS = 3;

/**
 * The backlog monitor (`functions/monitor.ts`) on an EventBridge schedule (every
 * `JOBS_MONITOR_EVERY` seconds, default one minute), with exactly the permissions it needs:
 *
 * - `sqs:GetQueueAttributes` on every queue and DLQ (depth, in flight, delayed);
 * - `cloudwatch:GetMetricData` (oldest-message age, completions), which has no resource-level
 *   permissions, so its resource is `*` (acknowledged below);
 * - item reads and conditional writes on the job table and queries on its index (its state
 *   items, lost-job rescue, releasing the keys of lost jobs);
 * - `sqs:SendMessage` on every job queue and DLQ: the lost-job rescue sends a lost attempt's
 *   stored envelope back to its queue, or the last attempt's to the DLQ; the dead-letter
 *   intake passes reconciled messages on to the DLQ;
 * - `sqs:ReceiveMessage` and `sqs:DeleteMessage` on every dead-letter intake (nothing else):
 *   each run reconciles what SQS's own redrive moved there (`QueueAlarms` watches the intake's
 *   oldest message).
 *
 * Its metrics go out as EMF log lines, so it needs no `cloudwatch:PutMetricData`. A run that
 * fails is not retried (the next run measures afresh; overlapping runs are wasted work), and
 * the heartbeat alarm notices a monitor that stops reporting. Under pressure it still runs: it
 * has reserved concurrency (default 1), and EventBridge retries a schedule event it could not
 * deliver (throttling, API errors) for up to one period, then keeps it in a dead-letter queue,
 * behind an alarm. The reservation is `JOBS_MONITOR_RESERVED_CONCURRENCY` (0 or `false`: none,
 * for an account whose unreserved concurrency cannot spare it).
 *
 * @example
 * ```ts
 * new QueueMonitor(this, 'Monitor', { config, queues, table, functionName: 'shop-monitor', … });
 * ```
 */
export class QueueMonitor extends Construct {
  readonly monitor: JobsFunction;
  readonly rule: Rule;
  /** Schedule events EventBridge could not deliver to the monitor after its retries. */
  readonly scheduleDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: QueueMonitorProps) {
    super(scope, id);
    const everyMinutes = props.config.monitor.everySeconds / 60;
    // Validated with the config (settings.JOBS_MONITOR_RESERVED_CONCURRENCY): 0 reserves none.
    const reserved = props.config.monitor.reservedConcurrency;
    // A run older than one period is superseded by the next one: no use delivering it late.
    const maxEventAge = Duration.seconds(Math.max(60, props.config.monitor.everySeconds));
    this.monitor = new JobsFunction(this, 'Monitor', {
      entry: props.entry,
      projectRoot: props.projectRoot,
      functionName: props.functionName,
      description: 'lambda-jobs backlog monitor',
      // A run must end before the next one starts.
      timeout: Duration.seconds(Math.min(props.config.monitor.everySeconds, 300)),
      memorySize: 512,
      appName: props.appName,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      ...(props.xrayTracing ? { xrayTracing: true } : {}),
      ...(reserved > 0 ? { reservedConcurrentExecutions: reserved } : {}),
    });
    const fn = this.monitor.function;
    // A run that fails is not retried (the next one measures afresh); a throttled invocation
    // waits in Lambda's async queue at most one period.
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: props.queues.flatMap((q) => [q.queue.queueArn, q.deadLetterQueue.queueArn]),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        resources: props.queues.map((q) => q.deadLetterIntake.queueArn),
      }),
    );
    // Reads: metrics (oldest age, completions), and the workers' event source mappings (a
    // paused queue is not stalled).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['cloudwatch:GetMetricData', 'lambda:ListEventSourceMappings'],
        resources: ['*'],
      }),
    );
    Validations.of(this.monitor).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData and lambda:ListEventSourceMappings (and, with X-Ray tracing on, xray:PutTraceSegments and xray:PutTelemetryRecords) support no resource-level permissions; AWS requires Resource "*". They read metrics and event source states or write trace data, and are the only actions granted on "*".',
    });
    // Its Query on `byQueueStatus` serves the lost-job rescue and the orphaned-key sweep (keys are
    // listed there under `KEYS#<shard>`).
    props.table.grantJobAccess(fn);

    this.scheduleDeadLetterQueue = new Queue(this, 'ScheduleDeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: it keeps the schedule events EventBridge could not deliver to the monitor.',
    });
    this.rule = new Rule(this, 'Schedule', {
      description: `Runs the lambda-jobs monitor every ${everyMinutes} min`,
      schedule: Schedule.rate(Duration.minutes(everyMinutes)),
      targets: [
        new LambdaFunction(fn, {
          // Invoke API errors and throttling are retried, within one period.
          retryAttempts: MONITOR_SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge,
          deadLetterQueue: this.scheduleDeadLetterQueue,
        }),
      ],
    });

    const period = Duration.minutes(everyMinutes);
    props.factory.create(this, {
      kind: 'monitor-not-reporting',
      summary: `The backlog monitor has not reported for ${HEARTBEAT_MISSED_RUNS} runs (${HEARTBEAT_MISSED_RUNS * everyMinutes} min): backlog, stalled and lost-job checks are blind.`,
      runbook: RUNBOOKS.monitorSilent,
      level: 'critical',
      metric: props.metrics.heartbeat({ statistic: 'SampleCount', period }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: HEARTBEAT_MISSED_RUNS,
      // No heartbeat is exactly what this alarm is for.
      treatMissingData: TreatMissingData.BREACHING,
    });
    props.factory.create(this, {
      kind: 'monitor-schedule-dlq-not-empty',
      summary:
        'EventBridge could not invoke the backlog monitor through its retries (throttling, a missing or broken function, a permission): those runs were skipped and their events wait in the monitor schedule DLQ.',
      runbook: RUNBOOKS.monitorScheduleDeadLetters,
      level: 'warning',
      metric: props.metrics.sqs(
        'ApproximateNumberOfMessagesVisible',
        this.scheduleDeadLetterQueue,
        { statistic: 'Maximum', period: Duration.minutes(1) },
      ),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
