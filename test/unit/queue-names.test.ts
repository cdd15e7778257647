import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';

function problemsFor(queueName: string) {
  try {
    defineConfig({ appName: 'shop', queues: { default: {}, [queueName]: {} } });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('queue names the deployment already uses', () => {
  it.each(['default-dlq', 'default-dlq-intake', 'delayed-failures', 'monitor-schedule'])(
    'refuses %s, naming the queue',
    (name) => {
      expect(problemsFor(name)).toEqual([
        expect.objectContaining({ field: `queues.${name}`, value: name }),
      ]);
    },
  );

  it('accepts names that only contain those words', () => {
    expect(problemsFor('dlq-reports')).toEqual([]);
    expect(problemsFor('delayed')).toEqual([]);
  });
});
