/**
 * A cold-start context bundle: the reference app's worker without this app's job types (so without
 * their schema library and clients). Its init time is what lambda-jobs itself adds to the AWS
 * SDK clients; the rest of the worker's is the job code's.
 */
import config from '../lambda-jobs.config.ts';
import { createWorker } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createRegistry } from '../packages/lambda-jobs/src/runtime/registry.ts';

const worker = createWorker({ registry: createRegistry([]), config });

/** The same handler shape as the worker's. */
export const handler = worker.handler;
