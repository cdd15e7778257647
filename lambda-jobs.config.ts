import { defineConfig } from 'lambda-jobs';

/**
 * The reference app's lambda-jobs configuration: the single source of truth for queues,
 * thresholds, schedules, retention and alerting. The construct (`lib/reference-stack.ts`), the
 * deployed handlers, dev mode and the CLI all read it.
 */
export default defineConfig({
  appName: 'lambda-jobs',
  registry: './jobs/index.ts',
  // Every job gets a QUEUED record at enqueue and is listed by status ('minimal': records start
  // at the claim, 2 write units per job instead of 8).
  tracking: 'full',
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
  // Alarms go to the warning and critical topics; add addresses (they confirm by email) or
  // `slackWebhookSecretName` / `slackChatbot` for Slack.
  alerting: { emails: [] },
  // Private addresses jobs may call (none: every outbound request goes to a public address).
  outbound: { allow: [] },
  // 'customer-managed' puts the table, queues and DLQs under one KMS key of the stack's own.
  encryption: { dataKey: 'aws-managed' },
  webhooks: {
    // A webhook payload names only the key id (`signingKey: 'partner'`); the worker reads the
    // secret from Secrets Manager and signs only for URLs under the destinations.
    signingKeys: {
      partner: {
        secret: 'lambda-jobs/partner-webhook-signing',
        destinations: ['https://partner.example.com/hooks/'],
      },
    },
  },
  dev: {
    // Dev mode reads these instead of Secrets Manager: local stand-ins, never real secrets.
    secretValues: { 'lambda-jobs/partner-webhook-signing': 'dev-only-signing-secret' },
  },
  schedules: [
    {
      // Every weekday at 06:00 Berlin time (EventBridge Scheduler keeps it on local time
      // across daylight saving), a usage report of the previous day.
      name: 'daily-usage-report',
      cron: '0 6 * * 1-5',
      timeZone: 'Europe/Berlin',
      job: 'generate-report',
      payload: {
        reportId: 'daily-usage',
        accountId: 'all-accounts',
        callbackUrl: 'https://example.com/hooks/report-ready',
        rows: 500,
      },
    },
  ],
});
