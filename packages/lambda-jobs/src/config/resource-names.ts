import type { LambdaJobsConfig } from './config-types.ts';

/**
 * Physical names of the resources one deployment (or one dev-mode run) uses. Dev mode creates
 * exactly these; the stack names its queues and table the same way, so logs read alike.
 */
export interface ResourceNames {
  readonly table: string;
  queue(queueName: string): string;
  deadLetterQueue(queueName: string): string;
  /** Where SQS's own redrive moves a queue's messages: the monitor reconciles them, then DLQ. */
  deadLetterIntake(queueName: string): string;
}

/** @example `resourceNames(config).queue('default') === 'lambda-jobs-default'` */
export function resourceNames(
  config: Pick<LambdaJobsConfig, 'appName'>,
  suffix = '',
): ResourceNames {
  const prefix = `${config.appName}${suffix}`;
  return {
    table: `${prefix}-jobs`,
    queue: (name) => `${prefix}-${name}`,
    deadLetterQueue: (name) => `${prefix}-${name}-dlq`,
    // Always the DLQ's name plus `-intake`: the monitor derives the URL (env.ts deadLetterIntakeUrl).
    deadLetterIntake: (name) => `${prefix}-${name}-dlq-intake`,
  };
}

/**
 * The payload bucket's name on the emulators (`largePayloads`): the table's, with `-payloads`.
 * The stack lets CloudFormation name its bucket, as S3 bucket names are global.
 *
 * @example `localPayloadBucket('shop-jobs') === 'shop-jobs-payloads'`
 */
export function localPayloadBucket(tableName: string): string {
  return `${tableName}-payloads`;
}
