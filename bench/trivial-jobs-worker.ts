/**
 * A cold-start context bundle: the reference app's worker with the benchmarks' own trivial job type
 * (`bench/bench-jobs.ts`) instead of this app's job types. Its init time is what lambda-jobs
 * costs a team whose job code is trivial; the app worker adds the reference app's job code.
 */
import { createWorker } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { benchConfig, benchRegistry } from './bench-jobs.ts';

const worker = createWorker({ registry: benchRegistry, config: benchConfig('full') });

/** The same handler shape as the worker's. */
export const handler = worker.handler;
