import { Duration, Validations } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
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
  readonly queues: readonly JobQueue[];
  readonly table: JobTable;
  readonly functionName: string;
  readonly entry: string;
  readonly projectRoot: string;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  readonly metrics: QueueMetrics;
  readonly factory: AlarmFactory;
}

/**
 * The backlog monitor (`functions/monitor.ts`) on an EventBridge schedule (every
 * `JOBS_MONITOR_EVERY` seconds, default one minute), with exactly the permissions it needs:
 *
 * - `sqs:GetQueueAttributes` on every queue and DLQ (depth, in flight, delayed);
 * - `cloudwatch:GetMetricData` (oldest-message age, completions), which has no resource-level
 *   permissions, so its resource is `*` (acknowledged below);
 * - item reads and conditional writes on the job table and queries on its index (its state
 *   items, lost-job rescue, releasing the keys of lost jobs).
 *
 * Its metrics go out as EMF log lines, so it needs no `cloudwatch:PutMetricData`. A run that
 * fails is not retried (the next run measures afresh; overlapping runs are wasted work), and
 * the heartbeat alarm notices a monitor that stops reporting.
 *
 * @example
 * ```ts
 * new QueueMonitor(this, 'Monitor', { config, queues, table, functionName: 'shop-monitor', … });
 * ```
 */
export class QueueMonitor extends Construct {
  readonly monitor: JobsFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: QueueMonitorProps) {
    super(scope, id);
    const everyMinutes = props.config.monitor.everySeconds / 60;
    this.monitor = new JobsFunction(this, 'Monitor', {
      entry: props.entry,
      projectRoot: props.projectRoot,
      functionName: props.functionName,
      description: 'lambda-jobs backlog monitor',
      // A run must end before the next one starts.
      timeout: Duration.seconds(Math.min(props.config.monitor.everySeconds, 300)),
      memorySize: 512,
      appName: props.config.appName,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
    });
    const fn = this.monitor.function;
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: props.queues.flatMap((q) => [q.queue.queueArn, q.deadLetterQueue.queueArn]),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    Validations.of(this.monitor).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData does not support resource-level permissions; AWS requires Resource "*". It is read-only and the only action granted on "*".',
    });
    props.table.grantJobAccess(fn);

    this.rule = new Rule(this, 'Schedule', {
      description: `Runs the lambda-jobs monitor every ${everyMinutes} min`,
      schedule: Schedule.rate(Duration.minutes(everyMinutes)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
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
  }
}
