import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSchedulerDelayedDelivery } from '../../packages/lambda-jobs/src/runtime/adapters/aws/scheduler-delayed-delivery.ts';
import { SQS_SEND_MESSAGE_UNIVERSAL_TARGET } from '../../packages/lambda-jobs/src/runtime/adapters/aws/scheduler-grouped-target.ts';

const schedulerMock = mockClient(SchedulerClient);

const FIFO_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-orders.fifo';
const STANDARD_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-default';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/shop-scheduler';
const JOB_ID = '0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f';
const BODY = `{"version":1,"id":"${JOB_ID}","type":"order-paid"}`;

function delivery() {
  return createSchedulerDelayedDelivery({
    client: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'shop-delayed-jobs',
    roleArn: ROLE_ARN,
  });
}

function targetSent() {
  const [call] = schedulerMock.commandCalls(CreateScheduleCommand);
  return call!.args[0].input.Target!;
}

beforeEach(() => {
  schedulerMock.reset();
  schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:x' });
});

describe('delayed messages to FIFO queues and fair-queue tenants', () => {
  it('sends to a FIFO queue through the universal SendMessage target, with group and deduplication ids', async () => {
    await delivery().schedule(JOB_ID, FIFO_URL, BODY, new Date('2030-01-01T00:00:00Z'), {
      groupId: 'account-7',
      deduplicationId: JOB_ID,
    });
    const target = targetSent();
    expect(target.Arn).toBe(SQS_SEND_MESSAGE_UNIVERSAL_TARGET);
    expect(target.RoleArn).toBe(ROLE_ARN);
    expect(JSON.parse(target.Input!)).toEqual({
      QueueUrl: FIFO_URL,
      MessageBody: BODY,
      MessageGroupId: 'account-7',
      MessageDeduplicationId: JOB_ID,
    });
  });

  it('gives a FIFO send without ids the job type as group and a deduplication id of its own', async () => {
    await delivery().schedule(JOB_ID, FIFO_URL, BODY, new Date('2030-01-01T00:00:00Z'));
    const input = JSON.parse(targetSent().Input!);
    expect(input.MessageGroupId).toBe('order-paid');
    expect(input.MessageDeduplicationId).toMatch(new RegExp(`^${JOB_ID}#`));
  });

  it('sends a tenant on a standard queue as MessageGroupId, without a deduplication id', async () => {
    await delivery().schedule(JOB_ID, STANDARD_URL, BODY, new Date('2030-01-01T00:00:00Z'), {
      groupId: 'tenant-9',
    });
    const input = JSON.parse(targetSent().Input!);
    expect(input).toEqual({
      QueueUrl: STANDARD_URL,
      MessageBody: BODY,
      MessageGroupId: 'tenant-9',
    });
  });

  it('keeps the templated queue target for a standard message without a tenant', async () => {
    await delivery().schedule(JOB_ID, STANDARD_URL, BODY, new Date('2030-01-01T00:00:00Z'));
    const target = targetSent();
    expect(target.Arn).toBe('arn:aws:sqs:eu-west-1:123456789012:shop-default');
    expect(target.Input).toBe(BODY);
  });
});
