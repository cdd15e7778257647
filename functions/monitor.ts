import { config } from '../config/app-config.ts';
import { registry } from '../jobs/index.ts';
import { createAwsMonitor } from '../runtime/adapters/aws/cloudwatch-monitor.ts';
import type { MonitorRunSummary } from '../runtime/monitor/create-monitor.ts';

// Built once per cold start: importing the config validates it; a missing env var fails here.
const monitor = createAwsMonitor({ config, registry });

/** EventBridge schedule (every JOBS_MONITOR_EVERY seconds): one monitor run, its summary returned. */
export const handler = (): Promise<MonitorRunSummary> => monitor.run();
