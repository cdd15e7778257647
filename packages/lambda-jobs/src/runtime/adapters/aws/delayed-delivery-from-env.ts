import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { ENV, readOptionalEnv } from '../../../config/env.ts';
import type { DelayedDelivery } from '../../ports.ts';
import { createSchedulerDelayedDeliveryFromEnv } from './scheduler-delayed-delivery.ts';

/**
 * The delayed delivery a deployed function uses when the stack gave it one: EventBridge
 * Scheduler when LAMBDA_JOBS_SCHEDULER_GROUP is set (`JobSchedules.bindLongDelays` sets it with
 * LAMBDA_JOBS_SCHEDULER_ROLE_ARN and LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN), otherwise none,
 * and the job client then refuses delays beyond 15 minutes with a JobInputError saying so. The EventBridge Scheduler SDK module (and, without
 * `client`, the client) is loaded on the first schedule or cancel, not at cold start.
 *
 * @throws ConfigError at cold start when the group is set but the role or dead-letter ARN is not.
 * @example
 * ```ts
 * const { client } = createAwsJobRuntime({ registry, config, delayedDelivery: delayedDeliveryFromEnv() });
 * ```
 */
export function delayedDeliveryFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  client?: SchedulerClient,
): DelayedDelivery | undefined {
  if (readOptionalEnv(ENV.schedulerGroup, env) === undefined) return undefined;
  return createSchedulerDelayedDeliveryFromEnv(env, client);
}
