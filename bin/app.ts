/**
 * The reference CDK app: `npx cdk synth`, `npx cdk deploy`. One stack holding the lambda-jobs
 * construct and the app's API function. Works offline with no AWS credentials (the stack is
 * environment-agnostic unless CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION are set, as
 * `cdk deploy` sets them).
 *
 * Context (`-c name=value` or cdk.json):
 * - `stage`: optional; suffixes the stack and every resource name (`lambda-jobs-staging-default`).
 * - `runbookBaseUrl`: optional; where `docs/runbooks/` is browsable, e.g.
 *   `https://github.com/org/repo/blob/main/`, so alarm messages link the runbook.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from 'lambda-jobs';
import { addSecurityChecks } from 'lambda-jobs/cdk';
import config from '../lambda-jobs.config.ts';
import { ReferenceStack } from '../lib/reference-stack.ts';

function optionalContext(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

const app = new App();
const stage = optionalContext(app, 'stage');
try {
  new ReferenceStack(app, stage ? `${config.appName}-${stage}` : config.appName, {
    stage,
    runbookBaseUrl: optionalContext(app, 'runbookBaseUrl'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: `lambda-jobs reference app: queues, workers, job table, backlog monitor, alarms and an API for ${config.appName}`,
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message lists each problem with its field, value and rule; a stack trace adds nothing.
  console.error(error.message);
  process.exit(1);
}

addSecurityChecks(app);
app.synth();
