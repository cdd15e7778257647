/**
 * The CDK app: `npx cdk synth`, `npx cdk deploy`. Reads the single config module and the job
 * definitions, checks them against each other, and builds one LambdaJobsStack. Works offline
 * with no AWS credentials (the stack is environment-agnostic unless CDK_DEFAULT_ACCOUNT and
 * CDK_DEFAULT_REGION are set, as `cdk deploy` sets them).
 *
 * Context (`-c name=value` or cdk.json):
 * - `stage`: optional; suffixes the stack and every resource name (`shop-staging-default`).
 * - `runbookBaseUrl`: optional; where `docs/runbooks/` is browsable, e.g.
 *   `https://github.com/org/repo/blob/main/`, so alarm messages link the runbook.
 */
import { App } from 'aws-cdk-lib';
import { config } from '../config/app-config.ts';
import { ConfigError } from '../config/config-error.ts';
import { stackName } from '../config/stack-outputs.ts';
import { registry } from '../jobs/index.ts';
import { summarizeJobLimits } from '../lib/job-limits.ts';
import { LambdaJobsStack } from '../lib/lambda-jobs-stack.ts';
import { addSecurityChecks } from '../lib/security-checks.ts';
import { RECORDING_MARGIN_SECONDS } from '../runtime/job-config-checks.ts';
import {
  DEFAULT_QUEUE,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_SECONDS,
} from '../runtime/job-definition.ts';
import { jobQueueNames, scheduleProblems } from '../runtime/schedule-firing.ts';

function optionalContext(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

const app = new App();
const stage = optionalContext(app, 'stage');
const jobLimits = summarizeJobLimits(
  registry.types.map((type) => {
    const job = registry.get(type);
    return { type, queue: job.queue, timeoutSeconds: job.timeoutSeconds, retries: job.retries };
  }),
  { queue: DEFAULT_QUEUE, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, retries: DEFAULT_RETRIES },
);

try {
  // Each schedule's job must be registered and its fixed payload must pass the job's schema.
  const problems = await scheduleProblems(registry, config.schedules);
  if (problems.length > 0) throw new ConfigError(problems);
  new LambdaJobsStack(app, stackName(config.appName, stage), {
    config,
    jobLimits,
    recordingMarginSeconds: RECORDING_MARGIN_SECONDS,
    jobQueueOf: jobQueueNames(registry),
    stage,
    runbookBaseUrl: optionalContext(app, 'runbookBaseUrl'),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: `lambda-jobs: queues, workers, job table, backlog monitor and alarms for ${config.appName}`,
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message lists each problem with its field, value and rule; a stack trace adds nothing.
  console.error(error.message);
  process.exit(1);
}

addSecurityChecks(app);
app.synth();
