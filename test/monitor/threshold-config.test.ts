import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import { readQueueUrls } from '../../packages/lambda-jobs/src/config/env.ts';

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('threshold validation (at synth and at cold start, through defineConfig)', () => {
  it('rejects a warning that is not below its critical, naming the field', () => {
    const problems = problemsOf(() =>
      defineConfig({
        appName: 'shop',
        queues: { reports: { thresholds: { backlog: { warning: 1000, critical: 1000 } } } },
      }),
    );

    expect(problems).toContainEqual({
      field: 'queues.reports.thresholds.backlog.warning',
      value: 1000,
      rule: 'must be below queues.reports.thresholds.backlog.critical (1000)',
    });
  });

  it('rejects zero, negative and fractional thresholds', () => {
    const problems = problemsOf(() =>
      defineConfig({
        appName: 'shop',
        queues: {
          default: {
            thresholds: {
              backlog: { warning: 0 },
              oldestAgeSeconds: { critical: 1.5 },
              dlqDepth: -1,
            },
          },
        },
      }),
    );

    expect(problems.map((p) => p.field)).toEqual([
      'queues.default.thresholds.backlog.warning',
      'queues.default.thresholds.oldestAgeSeconds.critical',
      'queues.default.thresholds.dlqDepth',
    ]);
  });

  it('checks a global setting on every queue that inherits it', () => {
    const problems = problemsOf(() =>
      defineConfig({
        appName: 'shop',
        queues: { a: {}, b: { thresholds: { oldestAgeSeconds: { warning: 10, critical: 20 } } } },
        settings: { JOBS_OLDEST_AGE_WARNING: 900, JOBS_OLDEST_AGE_CRITICAL: 300 },
      }),
    );

    expect(problems.map((p) => p.field)).toEqual(['queues.a.thresholds.oldestAgeSeconds.warning']);
  });

  it('rejects queue URLs that do not map each queue to its URLs', () => {
    const problems = problemsOf(() =>
      readQueueUrls({ LAMBDA_JOBS_QUEUE_URLS: JSON.stringify({ default: { url: 'x' } }) }),
    );

    expect(problems[0]?.field).toBe('env.LAMBDA_JOBS_QUEUE_URLS');
  });
});
