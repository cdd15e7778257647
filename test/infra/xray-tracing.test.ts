/**
 * `xrayTracing: true` in the config turns on X-Ray active tracing for every function the
 * stack deploys, lets each role write trace segments, and leaves cdk-nag with nothing
 * unacknowledged; without it no function traces.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { securityFindings, synthesizeStack, testConfig } from './infra-fixtures.ts';

const traced = () =>
  synthesizeStack({
    config: testConfig((input) => ({
      ...input,
      xrayTracing: true,
      alerting: { emails: [], slackWebhookSecretName: 'shop/slack-webhook' },
    })),
  });

describe('X-Ray active tracing', () => {
  it('is on for the worker, the monitor and the notifier when the config asks', () => {
    const { template, stack } = traced();
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { FunctionName?: string; TracingConfig?: { Mode: string } };
    }[];
    const ours = functions.filter((fn) => typeof fn.Properties.FunctionName === 'string');

    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const fn of ours) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
            Effect: 'Allow',
          }),
        ]),
      },
    });
    expect(securityFindings(stack)).toEqual([]);
  });

  it('is off by default', () => {
    const { template } = synthesizeStack();
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { TracingConfig?: unknown };
    }[];
    expect(functions.every((fn) => fn.Properties.TracingConfig === undefined)).toBe(true);
  });
});
