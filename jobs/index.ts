import {
  createOutboundHttp,
  createRegistry,
  isDevMode,
  type JobRegistry,
  type LambdaJobsConfig,
} from 'lambda-jobs';
import { createSecretResolver } from 'lambda-jobs/aws';
import appConfig from '../lambda-jobs.config.ts';
import { createGenerateReportJob } from './generate-report.ts';
import { createWebhookJob } from './webhook.ts';
import { createWebhookSecrets, localSecretResolver } from './webhook-secrets.ts';

/**
 * Where the jobs run: `deployed` (Lambda; secrets from Secrets Manager, `outbound.allow` only)
 * or `dev` (dev mode; secrets from `dev.secretValues`, plus `dev.outboundAllow`).
 */
export type AppJobsMode = 'deployed' | 'dev';

/**
 * This app's job types, wired for `mode` from `config`: outbound HTTP with the configured
 * allow-list and the configured webhook secrets. The entry point chooses the mode, never a
 * payload or an environment variable.
 *
 * @example
 * ```ts
 * const { registry } = createAppJobs('dev', config); // bin/dev.ts
 * ```
 */
export function createAppJobs(mode: AppJobsMode, config: LambdaJobsConfig = appConfig) {
  const dev = mode === 'dev';
  const http = createOutboundHttp({
    allow: dev ? [...config.outbound.allow, ...config.dev.outboundAllow] : config.outbound.allow,
  });
  const readSecret = dev ? localSecretResolver(config.dev.secretValues) : createSecretResolver();
  const webhook = createWebhookJob({
    http,
    secrets: createWebhookSecrets(config.webhooks, readSecret),
  });
  const generateReport = createGenerateReportJob(http);
  const registry: JobRegistry = createRegistry([webhook, generateReport]);
  return { webhook, generateReport, registry };
}

// Dev mode marks the process before it loads this module (`isDevMode()`): the jobs then read
// secrets from `dev.secretValues` and may reach `dev.outboundAllow`.
const jobs = createAppJobs(isDevMode() ? 'dev' : 'deployed');

/** The `webhook` job, signing with the configured keys (Secrets Manager when deployed). */
export const webhook = jobs.webhook;

/** The `generate-report` job. */
export const generateReport = jobs.generateReport;

/**
 * Every job type this app runs (`registry` in lambda-jobs.config.ts): the workers, the monitor,
 * dev mode and the CLI load it.
 */
export const registry = jobs.registry;
