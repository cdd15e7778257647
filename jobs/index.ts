import { createSecretResolver } from '../runtime/adapters/aws/secrets-manager-secrets.ts';
import { createRegistry } from '../runtime/registry.ts';
import { generateReport } from './generate-report.ts';
import { createWebhookJob } from './webhook.ts';

/** The `webhook` job, signing with secrets from Secrets Manager (or `env:NAME`). */
export const webhook = createWebhookJob(createSecretResolver());

export { generateReport };

/** Every job type this app runs. Workers, the monitor, dev mode and the CLI share it. */
export const registry = createRegistry([webhook, generateReport]);
