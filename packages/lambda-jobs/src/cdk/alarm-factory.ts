import {
  Alarm,
  type ComparisonOperator,
  type IMetric,
  type TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import {
  formatAlarmDescription,
  type RunbookName,
  runbookPath,
} from '../config/alarm-descriptions.ts';
import type { AlertTopics } from './alert-topics.ts';
import type { AlertLevel, DeploymentNames } from './deployment-names.ts';

/** One alarm, said in the words an on-call engineer reads. */
export interface AlarmSpec {
  /** Short kebab-case name, unique per queue: `backlog-warning`. Part of the alarm name. */
  readonly kind: string;
  /** What crossed which threshold and what it means, one sentence. */
  readonly summary: string;
  readonly runbook: RunbookName;
  /** Which topic it notifies. */
  readonly level: AlertLevel;
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly evaluationPeriods: number;
  /** Default: all evaluation periods. */
  readonly datapointsToAlarm?: number;
  /** Chosen per alarm: what a gap in the data means for this metric. */
  readonly treatMissingData: TreatMissingData;
}

export interface AlarmFactoryProps {
  readonly names: DeploymentNames;
  readonly topics: AlertTopics;
  /** When set, descriptions link `${runbookBaseUrl}docs/runbooks/<name>.md`. */
  readonly runbookBaseUrl?: string | undefined;
}

/**
 * Creates alarms the same way everywhere: a predictable name, a description that names the
 * queue and the runbook, and both ALARM and OK notifications to the level's topic (so a
 * channel also sees the recovery).
 *
 * @example
 * ```ts
 * const factory = new AlarmFactory({ names, topics });
 * factory.create(this, { kind: 'dlq-not-empty', level: 'warning', … }, 'default');
 * ```
 */
export class AlarmFactory {
  readonly alarms: Alarm[] = [];

  constructor(private readonly props: AlarmFactoryProps) {}

  create(scope: Construct, spec: AlarmSpec, queueName?: string): Alarm {
    const runbook = `${this.props.runbookBaseUrl ?? ''}${runbookPath(spec.runbook)}`;
    const alarm = new Alarm(scope, pascalCase(spec.kind), {
      alarmName: this.props.names.alarm(spec.kind, queueName),
      alarmDescription: formatAlarmDescription({
        summary: spec.summary,
        queue: queueName,
        runbook,
      }),
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    });
    const action = new SnsAction(this.props.topics.forLevel(spec.level));
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

function pascalCase(kind: string): string {
  return kind
    .split('-')
    .map((part) => (part[0]?.toUpperCase() ?? '') + part.slice(1))
    .join('');
}
