import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { RUNBOOKS } from '../config/alarm-descriptions.ts';
import type { CircuitBreakerSettings } from '../config/circuit-breaker-config.ts';
import { WORKER_METRICS } from '../config/metric-names.ts';
import type { AlarmFactory } from './alarm-factory.ts';
import { ONE_MINUTE, type QueueMetrics } from './queue-metrics.ts';

export interface CircuitAlarmsProps {
  /** `config.circuitBreakers`: one alarm per job type named there. */
  readonly circuitBreakers: Readonly<Record<string, CircuitBreakerSettings>>;
  /** The queue of each job type (`jobQueueNames(registry)`): the metric's `queue` dimension. */
  readonly jobQueueOf: Readonly<Record<string, string>>;
  readonly metrics: QueueMetrics;
  readonly factory: AlarmFactory;
}

/**
 * One warning alarm per job type with a circuit breaker: `CircuitOpen` (jobs held by the open
 * circuit, plus one at each opening) at least 1 in a minute. The worker publishes it only while
 * it holds jobs, so a quiet minute is not breaching; the alarm clears a minute after the last
 * held job, or once the circuit closed. Its description names the runbook
 * `docs/runbooks/job-circuit-open.md`.
 *
 * @example
 * ```ts
 * new CircuitAlarms(this, 'CircuitAlarms', { circuitBreakers: config.circuitBreakers, jobQueueOf, metrics, factory });
 * ```
 */
export class CircuitAlarms extends Construct {
  constructor(scope: Construct, id: string, props: CircuitAlarmsProps) {
    super(scope, id);
    for (const [type, settings] of Object.entries(props.circuitBreakers)) {
      const queue = props.jobQueueOf[type];
      if (queue === undefined) continue;
      props.factory.create(
        this,
        {
          kind: `circuit-open-${type}`,
          summary: `The circuit of job type "${type}" is open: at least ${Math.round(settings.failureRate * 100)} % of at least ${settings.minAttempts} attempts failed within ${settings.windowSeconds} s (or an operator opened it). Its jobs are held without spending attempts; one probe runs every ${settings.coolDownSeconds} s until one succeeds.`,
          runbook: RUNBOOKS.circuitOpen,
          level: 'warning',
          metric: props.metrics.workerForJobType(WORKER_METRICS.circuitOpen, queue, type, {
            statistic: 'Sum',
            period: ONE_MINUTE,
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
        queue,
      );
    }
  }
}
