import { config as appConfig } from '../config/app-config.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { createSecretResolver } from '../runtime/adapters/aws/secrets-manager-secrets.ts';
import { createOutboundHttp } from '../runtime/outbound/outbound-http.ts';
import { createRegistry, type JobRegistry } from '../runtime/registry.ts';
import { createGenerateReportJob } from './generate-report.ts';
import { createWebhookJob } from './webhook.ts';
import { createWebhookSecrets, localSecretResolver } from './webhook-secrets.ts';

/**
 * Where the jobs run: `deployed` (Lambda; secrets from Secrets Manager, `outbound.allow` only)
 * or `dev` (`npm run dev`; secrets from `dev.secretValues`, plus `dev.outboundAllow`).
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

const deployed = createAppJobs('deployed');

/** The `webhook` job, signing with the configured keys (Secrets Manager). */
export const webhook = deployed.webhook;

/** The `generate-report` job. */
export const generateReport = deployed.generateReport;

/** Every job type this app runs, as deployed. Workers, the monitor and the CLI share it. */
export const registry = deployed.registry;
