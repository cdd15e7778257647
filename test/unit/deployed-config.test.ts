import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import { assertDeployedConfig } from '../../packages/lambda-jobs/src/config/deployed-config.ts';

const withGrace = (seconds: number | undefined) =>
  defineConfig({
    appName: 'shop',
    queues: { default: {} },
    ...(seconds === undefined ? {} : { settings: { JOBS_LOST_GRACE: seconds } }),
  });

describe('cold-start check of a deployed configuration', () => {
  it('refuses a JOBS_LOST_GRACE below 10 s with the field, the value and the rule', () => {
    // Act
    let error: unknown;
    try {
      assertDeployedConfig(withGrace(9));
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        field: 'settings.JOBS_LOST_GRACE',
        value: 9,
        rule: expect.stringContaining('must be at least 10 s in a deployment') as unknown as string,
      },
    ]);
  });

  it('accepts the default (60 s) and exactly 10 s, returning the config', () => {
    const config = withGrace(undefined);
    expect(assertDeployedConfig(config)).toBe(config);
    expect(() => assertDeployedConfig(withGrace(10))).not.toThrow();
  });
});
