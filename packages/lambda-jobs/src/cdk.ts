/**
 * lambda-jobs infrastructure: `LambdaJobs`, one construct for the whole deployment, and the finer
 * constructs it is made of, for those who compose their own.
 *
 * @example
 * ```ts
 * import { LambdaJobs } from 'lambda-jobs/cdk';
 * import config from '../lambda-jobs.config.ts';
 * const jobs = new LambdaJobs(this, 'Jobs', { config });
 * jobs.bindEnqueue(api);
 * ```
 * @packageDocumentation
 */
export { AlarmFactory } from './cdk/alarm-factory.ts';
export { AlertTopics } from './cdk/alert-topics.ts';
export { JobsDataKey } from './cdk/data-key.ts';
export { bindEnqueue, type EnqueueTarget, grantEnqueue } from './cdk/enqueue-access.ts';
export { type FunctionEntries, writeFunctionEntries } from './cdk/function-entries.ts';
export type { LogLevel } from './cdk/function-environment.ts';
export { JobQueue } from './cdk/job-queue.ts';
export { JobSchedules } from './cdk/job-schedules.ts';
export { JobTable } from './cdk/job-table.ts';
export { JobsDashboard } from './cdk/jobs-dashboard.ts';
export { JobsFunction, type JobsFunctionProps } from './cdk/jobs-function.ts';
export { LambdaJobs, type LambdaJobsProps } from './cdk/lambda-jobs.ts';
export { LogQueries } from './cdk/log-queries.ts';
export { OperatorPolicy } from './cdk/operator-policy.ts';
export { QueueAlarms } from './cdk/queue-alarms.ts';
export { QueueMetrics } from './cdk/queue-metrics.ts';
export { QueueMonitor } from './cdk/queue-monitor.ts';
export { addSecurityChecks } from './cdk/security-checks.ts';
export { SlackAlerts } from './cdk/slack-alerts.ts';
