import { config } from '../config/app-config.ts';
import { registry } from '../jobs/index.ts';
import { createWorker } from '../runtime/adapters/aws/aws-job-runtime.ts';

// Built once per cold start: a misconfiguration fails here, naming the setting.
const worker = createWorker({ registry, config });

/** SQS event source handler: dispatches each record by job type; partial batch response. */
export const handler = worker.handler;
