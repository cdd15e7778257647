import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { RUNBOOKS } from '../config/alarm-descriptions.ts';
import type { QueueConfig } from '../config/config-types.ts';
import { MONITOR_METRICS } from '../config/metric-names.ts';
import type { AlarmFactory } from './alarm-factory.ts';
import type { AlertLevel } from './deployment-names.ts';
import type { JobQueue } from './job-queue.ts';
import { ONE_MINUTE, type QueueMetrics } from './queue-metrics.ts';

/** Success rate below this, in percent, over {@link SUCCESS_RATE_WINDOW}, alarms. */
export const SUCCESS_RATE_THRESHOLD_PERCENT = 90;
export const SUCCESS_RATE_WINDOW = Duration.minutes(10);
/** Backlog must stay over its threshold for this many monitor runs in a row. */
export const BACKLOG_EVALUATION_PERIODS = 3;
/** Oldest-message age must stay over its threshold for this many minutes in a row. */
export const OLDEST_AGE_EVALUATION_PERIODS = 2;
/**
 * Age of a dead-letter intake's oldest message, seconds, past which it alarms: a message the
 * monitor keeps for a live attempt comes back after the intake's visibility timeout, so a
 * healthy intake holds nothing older than a few of those plus the attempt's lease.
 */
export const INTAKE_AGE_ALARM_SECONDS = 3600;
/** Window for worker function errors and throttles. */
export const WORKER_HEALTH_PERIOD = Duration.minutes(5);

export interface QueueAlarmsProps {
  readonly config: QueueConfig;
  readonly jobQueue: JobQueue;
  readonly metrics: QueueMetrics;
  readonly factory: AlarmFactory;
  /** The monitor's period: its metrics have one datapoint per run. */
  readonly monitorPeriod: Duration;
  readonly stalledAfterSeconds: number;
}

const GTE = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

/**
 * Every alarm of one queue. Threshold alarms exist only for the thresholds configured (unset
 * means off). What missing data means is chosen per alarm:
 *
 * - the monitor's metrics (backlog, stalled) publish every run, so a gap means the monitor is
 *   not running: `IGNORE` keeps the last state and the monitor-not-reporting alarm speaks;
 * - AWS/SQS and the worker's metrics go quiet when there is nothing to report (an idle queue,
 *   no jobs finished): `NOT_BREACHING`.
 *
 * @example
 * ```ts
 * new QueueAlarms(this, 'AlarmsDefault', { config: queue, jobQueue, metrics, factory, monitorPeriod, stalledAfterSeconds: 600 });
 * ```
 */
export class QueueAlarms extends Construct {
  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    super(scope, id);
    const { config, jobQueue, metrics, factory } = props;
    const name = config.name;
    const perRun = { period: props.monitorPeriod };
    const runMinutes = props.monitorPeriod.toMinutes();

    const backlogLevels: [AlertLevel, number | undefined][] = [
      ['warning', config.thresholds.backlog.warning],
      ['critical', config.thresholds.backlog.critical],
    ];
    for (const [level, threshold] of backlogLevels) {
      if (threshold === undefined) continue;
      factory.create(
        this,
        {
          kind: `backlog-${level}`,
          summary: `Backlog (jobs requested + processing) of queue "${name}" has been at or above the ${level} threshold of ${threshold} jobs for ${BACKLOG_EVALUATION_PERIODS} monitor runs (${BACKLOG_EVALUATION_PERIODS * runMinutes} min): workers are not keeping up.`,
          runbook: RUNBOOKS.backlog,
          level,
          metric: metrics.monitor(MONITOR_METRICS.backlog, name, {
            statistic: 'Maximum',
            ...perRun,
          }),
          threshold,
          comparisonOperator: GTE,
          evaluationPeriods: BACKLOG_EVALUATION_PERIODS,
          treatMissingData: TreatMissingData.IGNORE,
        },
        name,
      );
    }

    const ageLevels: [AlertLevel, number | undefined][] = [
      ['warning', config.thresholds.oldestAgeSeconds.warning],
      ['critical', config.thresholds.oldestAgeSeconds.critical],
    ];
    for (const [level, threshold] of ageLevels) {
      if (threshold === undefined) continue;
      factory.create(
        this,
        {
          kind: `oldest-age-${level}`,
          summary: `The oldest message in queue "${name}" has waited at least ${threshold} s (${level} threshold) for ${OLDEST_AGE_EVALUATION_PERIODS} minutes: jobs are starting late.`,
          runbook: RUNBOOKS.oldestAge,
          level,
          metric: metrics.sqs('ApproximateAgeOfOldestMessage', jobQueue.queue, {
            statistic: 'Maximum',
            period: ONE_MINUTE,
          }),
          threshold,
          comparisonOperator: GTE,
          evaluationPeriods: OLDEST_AGE_EVALUATION_PERIODS,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
        name,
      );
    }

    const dlqThreshold = config.thresholds.dlqDepth ?? 1;
    factory.create(
      this,
      {
        kind: 'dlq-not-empty',
        summary: `The dead-letter queue of "${name}" holds at least ${dlqThreshold} message(s): jobs ran out of attempts or could not be read. They wait there until redriven or purged.`,
        runbook: RUNBOOKS.deadLetters,
        level: 'warning',
        // What is in the DLQ now (ApproximateNumberOfMessagesVisible), not what arrived
        // (NumberOfMessagesSent does not count messages SQS itself redrives).
        metric: metrics.sqs('ApproximateNumberOfMessagesVisible', jobQueue.deadLetterQueue, {
          statistic: 'Maximum',
          period: ONE_MINUTE,
        }),
        threshold: dlqThreshold,
        comparisonOperator: GTE,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      name,
    );

    factory.create(
      this,
      {
        kind: 'dead-letter-intake-stuck',
        summary: `A message SQS dead-lettered from queue "${name}" has waited ${INTAKE_AGE_ALARM_SECONDS / 60} min in its dead-letter intake: the monitor is not reconciling it (its job record does not say so yet, its concurrency key may be held).`,
        runbook: RUNBOOKS.deadLetters,
        level: 'warning',
        metric: metrics.sqs('ApproximateAgeOfOldestMessage', jobQueue.deadLetterIntake, {
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
        threshold: INTAKE_AGE_ALARM_SECONDS,
        comparisonOperator: GTE,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      name,
    );

    factory.create(
      this,
      {
        kind: 'processing-stalled',
        summary: `Queue "${name}" has a backlog but no job finished in the last ${Math.round(props.stalledAfterSeconds / 60)} min, and its delivery is not paused: its worker is not processing. (A queue paused with lambda-jobs queues pause does not raise this alarm; lambda-jobs queues shows it as PAUSED.)`,
        runbook: RUNBOOKS.stalled,
        level: 'critical',
        metric: metrics.monitor(MONITOR_METRICS.stalled, name, { statistic: 'Maximum', ...perRun }),
        threshold: 1,
        comparisonOperator: GTE,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.IGNORE,
      },
      name,
    );

    factory.create(
      this,
      {
        kind: 'success-rate-low',
        summary: `Fewer than ${SUCCESS_RATE_THRESHOLD_PERCENT} % of the jobs that finished on queue "${name}" in the last ${SUCCESS_RATE_WINDOW.toMinutes()} min succeeded (JobsSucceeded / (JobsSucceeded + JobsErrored)).`,
        runbook: RUNBOOKS.successRate,
        level: 'warning',
        metric: metrics.successRate(name, SUCCESS_RATE_WINDOW),
        threshold: SUCCESS_RATE_THRESHOLD_PERCENT,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      name,
    );

    const worker = jobQueue.worker.function;
    factory.create(
      this,
      {
        kind: 'worker-errors',
        summary: `The worker function of queue "${name}" failed whole invocations in the last ${WORKER_HEALTH_PERIOD.toMinutes()} min (crash, timeout or cold-start error): its batches return to the queue.`,
        runbook: RUNBOOKS.workerErrors,
        level: 'warning',
        metric: worker.metricErrors({ statistic: 'Sum', period: WORKER_HEALTH_PERIOD }),
        threshold: 1,
        comparisonOperator: GTE,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      name,
    );
    factory.create(
      this,
      {
        kind: 'worker-throttles',
        summary: `The worker function of queue "${name}" was throttled in the last ${WORKER_HEALTH_PERIOD.toMinutes()} min: the account or function concurrency limit is reached.`,
        runbook: RUNBOOKS.workerThrottles,
        level: 'warning',
        metric: worker.metricThrottles({ statistic: 'Sum', period: WORKER_HEALTH_PERIOD }),
        threshold: 1,
        comparisonOperator: GTE,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
      name,
    );
  }
}
