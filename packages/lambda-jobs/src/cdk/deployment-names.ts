import type { LambdaJobsConfig } from '../config/config-types.ts';
import {
  type FifoQueueFlags,
  type ResourceNames,
  resourceNames,
} from '../config/resource-names.ts';
import { stageSuffix } from '../config/stack-outputs.ts';

/** Alert levels, one SNS topic each. */
export type AlertLevel = 'warning' | 'critical';

/**
 * Physical names of everything one deployment creates. Queues and the table are named as dev
 * mode names them (`config/resource-names.ts`), so logs and the CLI read alike everywhere.
 */
export interface DeploymentNames extends ResourceNames {
  /** `${appName}` or `${appName}-${stage}`: the start of every name. */
  readonly prefix: string;
  workerFunction(queueName: string): string;
  readonly monitorFunction: string;
  /** Keeps the monitor's schedule events EventBridge could not deliver. */
  readonly monitorScheduleDeadLetterQueue: string;
  /** Keeps the one-time schedule deliveries EventBridge Scheduler could not make. */
  readonly delayedFailuresQueue: string;
  readonly notifierFunction: string;
  topic(level: AlertLevel): string;
  /** `${prefix}-${queue}-${kind}`, or `${prefix}-${kind}` for app-wide alarms. */
  alarm(kind: string, queueName?: string): string;
  readonly dashboard: string;
  /** Logs Insights saved queries are grouped in a folder of this name. */
  readonly queryFolder: string;
  readonly chatbotConfiguration: string;
  /** The managed policy an operator attaches to run the CLI against the stack. */
  readonly operatorPolicy: string;
}

/**
 * @example
 * ```ts
 * deploymentNames(config, 'staging').workerFunction('default'); // 'lambda-jobs-staging-worker-default'
 * ```
 */
export function deploymentNames(
  config: Pick<LambdaJobsConfig, 'appName'> & { readonly queues?: FifoQueueFlags },
  stage?: string,
): DeploymentNames {
  const suffix = stageSuffix(stage);
  const prefix = `${config.appName}${suffix}`;
  const base = resourceNames(config, suffix);
  return {
    table: base.table,
    queue: base.queue,
    deadLetterQueue: base.deadLetterQueue,
    deadLetterIntake: base.deadLetterIntake,
    prefix,
    workerFunction: (queueName) => `${prefix}-worker-${queueName}`,
    monitorFunction: `${prefix}-monitor`,
    monitorScheduleDeadLetterQueue: `${prefix}-monitor-schedule-dlq`,
    delayedFailuresQueue: `${prefix}-delayed-failures`,
    notifierFunction: `${prefix}-slack-notifier`,
    topic: (level) => `${prefix}-alerts-${level}`,
    alarm: (kind, queueName) =>
      queueName === undefined ? `${prefix}-${kind}` : `${prefix}-${queueName}-${kind}`,
    dashboard: prefix,
    queryFolder: prefix,
    chatbotConfiguration: `${prefix}-alerts`,
    operatorPolicy: `${prefix}-operator`,
  };
}
