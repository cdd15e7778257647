/**
 * The deployed stack's name and the CloudFormation output keys the stack writes and the CLI
 * reads (`aws cloudformation describe-stacks --stack-name <name>`). Documented in
 * `docs/deploying.md`.
 */

/** Lowercase letters, digits and dashes, 1–16 characters: becomes part of every resource name. */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * The stack name for an app and an optional stage (`cdk deploy -c stage=staging`).
 *
 * @example `stackName('shop') === 'shop'`, `stackName('shop', 'staging') === 'shop-staging'`
 */
export function stackName(appName: string, stage?: string): string {
  return stage ? `${appName}-${stage}` : appName;
}

/**
 * The resource-name suffix for a stage (`''` without one), as `resourceNames(config, suffix)` takes it.
 *
 * @example `stageSuffix('staging') === '-staging'`, `stageSuffix() === ''`
 */
export function stageSuffix(stage?: string): string {
  return stage ? `-${stage}` : '';
}

/**
 * The per-queue part of an output key (and of construct ids). Two queue names that give the
 * same key are refused at synth.
 *
 * @example `outputKeyPart('email-high_priority') === 'EmailHighPriority'`
 */
export function outputKeyPart(queueName: string): string {
  return queueName
    .split(/[-_]/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Output keys. The JSON ones hold every queue at once; the per-queue ones are for people and
 * shell scripts.
 *
 * @example
 * ```ts
 * const urls = JSON.parse(outputs[STACK_OUTPUTS.queueUrls]); // same shape as LAMBDA_JOBS_QUEUE_URLS
 * const dlq = outputs[STACK_OUTPUTS.dlqUrl('default')];     // key `DlqUrlDefault`
 * ```
 */
export const STACK_OUTPUTS = {
  /** JSON `{ "<queue>": { "url": "...", "dlqUrl": "..." } }`, exactly LAMBDA_JOBS_QUEUE_URLS. */
  queueUrls: 'QueueUrls',
  /** JSON `{ "<queue>": "<worker function name>" }`. */
  workerFunctionNames: 'WorkerFunctionNames',
  tableName: 'TableName',
  /** Namespace and `service` dimension of the metrics: `${appName}` or `${appName}-${stage}`. */
  metricNamespace: 'MetricNamespace',
  warningTopicArn: 'WarningTopicArn',
  criticalTopicArn: 'CriticalTopicArn',
  monitorFunctionName: 'MonitorFunctionName',
  dashboardName: 'DashboardName',
  dashboardUrl: 'DashboardUrl',
  /** Only when Slack goes through the notifier function (no AWS Chatbot ids configured). */
  notifierFunctionName: 'NotifierFunctionName',
  /** The managed policy that lets an operator run the CLI against the stack. */
  operatorPolicyArn: 'OperatorPolicyArn',
  /**
   * What the CLI needs for long delays and to delete a cancelled job's one-time schedule: the
   * delayed group (LAMBDA_JOBS_SCHEDULER_GROUP), the role the schedules run as
   * (LAMBDA_JOBS_SCHEDULER_ROLE_ARN) and their dead-letter queue
   * (LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN).
   */
  schedulerGroup: 'SchedulerGroup',
  schedulerRoleArn: 'SchedulerRoleArn',
  schedulerDeadLetterArn: 'SchedulerDeadLetterArn',
  /** The payload bucket (LAMBDA_JOBS_PAYLOAD_BUCKET); only when `largePayloads` is on. */
  payloadBucket: 'PayloadBucketName',
  queueUrl: (queueName: string) => `QueueUrl${outputKeyPart(queueName)}`,
  dlqUrl: (queueName: string) => `DlqUrl${outputKeyPart(queueName)}`,
  workerFunctionName: (queueName: string) => `WorkerFunctionName${outputKeyPart(queueName)}`,
} as const;
