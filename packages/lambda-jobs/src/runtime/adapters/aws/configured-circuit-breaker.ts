import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaJobsConfig } from '../../../config/config-types.ts';
import { type CircuitBreaker, createCircuitBreaker } from '../../circuit/circuit-breaker.ts';
import type { JobMetricsRecorder } from '../../observability/job-metrics.ts';
import { createDynamoDbCircuitState } from './dynamodb-circuit-state.ts';

/** What {@link createConfiguredCircuitBreaker} needs. */
export interface ConfiguredCircuitBreakerOptions {
  readonly config: LambdaJobsConfig;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly queue: string;
  readonly logger: Logger;
  readonly metrics: JobMetricsRecorder;
  readonly stateCacheMs?: number;
  readonly flushBudgetMs?: number;
}

/**
 * The worker's circuit breakers, state in the job table; undefined when the config enables
 * none, so a deployment without circuit breakers makes no circuit call at all.
 *
 * @example
 * ```ts
 * const circuits = createConfiguredCircuitBreaker({ config, client, tableName, queue: 'default', logger, metrics });
 * ```
 */
export function createConfiguredCircuitBreaker(
  options: ConfiguredCircuitBreakerOptions,
): CircuitBreaker | undefined {
  if (Object.keys(options.config.circuitBreakers).length === 0) return undefined;
  return createCircuitBreaker({
    store: createDynamoDbCircuitState({ client: options.client, tableName: options.tableName }),
    settings: options.config.circuitBreakers,
    queue: options.queue,
    logger: options.logger,
    metrics: options.metrics,
    ...(options.stateCacheMs === undefined ? {} : { stateCacheMs: options.stateCacheMs }),
    ...(options.flushBudgetMs === undefined ? {} : { flushBudgetMs: options.flushBudgetMs }),
  });
}
