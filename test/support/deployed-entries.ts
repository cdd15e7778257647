import path from 'node:path';
import config from '../../lambda-jobs.config.ts';
import {
  type FunctionEntries,
  writeFunctionEntries,
} from '../../packages/lambda-jobs/src/cdk/function-entries.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The reference app's worker, monitor and notifier entries, exactly as the LambdaJobs construct
 * generates and bundles them: the deployed handlers, for tests that run them as Lambda would.
 *
 * @example
 * ```ts
 * const { handler } = await import(referenceEntries().worker);
 * ```
 */
export function referenceEntries(): FunctionEntries {
  return writeFunctionEntries({
    projectRoot: REPO_ROOT,
    registryModule: path.join(REPO_ROOT, 'jobs/index.ts'),
    config,
  });
}
