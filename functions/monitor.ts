import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { config } from '../config/app-config.ts';
import { assertDeployedConfig } from '../config/deployed-config.ts';
import { metricIdentity } from '../config/metric-names.ts';
import { registry } from '../jobs/index.ts';
import { createAwsMonitor } from '../runtime/adapters/aws/cloudwatch-monitor.ts';
import type { MonitorRunSummary } from '../runtime/monitor/create-monitor.ts';

// Built once per cold start: importing the config validates it; a missing env var fails here.
const logger = new Logger({ serviceName: metricIdentity(config.appName).service });
const monitor = createAwsMonitor({ config: assertDeployedConfig(config), registry, logger });

/** EventBridge schedule (every JOBS_MONITOR_EVERY seconds): one monitor run, its summary returned. */
export const handler = (_event?: unknown, context?: Context): Promise<MonitorRunSummary> => {
  // Every log line of this run carries its request id and the cold-start flag.
  if (context) logger.addContext(context);
  return monitor.run();
};
