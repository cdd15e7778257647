/**
 * lambda-jobs: define job types, the registry and the config. Runs anywhere (Lambda, a script,
 * dev mode); the AWS wiring is in `lambda-jobs/aws`, the infrastructure in `lambda-jobs/cdk`.
 *
 * @example
 * ```ts
 * import { createRegistry, defineJob } from 'lambda-jobs';
 * export const sendReceipt = defineJob({ type: 'send-receipt', schema, run: async (p) => {...} });
 * export const registry = createRegistry([sendReceipt]);
 * ```
 * @packageDocumentation
 */
export { ConfigError, type ConfigProblem } from './config/config-error.ts';
export type {
  AlertingConfig,
  DevConfig,
  EncryptionConfig,
  JobsSettings,
  LambdaJobsConfig,
  LambdaJobsConfigInput,
  LevelThresholds,
  OutboundConfig,
  QueueConfig,
  QueueConfigInput,
  QueueThresholds,
  ScheduleConfig,
  SecretHeaderConfig,
  SigningKeyConfig,
  WebhooksConfig,
} from './config/config-types.ts';
export { defineConfig } from './config/define-config.ts';
export { WEBHOOK_KEY_ID_PATTERN } from './config/validate-config.ts';
export {
  DeferJobError,
  DeliveryLimitError,
  DuplicateJobTypeError,
  JobInputError,
  JobNotFoundError,
  JobStateConflictError,
  JobTimeoutError,
  LambdaJobsError,
  MalformedEnvelopeError,
  type PayloadIssue,
  PayloadValidationError,
  RetryJobError,
  UnknownJobTypeError,
  UnknownQueueError,
  UnrecoverableJobError,
} from './runtime/errors.ts';
export {
  type AbortInfo,
  type AnyJobDefinition,
  defineJob,
  type JobContext,
  type JobDefaults,
  type JobDefinition,
  type JobSpec,
  type PayloadOf,
} from './runtime/job-definition.ts';
export type { JobRecord, StoredError } from './runtime/job-record.ts';
export { JobStatus } from './runtime/job-status.ts';
export { OutboundRequestRefusedError } from './runtime/outbound/outbound-errors.ts';
export {
  createOutboundHttp,
  type OutboundHttp,
  type OutboundHttpOptions,
  type OutboundRequest,
  type OutboundResponse,
} from './runtime/outbound/outbound-http.ts';
export { isReservedHeaderName } from './runtime/outbound/reserved-headers.ts';
export type { PayloadSchema } from './runtime/payload-schema.ts';
export { createRegistry, type JobRegistry } from './runtime/registry.ts';
export { isDevMode } from './runtime/run-mode.ts';
