import { defineConfig } from './define-config.ts';

/**
 * This app's lambda-jobs configuration: the single source of truth for queues, thresholds,
 * schedules, retention and alerting. The CDK app, the handlers, dev mode and the CLI all read it.
 */
export const config = defineConfig({
  appName: 'lambda-jobs',
  queues: {
    default: { batchSize: 10, maxConcurrency: 10, functionTimeoutSeconds: 60 },
    slow: {
      batchSize: 1,
      maxConcurrency: 5,
      functionTimeoutSeconds: 300,
      thresholds: { backlog: { warning: 100, critical: 500 } },
    },
  },
  settings: {
    JOBS_BACKLOG_WARNING: 500,
    JOBS_BACKLOG_CRITICAL: 1000,
    JOBS_OLDEST_AGE_WARNING: 300,
    JOBS_OLDEST_AGE_CRITICAL: 900,
    JOBS_DLQ_WARNING: 1,
  },
  alerting: { emails: [] },
  schedules: [],
});
