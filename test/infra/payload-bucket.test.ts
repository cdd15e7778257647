import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  LambdaJobs,
  type LambdaJobsProps,
} from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { STACK_OUTPUTS } from '../../packages/lambda-jobs/src/config/stack-outputs.ts';
import {
  CDK_JSON_CONTEXT,
  securityFindings,
  synthesizeStack,
  testConfig,
  testProps,
} from './infra-fixtures.ts';
import { isAllowed, roleStatements } from './policy-evaluation.ts';

/**
 * What `largePayloads` deploys: one private, encrypted, TLS-only bucket whose objects expire
 * after the longest wait plus the longer of record and DLQ retention; reads for the workers and
 * the monitor, puts for workers and producers, on payload objects only; and nothing at all when
 * it is off.
 */

/** The construct in a stack not synthesized yet: a test may still add to it. */
function unsynthesized(props: Partial<LambdaJobsProps>): { stack: Stack; jobs: LambdaJobs } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'shop');
  return { stack, jobs: new LambdaJobs(stack, 'Jobs', testProps(props)) };
}

const on = synthesizeStack({
  config: testConfig((input) => ({ ...input, largePayloads: { enabled: true } })),
});

function roleOf(synth: typeof on, role: { node: { defaultChild?: unknown } }): string {
  return synth.stack.getLogicalId(role.node.defaultChild as CfnRole);
}

describe('payload bucket (largePayloads on)', () => {
  it('is encrypted, TLS only, private and unversioned, and expires payload objects after 7 + 14 + 1 days', () => {
    on.template.resourceCountIs('AWS::S3::Bucket', 1);
    on.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Prefix: 'payloads/',
            ExpirationInDays: 22,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ],
      },
    });
    on.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('keeps objects as long as records when the record retention is the longer', () => {
    const longRetention = synthesizeStack({
      config: testConfig((input) => ({
        ...input,
        settings: { ...input.settings, JOBS_RESULTS_RETENTION: 30 * 86_400 },
        largePayloads: { enabled: true, maxDelaySeconds: 86_400 },
      })),
    });
    longRetention.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 1 + 30 + 1 })],
      },
    });
  });

  it('lets workers read and put, the monitor only read, on payload objects only; names the bucket in their environment and an output', () => {
    const objects = on.stack.resolve(on.jobs.payloads!.objectsArn);
    const otherKey = on.stack.resolve(on.jobs.payloads!.bucket.arnForObjects('other/x'));
    for (const queue of on.jobs.queues) {
      const statements = roleStatements(on.template, roleOf(on, queue.worker.role));
      expect(isAllowed(statements, 's3:GetObject', objects)).toBe(true);
      expect(isAllowed(statements, 's3:PutObject', objects)).toBe(true);
      expect(isAllowed(statements, 's3:GetObject', otherKey)).toBe(false);
      expect(isAllowed(statements, 's3:DeleteObject', objects)).toBe(false);
    }
    const monitor = roleStatements(on.template, roleOf(on, on.jobs.monitor.monitor.role));
    expect(isAllowed(monitor, 's3:GetObject', objects)).toBe(true);
    expect(isAllowed(monitor, 's3:PutObject', objects)).toBe(false);
    const bucketName = on.stack.resolve(on.jobs.payloads!.bucket.bucketName);
    on.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.payloadBucket]: bucketName }) },
    });
    on.template.hasOutput(STACK_OUTPUTS.payloadBucket, { Value: bucketName });
  });

  it('lets a bound producer put payload objects and nothing else in the bucket', () => {
    // Prepare
    const synth = unsynthesized({
      config: testConfig((input) => ({ ...input, largePayloads: { enabled: true } })),
    });
    const api = new LambdaFunction(synth.stack, 'Api', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
    });

    // Act
    synth.jobs.bindEnqueue(api);
    const template = Template.fromStack(synth.stack);

    // Assess
    const statements = roleStatements(
      template,
      synth.stack.getLogicalId(api.role!.node.defaultChild as CfnRole),
    );
    const objects = synth.stack.resolve(synth.jobs.payloads!.objectsArn);
    expect(isAllowed(statements, 's3:PutObject', objects)).toBe(true);
    expect(isAllowed(statements, 's3:GetObject', objects)).toBe(false);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          [ENV.payloadBucket]: synth.stack.resolve(synth.jobs.payloads!.bucket.bucketName),
        }),
      },
    });
  });

  it('passes the cdk-nag AwsSolutions checks', () => {
    expect(securityFindings(on.stack)).toEqual([]);
  });

  it('encrypts with the customer-managed data key, which S3 may then use', () => {
    const keyed = synthesizeStack({
      config: testConfig((input) => ({
        ...input,
        encryption: { dataKey: 'customer-managed' },
        largePayloads: { enabled: true },
      })),
    });
    keyed.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
          }),
        ],
      },
    });
    keyed.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                'kms:ViaService': Match.arrayWith([
                  { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                ]),
              }),
            },
          }),
        ]),
      },
    });
  });
});

describe('largePayloads off (the default)', () => {
  it('creates no bucket, grants no S3 action and sets no bucket variable', () => {
    const off = synthesizeStack();
    off.template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(off.jobs.payloads).toBeUndefined();
    expect(JSON.stringify(off.template.toJSON())).not.toMatch(
      /"s3:(Get|Put)Object"|LAMBDA_JOBS_PAYLOAD_BUCKET/,
    );
  });
});
