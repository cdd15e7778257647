/**
 * What the stack deploys for circuit breakers: one warning alarm per job type that has one, on
 * the worker's `CircuitOpen` metric of that type, whose description names its runbook; none
 * for a deployment without circuit breakers; and the worker's grant to read the counters.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAlarmDescription } from '../../packages/lambda-jobs/src/config/alarm-descriptions.ts';
import { findResource, synthesizeStack, testConfig } from './infra-fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');

let template: Template;
let withoutTemplate: Template;

beforeAll(() => {
  ({ template } = synthesizeStack({
    config: testConfig((input) => ({
      ...input,
      circuitBreakers: { webhook: { failureRate: 0.25, minAttempts: 40, coolDownSeconds: 120 } },
    })),
  }));
  ({ template: withoutTemplate } = synthesizeStack());
});

type AlarmProperties = Record<string, unknown> & { AlarmName: string; AlarmDescription: string };

const alarmsOf = (t: Template): AlarmProperties[] =>
  Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
    (r) => (r as { Properties: AlarmProperties }).Properties,
  );

describe('circuit breaker alarms', () => {
  it('alarms per job type with a circuit breaker on CircuitOpen, naming its runbook', () => {
    // Act
    const found = alarmsOf(template).filter((a) => a.AlarmName.includes('circuit-open'));

    // Assess
    expect(found).toHaveLength(1);
    const [circuit] = found;
    expect(circuit).toMatchObject({
      AlarmName: 'shop-default-circuit-open-webhook',
      Namespace: 'shop',
      MetricName: 'CircuitOpen',
      Dimensions: [
        { Name: 'job_type', Value: 'webhook' },
        { Name: 'queue', Value: 'default' },
        { Name: 'service', Value: 'shop' },
      ],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const description = parseAlarmDescription(circuit!.AlarmDescription);
    expect(description.summary).toContain('"webhook"');
    expect(description.summary).toContain('25 % of at least 40 attempts');
    expect(description.summary).toContain('every 120 s');
    expect(description.runbook).toBe('docs/runbooks/job-circuit-open.md');
    expect(existsSync(path.join(root, String(description.runbook)))).toBe(true);
  });

  it('deploys no circuit alarm when no job type has a circuit breaker', () => {
    expect(alarmsOf(withoutTemplate).filter((a) => a.AlarmName.includes('circuit'))).toEqual([]);
  });

  it('lets each worker read the circuit counters (BatchGetItem on the job table), the monitor not', () => {
    const tableId = findResource(template, 'AWS::DynamoDB::Table', {}).id;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: {
        PolicyName: string;
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      };
    }[];
    const grantsBatchGet = (name: RegExp) =>
      policies
        .filter((p) => name.test(JSON.stringify(p.Properties.PolicyName)))
        .some((p) =>
          p.Properties.PolicyDocument.Statement.some(
            (s) =>
              [s.Action].flat().includes('dynamodb:BatchGetItem') &&
              JSON.stringify(s.Resource).includes(tableId),
          ),
        );
    expect(grantsBatchGet(/Worker/)).toBe(true);
    expect(grantsBatchGet(/Monitor/)).toBe(false);
  });
});
