import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import { findResource, synthesizeStack, testConfig } from './infra-fixtures.ts';

/**
 * The monitor keeps running when the account is throttled (reserved concurrency, a schedule
 * that retries), and two stages in one account and region never read each other's metrics.
 */

describe('the monitor under account-wide pressure', { timeout: 120_000 }, () => {
  it('reserves one concurrent execution for the monitor by default, and none for workers', () => {
    const { template } = synthesizeStack();
    const monitor = findResource(template, 'AWS::Lambda::Function', {
      FunctionName: 'shop-monitor',
    });
    expect(monitor.properties.ReservedConcurrentExecutions).toBe(1);
    const worker = findResource(template, 'AWS::Lambda::Function', {
      FunctionName: 'shop-worker-default',
    });
    expect(worker.properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  const withReservation = (value: number | false) =>
    testConfig((input) => ({
      ...input,
      settings: { ...input.settings, JOBS_MONITOR_RESERVED_CONCURRENCY: value },
    }));

  it('takes the reservation from the config setting JOBS_MONITOR_RESERVED_CONCURRENCY', () => {
    const { template } = synthesizeStack({ config: withReservation(2) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shop-monitor',
      ReservedConcurrentExecutions: 2,
    });
  });

  it('reserves none when the setting is 0 or false', () => {
    for (const value of [0, false] as const) {
      const { template } = synthesizeStack({ config: withReservation(value) });
      const monitor = findResource(template, 'AWS::Lambda::Function', {
        FunctionName: 'shop-monitor',
      });
      expect(monitor.properties, String(value)).not.toHaveProperty('ReservedConcurrentExecutions');
    }
  });

  it('refuses a reservation that is not 0–10 or false, naming the setting', () => {
    for (const value of [11, 1.5, -1, true as unknown as number, '2' as unknown as number]) {
      let error: unknown;
      try {
        withReservation(value);
      } catch (caught) {
        error = caught;
      }
      expect(error, String(value)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems, String(value)).toEqual([
        {
          field: 'settings.JOBS_MONITOR_RESERVED_CONCURRENCY',
          value,
          rule: expect.stringContaining('whole number from 1 to 10'),
        },
      ]);
    }
  });

  it('keeps undeliverable schedule events in an encrypted, TLS-only queue for 14 days', () => {
    const { template } = synthesizeStack();
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-monitor-schedule-dlq',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    // EventBridge may send to it (the target's dead-letter config adds a queue policy).
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      }),
    });
  });
});

describe('two stages in one account and region', { timeout: 120_000 }, () => {
  const metricIdentities = (stage: string | undefined) => {
    const { template } = synthesizeStack(
      { stage },
      { stackName: stage ? `shop-${stage}` : 'shop' },
    );
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        (fn as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties
          .Environment.Variables,
    );
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm as { Properties: Record<string, unknown> },
    );
    const heartbeat = alarms.find((a) =>
      String(a.Properties.AlarmName).endsWith('monitor-not-reporting'),
    )!.Properties;
    const alarmNamespaces = new Set(
      JSON.stringify(alarms)
        .match(/"Namespace":"[^"]+"/g)!
        .filter((ns) => !ns.includes('AWS/')),
    );
    return {
      namespaces: new Set(functions.map((v) => v.POWERTOOLS_METRICS_NAMESPACE)),
      services: new Set(functions.map((v) => v.POWERTOOLS_SERVICE_NAME)),
      heartbeat,
      alarmNamespaces,
      output: template.toJSON().Outputs.MetricNamespace.Value,
    };
  };

  it('publish and alarm on metrics of their own: namespace and service carry the stage', () => {
    const production = metricIdentities(undefined);
    const staging = metricIdentities('staging');

    expect(production.namespaces).toEqual(new Set(['shop']));
    expect(production.services).toEqual(new Set(['shop']));
    expect(staging.namespaces).toEqual(new Set(['shop-staging']));
    expect(staging.services).toEqual(new Set(['shop-staging']));
    // Every alarm on lambda-jobs metrics reads its own stage's namespace.
    expect(production.alarmNamespaces).toEqual(new Set(['"Namespace":"shop"']));
    expect(staging.alarmNamespaces).toEqual(new Set(['"Namespace":"shop-staging"']));
    // The heartbeat alarm: a staging monitor cannot keep production's green.
    expect(production.heartbeat).toMatchObject({
      Namespace: 'shop',
      Dimensions: [{ Name: 'service', Value: 'shop' }],
    });
    expect(staging.heartbeat).toMatchObject({
      Namespace: 'shop-staging',
      Dimensions: [{ Name: 'service', Value: 'shop-staging' }],
    });
    // The CLI reads the namespace from the stack's outputs.
    expect(production.output).toBe('shop');
    expect(staging.output).toBe('shop-staging');
  });
});

describe('JOBS_LOST_GRACE floor at synth', { timeout: 120_000 }, () => {
  it('refuses a grace below 10 s, naming the field, the value and the rule', () => {
    const config = testConfig((input) => ({
      ...input,
      settings: { ...input.settings, JOBS_LOST_GRACE: 0 },
    }));
    expect(() => synthesizeStack({ config })).toThrow(
      /settings\.JOBS_LOST_GRACE = 0: must be at least 10 s in a deployment/,
    );
  });

  it('accepts exactly 10 s', () => {
    const config = testConfig((input) => ({
      ...input,
      settings: { ...input.settings, JOBS_LOST_GRACE: 10 },
    }));
    expect(() => synthesizeStack({ config })).not.toThrow();
  });
});
