/**
 * lambda-jobs on AWS: the job client for producers (API handlers, scripts, other Lambdas), and
 * the handlers of the worker, the monitor and the Slack notifier. Table and queue URLs come
 * from the environment `LambdaJobs.bindEnqueue` (or the construct, for its own functions) sets.
 *
 * @example
 * ```ts
 * import { createJobClient } from 'lambda-jobs/aws';
 * const jobs = createJobClient({ registry, config });
 * await jobs.enqueue(sendReceipt, { orderId, email });
 * ```
 * @packageDocumentation
 */
import {
  type AwsJobRuntimeOptions,
  createAwsJobRuntime,
} from './runtime/adapters/aws/aws-job-runtime.ts';
import type { JobClient } from './runtime/job-client.ts';

export {
  createMonitorHandler,
  type MonitorHandler,
} from './handlers/monitor-handler.ts';
export {
  createWorkerHandler,
  type DeployedApp,
  type WorkerHandler,
} from './handlers/worker-handler.ts';
export {
  type AwsJobRuntime,
  type AwsJobRuntimeOptions,
  createAwsJobRuntime,
  createWorker,
  type Worker,
  type WorkerOptions,
} from './runtime/adapters/aws/aws-job-runtime.ts';
export {
  type AwsMonitorOptions,
  createAwsMonitor,
} from './runtime/adapters/aws/cloudwatch-monitor.ts';
export {
  createSecretResolver,
  type SecretResolver,
  type SecretResolverOptions,
} from './runtime/adapters/aws/secrets-manager-secrets.ts';
export type { EnqueueManyOutcome, EnqueueOptions, JobClient } from './runtime/job-client.ts';
export type { MonitorRunSummary } from './runtime/monitor/create-monitor.ts';
export { createSlackNotifier, type SlackNotifier } from './runtime/notifier/slack-notifier.ts';

/**
 * The job client: enqueue, enqueue many, cancel. Build it once, at module scope. Reads the
 * table and queue URLs from LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS (`bindEnqueue` sets
 * them); throws at once, naming the variable, when one is missing.
 *
 * @example
 * ```ts
 * const jobs = createJobClient({ registry, config });
 * const id = await jobs.enqueue(sendReceipt, { orderId: 'o-1', email: 'a@example.com' });
 * ```
 */
export function createJobClient(options: AwsJobRuntimeOptions): JobClient {
  return createAwsJobRuntime(options).client;
}
