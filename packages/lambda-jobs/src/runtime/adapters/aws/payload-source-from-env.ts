import type { LambdaJobsConfig } from '../../../config/config-types.ts';
import { ENV, readOptionalEnv } from '../../../config/env.ts';
import { LARGE_PAYLOAD_DEFAULTS } from '../../../config/large-payloads.ts';
import type { PayloadSource } from '../../payload-fetch.ts';
import { createS3PayloadReader } from './s3-payload-reader.ts';

/**
 * Where payloads that travel by reference are read, from LAMBDA_JOBS_PAYLOAD_BUCKET (the stack
 * sets it when `largePayloads` is on) and the size limit; no bucket when the variable is unset.
 * Reads only: the monitor's rescue uses it for `onAborted` hooks.
 *
 * @example `payloadReaderFromEnv(config).store?.bucket // 'shop-jobs-payloads-…'`
 */
export function payloadReaderFromEnv(
  config: LambdaJobsConfig,
  env: NodeJS.ProcessEnv = process.env,
): PayloadSource {
  const bucket = readOptionalEnv(ENV.payloadBucket, env);
  return {
    store: bucket ? createS3PayloadReader(bucket) : undefined,
    maxBytes: config.largePayloads?.maxBytes ?? LARGE_PAYLOAD_DEFAULTS.maxBytes,
  };
}
