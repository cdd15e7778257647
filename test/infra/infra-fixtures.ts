import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, type Environment, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { registry as referenceRegistry } from '../../jobs/index.ts';
import type { QueueJobLimits } from '../../packages/lambda-jobs/src/cdk/job-limits.ts';
import {
  LambdaJobs,
  type LambdaJobsProps,
} from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import type {
  LambdaJobsConfig,
  LambdaJobsConfigInput,
} from '../../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';

/** No job types: for stacks whose queues no reference job type fits. */
export const NO_JOBS = createRegistry([]);

/** The repository root: the reference app's project root (its lock file, its jobs/). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Two queues: `default` with global thresholds, `slow` with its own, as a user would write. */
export const TEST_CONFIG_INPUT: LambdaJobsConfigInput = {
  appName: 'shop',
  registry: './jobs/index.ts',
  queues: {
    default: { batchSize: 10, maxConcurrency: 10, functionTimeoutSeconds: 60 },
    slow: {
      batchSize: 20,
      batchingWindowSeconds: 5,
      maxConcurrency: 3,
      functionTimeoutSeconds: 300,
      functionMemoryMb: 1024,
      maxReceiveCount: 8,
      messageRetentionSeconds: 86_400,
      thresholds: { backlog: { warning: 100, critical: 500 }, dlqDepth: 5 },
    },
  },
  settings: {
    JOBS_BACKLOG_WARNING: 500,
    JOBS_BACKLOG_CRITICAL: 1000,
    JOBS_OLDEST_AGE_WARNING: 300,
    JOBS_OLDEST_AGE_CRITICAL: 900,
  },
  alerting: { emails: ['oncall@example.com'] },
};

export const TEST_JOB_LIMITS: Record<string, QueueJobLimits> = {
  default: {
    maxJobTimeoutSeconds: 30,
    longestJobType: 'webhook',
    maxAttempts: 4,
    mostAttemptsJobType: 'webhook',
  },
  slow: {
    maxJobTimeoutSeconds: 240,
    longestJobType: 'generate-report',
    maxAttempts: 3,
    mostAttemptsJobType: 'generate-report',
  },
};

/** The test config, with `change` applied to the input before `defineConfig`. */
export function testConfig(
  change: (input: LambdaJobsConfigInput) => LambdaJobsConfigInput = (input) => input,
): LambdaJobsConfig {
  // The reference app's job types stand in for the project's: a test may rewrite the input,
  // the registry module stays.
  return defineConfig({ registry: TEST_CONFIG_INPUT.registry, ...change(TEST_CONFIG_INPUT) });
}

/** The feature flags and context of cdk.json, so tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../cdk.json'), 'utf8'),
).context;

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: Stack;
  readonly jobs: LambdaJobs;
  readonly template: Template;
}

/**
 * The props a test stack gets: the test config and the reference app's job types (whose limits
 * are {@link TEST_JOB_LIMITS}), from the repository root.
 */
export function testProps(props: Partial<LambdaJobsProps> = {}): LambdaJobsProps {
  return { config: testConfig(), registry: referenceRegistry, projectRoot: REPO_ROOT, ...props };
}

/**
 * Builds a stack holding one LambdaJobs construct (`Jobs`) and its template. Bundling is skipped (the assets are placeholders)
 * unless `bundle` is true, so a variant synthesizes in well under a second; cdk-nag runs as in
 * `npm run synth`, so a finding fails the synthesis.
 */
export function synthesizeStack(
  props: Partial<LambdaJobsProps> & { readonly env?: Environment } = {},
  options: { readonly bundle?: boolean; readonly stackName?: string } = {},
): SynthesizedStack {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const { env, ...jobsProps } = props;
  const stack = new Stack(app, options.stackName ?? 'shop', env ? { env } : {});
  const jobs = new LambdaJobs(stack, 'Jobs', testProps(jobsProps));
  return { app, stack, jobs, template: Template.fromStack(stack) };
}

/** cdk-nag AwsSolutions over a stack: the findings not acknowledged in code. */
export function securityFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(stack).validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`),
  );
}

/** The resource of `type` whose property `name` equals `value`: its logical id and properties. */
export function findResource(
  template: Template,
  type: string,
  match: Record<string, unknown>,
): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type, { Properties: match }));
  if (found.length !== 1) {
    throw new Error(
      `Expected one ${type} matching ${JSON.stringify(match)}, found ${found.length}`,
    );
  }
  const [id, resource] = found[0]!;
  return { id, properties: (resource as { Properties: Record<string, unknown> }).Properties };
}
