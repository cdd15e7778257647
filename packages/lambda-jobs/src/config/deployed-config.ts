import { ConfigError } from './config-error.ts';
import type { LambdaJobsConfig } from './config-types.ts';
import { deployedConfigProblems } from './validate-config.ts';

/**
 * Cold-start check of a deployed function's configuration (`functions/*.ts`): throws
 * {@link ConfigError} naming the field, the value and the rule, so the function fails at init
 * with a clear message instead of running with a setting that breaks its guarantees.
 *
 * @example
 * ```ts
 * const worker = createWorker({ registry, config: assertDeployedConfig(config) });
 * ```
 */
export function assertDeployedConfig(config: LambdaJobsConfig): LambdaJobsConfig {
  const problems = deployedConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
