import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { delayedDeliveryFromEnv } from '../../packages/lambda-jobs/src/runtime/adapters/aws/delayed-delivery-from-env.ts';

const schedulerMock = mockClient(SchedulerClient);
const QUEUES = {
  default: {
    url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-default',
    dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-default-dlq',
  },
};
const ROLE_ARN = 'arn:aws:iam::123456789012:role/shop-scheduler';
const FAILURES_ARN = 'arn:aws:sqs:eu-west-1:123456789012:shop-delayed-failures';

beforeEach(() => {
  schedulerMock.reset();
});

describe('delayedDeliveryFromEnv', () => {
  it('gives none when the stack set no scheduler group', () => {
    // Act
    const delivery = delayedDeliveryFromEnv({ [ENV.queueUrls]: JSON.stringify(QUEUES) });

    // Assess
    expect(delivery).toBeUndefined();
  });

  it('schedules in the group, as the role, dead-lettering to the delayed-failures queue', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:x' });
    const delivery = delayedDeliveryFromEnv(
      {
        [ENV.schedulerGroup]: 'shop-delayed',
        [ENV.schedulerRoleArn]: ROLE_ARN,
        [ENV.schedulerDeadLetterArn]: FAILURES_ARN,
        [ENV.queueUrls]: JSON.stringify(QUEUES),
      },
      new SchedulerClient({ region: 'eu-west-1' }),
    );

    // Act
    await delivery?.schedule('job-1', QUEUES.default.url, '{}', new Date('2030-01-01T00:00:00Z'));

    // Assess
    expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'job-1',
      GroupName: 'shop-delayed',
      Target: expect.objectContaining({
        RoleArn: ROLE_ARN,
        Arn: 'arn:aws:sqs:eu-west-1:123456789012:shop-default',
        DeadLetterConfig: { Arn: FAILURES_ARN },
      }),
    });
    expect(schedulerMock).not.toHaveReceivedCommand(DeleteScheduleCommand);
  });

  it('fails at cold start, naming the variable, when the group is set without the dead-letter ARN', () => {
    // Act
    const build = () =>
      delayedDeliveryFromEnv({
        [ENV.schedulerGroup]: 'shop-delayed',
        [ENV.schedulerRoleArn]: ROLE_ARN,
        [ENV.queueUrls]: JSON.stringify(QUEUES),
      });

    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(ENV.schedulerDeadLetterArn);
  });

  it('fails at cold start, naming the variable, when the group is set without the role', () => {
    // Act
    const build = () =>
      delayedDeliveryFromEnv({
        [ENV.schedulerGroup]: 'shop-delayed',
        [ENV.queueUrls]: JSON.stringify(QUEUES),
      });

    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(ENV.schedulerRoleArn);
  });
});
