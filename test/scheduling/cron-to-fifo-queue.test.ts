import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobSchedules } from '../../packages/lambda-jobs/src/cdk/job-schedules.ts';
import type { ScheduleConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { SQS_SEND_MESSAGE_UNIVERSAL_TARGET } from '../../packages/lambda-jobs/src/runtime/adapters/aws/scheduler-grouped-target.ts';
import { cronMessageGroups } from '../../packages/lambda-jobs/src/runtime/cron-message-groups.ts';
import { parseEnvelope } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';

const RECONCILE: ScheduleConfig = {
  name: 'nightly-reconcile',
  job: 'reconcile-ledger',
  cron: '@daily',
  payload: { ledger: 'eu' },
};

const reconcile = defineJob({
  type: 'reconcile-ledger',
  queue: 'ledger',
  schema: z.object({ ledger: z.string() }),
  groupKey: (payload) => `ledger:${payload.ledger}`,
  run: () => {},
});

function build() {
  const stack = new Stack(new App(), 'Schedules', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const fifo = { fifo: true, contentBasedDeduplication: false };
  const deadLetterQueue = new Queue(stack, 'LedgerDlq', {
    ...fifo,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new Queue(stack, 'Ledger', {
    ...fifo,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 30 },
  });
  const schedules = new JobSchedules(stack, 'Jobs', {
    appName: 'shop',
    schedules: [RECONCILE],
    queues: { ledger: { queue, deadLetterQueue } },
    jobQueueOf: { 'reconcile-ledger': 'ledger' },
    cronMessageGroups: cronMessageGroups(createRegistry([reconcile]), [RECONCILE]),
  });
  return { stack, schedules, template: Template.fromStack(stack), queue, deadLetterQueue };
}

describe('a cron schedule whose job goes to a FIFO queue', () => {
  it("sends through the universal SendMessage target in the payload's group, the firing's job id as deduplication id, dead-lettering to a standard queue", () => {
    const { stack, template, schedules } = build();
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    const target = (schedule as { Properties: { Target: Record<string, unknown> } }).Properties
      .Target;
    expect(target.Arn).toBe(SQS_SEND_MESSAGE_UNIVERSAL_TARGET);
    // The input is a CloudFormation Fn::Join around the queue URL: resolve its literal parts.
    const input = JSON.stringify(stack.resolve(target.Input));
    expect(input).toContain('MessageGroupId');
    expect(input).toContain('ledger:eu');
    expect(input).toContain('nightly-reconcile-<aws.scheduler.scheduled-time>');
    const deadLetterArn = (target.DeadLetterConfig as { Arn: unknown }).Arn;
    expect(deadLetterArn).toEqual(stack.resolve(schedules.delayedFailures.queueArn));
  });

  it('keeps the envelope readable once the scheduler fills in its placeholders', () => {
    const { stack, template } = build();
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    const joined = stack.resolve(
      (schedule as { Properties: { Target: { Input: unknown } } }).Properties.Target.Input,
    ) as { 'Fn::Join': [string, unknown[]] };
    const text = joined['Fn::Join'][1]
      .map((part) =>
        typeof part === 'string' ? part : 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo',
      )
      .join(joined['Fn::Join'][0])
      .replaceAll('<aws.scheduler.scheduled-time>', '2030-01-01T00:00:00Z');
    const request = JSON.parse(text) as { MessageBody: string; MessageDeduplicationId: string };
    const envelope = parseEnvelope(request.MessageBody);
    expect(envelope).toMatchObject({ type: 'reconcile-ledger', payload: { ledger: 'eu' } });
    expect(request.MessageDeduplicationId).toBe(envelope.id);
  });

  it('lets the cron role send to the delayed-failures queue instead of the FIFO DLQ', () => {
    const { stack, template, deadLetterQueue, schedules } = build();
    const policies = JSON.stringify(template.findResources('AWS::IAM::Role'));
    expect(policies).toContain(
      JSON.stringify(stack.resolve(schedules.delayedFailures.queueArn)).slice(1, -1),
    );
    const dlqId = stack.getLogicalId(deadLetterQueue.node.defaultChild as never);
    const cronRole = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) =>
      id.startsWith('JobsCronSchedulerRole'),
    )!;
    expect(JSON.stringify(cronRole[1])).not.toContain(dlqId);
  });
});
