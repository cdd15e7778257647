import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deploymentNames } from '../../packages/lambda-jobs/src/cdk/deployment-names.ts';
import {
  type QueueJobLimits,
  summarizeJobLimits,
} from '../../packages/lambda-jobs/src/cdk/job-limits.ts';
import { LambdaJobs } from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import {
  type DeploymentCheckInput,
  deploymentProblems,
} from '../../packages/lambda-jobs/src/cdk/synth-checks.ts';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import type {
  LambdaJobsConfig,
  QueueConfig,
} from '../../packages/lambda-jobs/src/config/config-types.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { CDK_JSON_CONTEXT, TEST_JOB_LIMITS, testConfig, testProps } from './infra-fixtures.ts';

const valid = testConfig();

/** The valid config with one queue's resolved settings changed (as if built by hand). */
function withQueue(name: string, change: Partial<QueueConfig>): LambdaJobsConfig {
  const queue = valid.queues[name] ?? { ...valid.queues.default!, name };
  return { ...valid, queues: { ...valid.queues, [name]: { ...queue, ...change } } };
}

function check(
  overrides: Partial<DeploymentCheckInput> & { config?: LambdaJobsConfig } = {},
): ReturnType<typeof deploymentProblems> {
  const config = overrides.config ?? valid;
  return deploymentProblems({
    config,
    names: deploymentNames(config, overrides.stage),
    jobLimits: TEST_JOB_LIMITS,
    recordingMarginSeconds: 2,
    logLevel: 'INFO',
    ...overrides,
  });
}

function limits(change: Partial<QueueJobLimits>): Record<string, QueueJobLimits> {
  return { ...TEST_JOB_LIMITS, default: { ...TEST_JOB_LIMITS.default!, ...change } };
}

describe('synth-time checks', () => {
  it('accepts the valid configuration', () => {
    expect(check()).toEqual([]);
  });

  it('refuses a visibility timeout below 6 × function timeout + batching window', () => {
    const problems = check({ config: withQueue('slow', { visibilityTimeoutSeconds: 1000 }) });
    expect(problems).toEqual([
      {
        field: 'queues.slow.visibilityTimeoutSeconds',
        value: 1000,
        rule: 'must be at least 6 × functionTimeoutSeconds (300) + batchingWindowSeconds (5) = 1805',
      },
    ]);
  });

  it('refuses a job timeout that does not fit in the function timeout less the recording margin', () => {
    const problems = check({
      jobLimits: limits({ maxJobTimeoutSeconds: 59, longestJobType: 'sync' }),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe('queues.default.functionTimeoutSeconds');
    expect(problems[0]!.value).toBe(60);
    expect(problems[0]!.rule).toMatch(
      /job type "sync" on queue "default" has timeoutSeconds 59, but functionTimeoutSeconds 60 less 2 s to record the outcome leaves 58/,
    );
  });

  it('accepts a job timeout that exactly fits', () => {
    expect(check({ jobLimits: limits({ maxJobTimeoutSeconds: 58 }) })).toEqual([]);
  });

  it('accepts more attempts than the queue maxReceiveCount (a retry is a new message)', () => {
    expect(
      check({ jobLimits: limits({ maxAttempts: 50, mostAttemptsJobType: 'webhook' }) }),
    ).toEqual([]);
  });

  it('refuses job types on a queue that is not configured', () => {
    const problems = check({
      jobLimits: {
        ...TEST_JOB_LIMITS,
        emails: { ...TEST_JOB_LIMITS.default!, longestJobType: 'send-email' },
      },
    });
    expect(problems).toEqual([
      {
        field: 'jobs.send-email.queue',
        value: 'emails',
        rule: 'job types use queue "emails", which is not configured (queues: default, slow)',
      },
    ]);
  });

  it('refuses a warning threshold at or above the critical one', () => {
    const problems = check({
      config: withQueue('slow', {
        thresholds: { ...valid.queues.slow!.thresholds, backlog: { warning: 500, critical: 500 } },
      }),
    });
    expect(problems).toEqual([
      {
        field: 'queues.slow.thresholds.backlog.warning',
        value: 500,
        rule: 'must be below queues.slow.thresholds.backlog.critical (500)',
      },
    ]);
  });

  it('refuses invalid queue and app names', () => {
    const problems = check({ config: { ...withQueue('Bad Name', {}), appName: 'Shop' } });
    expect(problems.map((p) => p.field)).toEqual(
      expect.arrayContaining(['appName', 'queues.Bad Name']),
    );
  });

  it('refuses a worker function name longer than Lambda allows', () => {
    const longQueue = 'a-queue-name-of-exactly-forty-characters';
    const config = { ...withQueue(longQueue, {}), appName: 'an-app-name-of-24-chars1' };
    const problems = check({ config, jobLimits: {} });
    expect(problems).toEqual([
      {
        field: `queues.${longQueue}`,
        value: longQueue,
        rule: `worker function name "an-app-name-of-24-chars1-worker-${longQueue}" has 72 characters; Lambda allows 64: shorten the queue name, the app name or the stage`,
      },
    ]);
  });

  it('refuses two queue names that give the same stack output keys', () => {
    const config = withQueue('bulk_mail', {});
    const problems = check({
      config: {
        ...config,
        queues: {
          ...config.queues,
          'bulk-mail': { ...config.queues.bulk_mail!, name: 'bulk-mail' },
        },
      },
    });
    expect(problems).toEqual([
      {
        field: 'queues.bulk-mail',
        value: 'bulk-mail',
        rule: 'gives the same stack output keys (…BulkMail) as queue "bulk_mail": rename one of them',
      },
    ]);
  });

  it('refuses a source retention the DLQ cannot exceed', () => {
    const problems = check({
      config: withQueue('default', { messageRetentionSeconds: 1_209_600 }),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      field: 'queues.default.messageRetentionSeconds',
      value: 1_209_600,
    });
    expect(problems[0]!.rule).toMatch(
      /dead-letter queue must keep messages longer than its source/,
    );
  });

  it('refuses more queues than the worker environment can list', () => {
    // Prepare
    let config = valid;
    for (let i = 0; i < 30; i++)
      config = {
        ...config,
        queues: {
          ...config.queues,
          [`queue-${i}`]: { ...valid.queues.default!, name: `queue-${i}` },
        },
      };

    // Act
    const problems = check({ config });

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe('queues');
    expect(problems[0]!.rule).toMatch(
      /^the worker's environment \(every queue's URLs in LAMBDA_JOBS_QUEUE_URLS\) could reach \d+ bytes with 32 queues; Lambda allows 4096/,
    );
  });

  it('refuses an invalid stage', () => {
    expect(check({ stage: 'Prod!' })).toEqual([
      {
        field: 'context.stage',
        value: 'Prod!',
        rule: 'lowercase letters, digits and "-", 1–16 characters, starting with a letter',
      },
    ]);
  });

  it('makes the stack throw ConfigError naming queue, values and rule, before any resource exists', () => {
    // Prepare
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const config = withQueue('default', { visibilityTimeoutSeconds: 30 });

    const importJob = defineJob({
      type: 'import',
      schema: z.object({}),
      timeoutSeconds: 90,
      run: () => undefined,
    });
    const stack = new Stack(app, 'shop');

    // Act
    const build = () =>
      new LambdaJobs(stack, 'Jobs', testProps({ config, registry: createRegistry([importJob]) }));

    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      /queues\.default\.visibilityTimeoutSeconds = 30: must be at least 6 × functionTimeoutSeconds \(60\) \+ batchingWindowSeconds \(0\) = 360/,
    );
    expect(build).toThrow(/queues\.default\.functionTimeoutSeconds = 60: job timeouts must fit/);
    expect(stack.node.children).toEqual([]);
  });
});

describe('queue scaling settings', () => {
  const withDefaultQueue = (queue: Record<string, unknown>) =>
    testConfig((input) => ({
      ...input,
      queues: { ...input.queues, default: { functionTimeoutSeconds: 60, ...queue } },
    }));
  const problemsOf = (build: () => unknown) => {
    try {
      build();
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('refuses provisionedPollers with maxConcurrency, naming the event source mapping rule', () => {
    // Act
    const problems = problemsOf(() =>
      withDefaultQueue({
        maxConcurrency: 50,
        provisionedPollers: { minimumPollers: 2, maximumPollers: 20 },
      }),
    );

    // Assess
    expect(problems).toEqual([
      {
        field: 'queues.default.maxConcurrency',
        value: 50,
        rule: expect.stringMatching(
          /^cannot be combined with provisionedPollers: an SQS event source mapping in provisioned mode/,
        ),
      },
    ]);
  });

  it('refuses pollers outside what SQS event sources allow, and a minimum above the maximum', () => {
    // Act
    const outside = problemsOf(() =>
      withDefaultQueue({ provisionedPollers: { minimumPollers: 1, maximumPollers: 2001 } }),
    );
    const inverted = problemsOf(() =>
      withDefaultQueue({ provisionedPollers: { minimumPollers: 30, maximumPollers: 20 } }),
    );

    // Assess
    expect(outside.map((p) => p.field)).toEqual([
      'queues.default.provisionedPollers.minimumPollers',
      'queues.default.provisionedPollers.maximumPollers',
    ]);
    expect(inverted).toEqual([
      {
        field: 'queues.default.provisionedPollers.minimumPollers',
        value: 30,
        rule: 'must be at most maximumPollers (20)',
      },
    ]);
  });

  it('refuses an index shard count outside 1–256, and defaults it to 32', () => {
    // Act
    const zero = problemsOf(() => withDefaultQueue({ indexShards: 0 }));
    const tooMany = problemsOf(() => withDefaultQueue({ indexShards: 257 }));
    const fraction = problemsOf(() => withDefaultQueue({ indexShards: 2.5 }));

    // Assess
    expect([...zero, ...tooMany, ...fraction].map((p) => [p.field, p.value])).toEqual([
      ['queues.default.indexShards', 0],
      ['queues.default.indexShards', 257],
      ['queues.default.indexShards', 2.5],
    ]);
    expect(withDefaultQueue({}).queues.default?.indexShards).toBe(32);
  });
});

describe('two deployments in one app', () => {
  it('refuses a second LambdaJobs whose resource names would be the same, naming both', () => {
    // Prepare
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    new LambdaJobs(new Stack(app, 'Orders'), 'Jobs', testProps());
    const other = new Stack(app, 'Billing');

    // Act
    const build = () => new LambdaJobs(other, 'Jobs', testProps());

    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      /Orders\/Jobs already names its resources "shop-…" in this app; give Billing\/Jobs another stage or appName/,
    );
    expect(() => new LambdaJobs(other, 'Staged', testProps({ stage: 'billing' }))).not.toThrow();
  });
});

describe('summarizeJobLimits', () => {
  const defaults = { queue: 'default', timeoutSeconds: 30, retries: 3 };

  it('keeps the longest timeout and the most attempts per queue, with their job types', () => {
    expect(
      summarizeJobLimits(
        [
          { type: 'webhook', retries: 5 },
          { type: 'resize', timeoutSeconds: 50 },
          { type: 'report', queue: 'slow', timeoutSeconds: 240, retries: 1 },
        ],
        defaults,
      ),
    ).toEqual({
      default: {
        maxJobTimeoutSeconds: 50,
        longestJobType: 'resize',
        maxAttempts: 6,
        mostAttemptsJobType: 'webhook',
      },
      slow: {
        maxJobTimeoutSeconds: 240,
        longestJobType: 'report',
        maxAttempts: 2,
        mostAttemptsJobType: 'report',
      },
    });
  });

  it('applies the defaults to unset settings', () => {
    expect(summarizeJobLimits([{ type: 'ping' }], defaults)).toEqual({
      default: {
        maxJobTimeoutSeconds: 30,
        longestJobType: 'ping',
        maxAttempts: 4,
        mostAttemptsJobType: 'ping',
      },
    });
  });
});
