import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentNames } from '../../packages/lambda-jobs/src/cdk/deployment-names.ts';
import { deploymentProblems } from '../../packages/lambda-jobs/src/cdk/synth-checks.ts';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { deadLetterIntakeUrl } from '../../packages/lambda-jobs/src/config/env.ts';
import {
  findResource,
  synthesizeStack,
  TEST_CONFIG_INPUT,
  TEST_JOB_LIMITS,
  testConfig,
} from './infra-fixtures.ts';

/** The test config plus a FIFO `orders` queue. */
function fifoConfig(orders: Record<string, unknown> = {}, appName = 'shop'): LambdaJobsConfig {
  return testConfig((input) => ({
    ...input,
    appName,
    queues: { ...TEST_CONFIG_INPUT.queues, orders: { fifo: true, ...orders } },
  }));
}

function problemsOf(config: LambdaJobsConfig, ordersAttempts?: number, stage?: string) {
  return deploymentProblems({
    config,
    names: deploymentNames(config, stage),
    jobLimits: {
      ...TEST_JOB_LIMITS,
      ...(ordersAttempts === undefined
        ? {}
        : {
            orders: {
              maxJobTimeoutSeconds: 30,
              longestJobType: 'order-paid',
              maxAttempts: ordersAttempts,
              mostAttemptsJobType: 'order-paid',
            },
          }),
    },
    recordingMarginSeconds: 2,
    logLevel: 'INFO',
    ...(stage ? { stage } : {}),
  });
}

let template: Template;

beforeAll(() => {
  ({ template } = synthesizeStack({ config: fifoConfig() }));
});

describe('a FIFO queue as deployed', () => {
  it('creates the queue, its dead-letter intake and its DLQ as FIFO queues, deduplication by id only, high-throughput mode', () => {
    for (const name of [
      'shop-orders.fifo',
      'shop-orders-dlq-intake.fifo',
      'shop-orders-dlq.fifo',
    ]) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: name,
        FifoQueue: true,
        ContentBasedDeduplication: false,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
      });
    }
    const intake = findResource(template, 'AWS::SQS::Queue', {
      QueueName: 'shop-orders-dlq-intake.fifo',
    }).id;
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-orders.fifo',
      // The FIFO default: retries keep their message, so receives count attempts too.
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [intake, 'Arn'] },
        maxReceiveCount: 30,
      },
    });
  });

  it('leaves standard queues standard', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-default',
      FifoQueue: Match.absent(),
    });
  });

  it('feeds the worker with a batch of at most 10, no batching window, partial batch responses', () => {
    const queue = findResource(template, 'AWS::SQS::Queue', { QueueName: 'shop-orders.fifo' }).id;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('derives the intake URL of a FIFO DLQ with `.fifo` last', () => {
    expect(deadLetterIntakeUrl('https://sqs.eu-west-1.amazonaws.com/1/shop-orders-dlq.fifo')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/1/shop-orders-dlq-intake.fifo',
    );
  });
});

describe('synth checks of FIFO queues', () => {
  it('accepts a FIFO queue within the rules', () => {
    expect(problemsOf(fifoConfig(), 4)).toEqual([]);
  });

  it('refuses a name over 80 characters once `.fifo` is added, naming the SQS rule', () => {
    const config = fifoConfig({}, 'a'.repeat(24));
    const long = {
      ...config,
      queues: {
        ...config.queues,
        ['o'.repeat(40)]: { ...config.queues.orders!, name: 'o'.repeat(40) },
      },
    };
    const problems = problemsOf(long, undefined, 'staging');
    const rules = problems.filter((p) => p.rule.includes('".fifo" included'));
    expect(rules.length).toBeGreaterThan(0);
    expect(rules[0]!.rule).toMatch(/SQS allows 80/);
  });

  it('refuses a maxReceiveCount a FIFO job could spend on its retries alone', () => {
    const problems = problemsOf(fifoConfig({ maxReceiveCount: 8 }), 6);
    expect(problems).toEqual([
      {
        field: 'queues.orders.maxReceiveCount',
        value: 8,
        rule: expect.stringMatching(
          /at least 11 on a FIFO queue.*"order-paid" makes up to 6 attempts/,
        ),
      },
    ]);
  });

  it('refuses a batch above 10 and a batching window on a FIFO queue built by hand', () => {
    const config = fifoConfig();
    const byHand = {
      ...config,
      queues: {
        ...config.queues,
        orders: { ...config.queues.orders!, batchSize: 50, batchingWindowSeconds: 2 },
      },
    };
    const fields = problemsOf(byHand).map((p) => p.field);
    expect(fields).toContain('queues.orders.batchSize');
    expect(fields).toContain('queues.orders.batchingWindowSeconds');
  });
});
