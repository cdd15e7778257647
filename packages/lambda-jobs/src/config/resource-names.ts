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

/** SQS requires a FIFO queue's name to end in this. */
export const FIFO_NAME_SUFFIX = '.fifo';

/** Which queues are FIFO: a config's `queues` (resolved or as written) fits. */
export type FifoQueueFlags = Readonly<Record<string, { readonly fifo?: boolean | undefined }>>;

/**
 * @example `resourceNames(config).queue('default') === 'lambda-jobs-default'`
 * @example `resourceNames({ appName: 'shop', queues: { orders: { fifo: true } } }).deadLetterQueue('orders') === 'shop-orders-dlq.fifo'`
 */
export function resourceNames(
  config: Pick<LambdaJobsConfig, 'appName'> & { readonly queues?: FifoQueueFlags },
  suffix = '',
): ResourceNames {
  const prefix = `${config.appName}${suffix}`;
  const end = (name: string) => (config.queues?.[name]?.fifo === true ? FIFO_NAME_SUFFIX : '');
  return {
    table: `${prefix}-jobs`,
    queue: (name) => `${prefix}-${name}${end(name)}`,
    deadLetterQueue: (name) => `${prefix}-${name}-dlq${end(name)}`,
    // Always the DLQ's name plus `-intake` (before `.fifo`): the monitor derives the URL
    // (env.ts deadLetterIntakeUrl).
    deadLetterIntake: (name) => `${prefix}-${name}-dlq-intake${end(name)}`,
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
