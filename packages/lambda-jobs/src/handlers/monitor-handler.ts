import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { assertDeployedConfig } from '../config/deployed-config.ts';
import { metricIdentity } from '../config/metric-names.ts';
import { createAwsMonitor } from '../runtime/adapters/aws/cloudwatch-monitor.ts';
import type { MonitorRunSummary } from '../runtime/monitor/create-monitor.ts';
import { createInvocationTagger } from './invocation-log-keys.ts';
import type { DeployedApp } from './worker-handler.ts';

/** The monitor's Lambda handler: one run per scheduled event, its summary returned. */
export type MonitorHandler = (event?: unknown, context?: Context) => Promise<MonitorRunSummary>;

/**
 * The backlog monitor's Lambda handler (an EventBridge schedule every JOBS_MONITOR_EVERY
 * seconds). Call it once, at module scope: a misconfiguration or a missing environment variable
 * throws there, naming it. The `LambdaJobs` construct generates the entry that calls it.
 *
 * @example
 * ```ts
 * import { createMonitorHandler } from 'lambda-jobs/aws';
 * export const handler = createMonitorHandler({ config, registry });
 * ```
 */
export function createMonitorHandler(app: DeployedApp): MonitorHandler {
  const logger = new Logger({ serviceName: metricIdentity(app.config.appName).service });
  const monitor = createAwsMonitor({
    config: assertDeployedConfig(app.config),
    registry: app.registry,
    logger,
  });
  const tag = createInvocationTagger(logger);
  return (_event, context) => {
    tag(context);
    return monitor.run();
  };
}
