import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { config } from '../config/app-config.ts';
import { assertDeployedConfig } from '../config/deployed-config.ts';
import { metricIdentity } from '../config/metric-names.ts';
import { registry } from '../jobs/index.ts';
import { createWorker } from '../runtime/adapters/aws/aws-job-runtime.ts';

// Built once per cold start: a misconfiguration fails here, naming the setting.
const logger = new Logger({ serviceName: metricIdentity(config.appName).service });
const worker = createWorker({ registry, config: assertDeployedConfig(config), logger });

/** SQS event source handler: dispatches each record by job type; partial batch response. */
export const handler = (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  // Every log line of this invocation carries its request id and the cold-start flag.
  if (context) logger.addContext(context);
  return worker.handler(event, context);
};
