import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { METRIC_DIMENSIONS, MONITOR_METRICS, WORKER_METRICS } from '../config/metric-names.ts';

type WorkerMetricName = (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS];
type MonitorMetricName = (typeof MONITOR_METRICS)[keyof typeof MONITOR_METRICS];

export interface MetricOptions {
  readonly statistic: string;
  readonly period: Duration;
  readonly label?: string;
}

/**
 * The metrics one deployment's alarms and dashboard read, built in one place so both agree:
 * lambda-jobs' own (namespace = the app name, `service` = the app name, per `queue`) and the
 * AWS/SQS ones of a queue.
 *
 * @example
 * ```ts
 * const metrics = new QueueMetrics('shop');
 * metrics.monitor('JobsBacklog', 'default', { statistic: 'Maximum', period: Duration.minutes(1) });
 * ```
 */
export class QueueMetrics {
  constructor(readonly appName: string) {}

  /** A metric the worker publishes, dimensions `[service, queue]` (what alarms read). */
  worker(name: WorkerMetricName, queueName: string, options: MetricOptions): Metric {
    return this.own(name, { [METRIC_DIMENSIONS.queue]: queueName }, options);
  }

  /** A metric the worker publishes per job type, dimensions `[service, queue, job_type]`. */
  workerForJobType(
    name: WorkerMetricName,
    queueName: string,
    jobType: string,
    options: MetricOptions,
  ): Metric {
    return this.own(
      name,
      { [METRIC_DIMENSIONS.queue]: queueName, [METRIC_DIMENSIONS.jobType]: jobType },
      options,
    );
  }

  /** A metric the monitor publishes per queue, dimensions `[service, queue]`. */
  monitor(name: MonitorMetricName, queueName: string, options: MetricOptions): Metric {
    return this.own(name, { [METRIC_DIMENSIONS.queue]: queueName }, options);
  }

  /** The monitor's heartbeat, dimension `[service]` only. */
  heartbeat(options: MetricOptions): Metric {
    return this.own(MONITOR_METRICS.heartbeat, {}, options);
  }

  /**
   * Success rate in percent over each period: succeeded / (succeeded + errored). No value when
   * no job finished (an idle queue is not failing); a period with only errors is 0 %.
   */
  successRate(queueName: string, period: Duration): MathExpression {
    const options = { statistic: 'Sum', period };
    return new MathExpression({
      expression:
        'IF((FILL(succeeded, 0) + FILL(errored, 0)) > 0, 100 * FILL(succeeded, 0) / (FILL(succeeded, 0) + FILL(errored, 0)))',
      usingMetrics: {
        succeeded: this.worker(WORKER_METRICS.succeeded, queueName, options),
        errored: this.worker(WORKER_METRICS.errored, queueName, options),
      },
      period,
      label: `Success rate % (${queueName})`,
    });
  }

  /** An AWS/SQS metric of a queue, by its physical name. */
  sqs(
    name:
      | 'ApproximateNumberOfMessagesVisible'
      | 'ApproximateNumberOfMessagesNotVisible'
      | 'ApproximateNumberOfMessagesDelayed'
      | 'ApproximateAgeOfOldestMessage',
    queue: Queue,
    options: MetricOptions,
  ): Metric {
    return queue.metric(name, {
      statistic: options.statistic,
      period: options.period,
      ...(options.label ? { label: options.label } : {}),
    });
  }

  private own(name: string, dimensions: Record<string, string>, options: MetricOptions): Metric {
    return new Metric({
      namespace: this.appName,
      metricName: name,
      dimensionsMap: { [METRIC_DIMENSIONS.service]: this.appName, ...dimensions },
      statistic: options.statistic,
      period: options.period,
      ...(options.label ? { label: options.label } : {}),
    });
  }
}

/** One minute: the finest period SQS and the monitor publish at. */
export const ONE_MINUTE = Duration.minutes(1);
