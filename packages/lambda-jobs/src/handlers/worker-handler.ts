import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { assertDeployedConfig } from '../config/deployed-config.ts';
import { metricIdentity } from '../config/metric-names.ts';
import { createWorker } from '../runtime/adapters/aws/aws-job-runtime.ts';
import type { JobRegistry } from '../runtime/registry.ts';
import { createInvocationTagger } from './invocation-log-keys.ts';

/** What a deployed function is built from: the project's config and job types. */
export interface DeployedApp {
  readonly config: LambdaJobsConfig;
  readonly registry: JobRegistry;
}

/** The worker's Lambda handler: SQS event in, partial batch response out. */
export type WorkerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The worker's Lambda handler for the queue named by LAMBDA_JOBS_WORKER_QUEUE. Call it once, at
 * module scope (cold start): a misconfiguration throws there, naming the setting. The
 * `LambdaJobs` construct generates the entry that calls it; write one yourself only when you
 * compose the finer constructs.
 *
 * @example
 * ```ts
 * import { createWorkerHandler } from 'lambda-jobs/aws';
 * export const handler = createWorkerHandler({ config, registry });
 * ```
 */
export function createWorkerHandler(app: DeployedApp): WorkerHandler {
  const logger = new Logger({ serviceName: metricIdentity(app.config.appName).service });
  const worker = createWorker({
    registry: app.registry,
    config: assertDeployedConfig(app.config),
    logger,
  });
  const tag = createInvocationTagger(logger);
  return (event, context) => {
    tag(context);
    return worker.handler(event, context);
  };
}
