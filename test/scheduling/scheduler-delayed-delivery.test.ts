import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import {
  atExpression,
  createSchedulerDelayedDelivery,
  createSchedulerDelayedDeliveryFromEnv,
  queueArnFromUrl,
  scheduleNameForJob,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/scheduler-delayed-delivery.ts';
import { JobInputError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { LIMITS } from '../../packages/lambda-jobs/src/runtime/limits.ts';

const schedulerMock = mockClient(SchedulerClient);

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-default';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:shop-default';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:shop-delayed-failures';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/shop-scheduler';
const JOB_ID = '0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f';

function delivery() {
  return createSchedulerDelayedDelivery({
    client: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'shop-delayed-jobs',
    roleArn: ROLE_ARN,
    deadLetterArn: DLQ_ARN,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  schedulerMock.reset();
});

describe('schedule creates one self-deleting one-time schedule per job', () => {
  it('sends this exact CreateSchedule input', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:x' });
    const body = '{"version":1,"id":"0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f"}';

    // Act
    await delivery().schedule(JOB_ID, QUEUE_URL, body, new Date('2025-05-01T10:00:00.000Z'));

    // Assess
    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input).toEqual({
      Name: JOB_ID,
      GroupName: 'shop-delayed-jobs',
      Description: `lambda-jobs: deliver job ${JOB_ID}`,
      ScheduleExpression: 'at(2025-05-01T10:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: QUEUE_ARN,
        RoleArn: ROLE_ARN,
        Input: body,
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });
  });

  it('leaves out the dead-letter config when the queue has none, and uses an explicit ARN', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const emulatorUrl = 'http://sqs.us-east-1.localhost:4566/000000000000/local-default';
    const local = createSchedulerDelayedDelivery({
      client: new SchedulerClient({ region: 'us-east-1' }),
      groupName: 'local',
      roleArn: ROLE_ARN,
      queueArns: { [emulatorUrl]: 'arn:aws:sqs:us-east-1:000000000000:local-default' },
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 600 },
    });

    // Act
    await local.schedule(JOB_ID, emulatorUrl, '{}', new Date('2025-05-01T10:00:00Z'));

    // Assess
    const target = schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input.Target;
    expect(target?.Arn).toBe('arn:aws:sqs:us-east-1:000000000000:local-default');
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 });
    expect(target).not.toHaveProperty('DeadLetterConfig');
  });

  it('rounds the due time up to a whole minute, so a job is never delivered early', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // Act
    await delivery().schedule(JOB_ID, QUEUE_URL, '{}', new Date('2025-12-31T23:59:00.001Z'));

    // Assess
    expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
      ScheduleExpression: 'at(2026-01-01T00:00:00)',
    });
  });

  it('treats an existing schedule of the same job as done (a retried call)', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule already exists',
        Message: 'Schedule already exists',
        $metadata: {},
      }),
    );

    // Act
    const result = delivery().schedule(JOB_ID, QUEUE_URL, '{}', new Date('2025-05-01T10:00:00Z'));

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it('passes other scheduler errors on', async () => {
    // Prepare
    schedulerMock
      .on(CreateScheduleCommand)
      .rejects(
        new ValidationException({ message: 'bad role', Message: 'bad role', $metadata: {} }),
      );

    // Act
    const error = await rejectionOf(
      delivery().schedule(JOB_ID, QUEUE_URL, '{}', new Date('2025-05-01T10:00:00Z')),
    );

    // Assess
    expect(error.name).toBe('ValidationException');
  });

  it('refuses a body over the input limit with a JobInputError naming payload, sending nothing', async () => {
    // Prepare
    const body = 'x'.repeat(LIMITS.maxEnvelopeBytes + 1);

    // Act
    const error = await rejectionOf(
      delivery().schedule(JOB_ID, QUEUE_URL, body, new Date('2025-05-01T10:00:00Z')),
    );

    // Assess
    expect(error).toBeInstanceOf(JobInputError);
    expect((error as JobInputError).field).toBe('payload');
    expect((error as JobInputError).limit).toBe('262144 bytes per scheduled message');
    expect(schedulerMock).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('counts the limit in UTF-8 bytes and accepts a body exactly at it', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const atLimit = 'é'.repeat(LIMITS.maxEnvelopeBytes / 2);

    // Act
    await delivery().schedule(JOB_ID, QUEUE_URL, atLimit, new Date('2025-05-01T10:00:00Z'));
    const over = await rejectionOf(
      delivery().schedule(JOB_ID, QUEUE_URL, `${atLimit}é`, new Date('2025-05-01T10:00:00Z')),
    );

    // Assess
    expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(over).toBeInstanceOf(JobInputError);
  });
});

describe('cancel deletes the waiting schedule', () => {
  it('returns true when the schedule was there', async () => {
    // Prepare
    schedulerMock.on(DeleteScheduleCommand).resolves({});

    // Act
    const cancelled = await delivery().cancel(JOB_ID);

    // Assess
    expect(cancelled).toBe(true);
    expect(schedulerMock).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: JOB_ID,
      GroupName: 'shop-delayed-jobs',
    });
  });

  it('returns false when there is none (already fired and deleted, or never made)', async () => {
    // Prepare
    schedulerMock.on(DeleteScheduleCommand).rejects(
      new ResourceNotFoundException({
        message: 'not found',
        Message: 'not found',
        $metadata: {},
      }),
    );

    // Act
    const cancelled = await delivery().cancel(JOB_ID);

    // Assess
    expect(cancelled).toBe(false);
  });

  it('passes other errors on', async () => {
    // Prepare
    schedulerMock
      .on(DeleteScheduleCommand)
      .rejects(new ConflictException({ message: 'busy', Message: 'busy', $metadata: {} }));

    // Act
    const error = await rejectionOf(delivery().cancel(JOB_ID));

    // Assess
    expect(error.name).toBe('ConflictException');
  });
});

describe('scheduleNameForJob', () => {
  const valid = /^[0-9a-zA-Z_.-]{1,64}$/;

  it.each([
    [JOB_ID, '', JOB_ID],
    ['order-42_retry', '', 'order-42_retry'],
    [JOB_ID, 'delayed.', `delayed.${JOB_ID}`],
  ])('%s with prefix %j → %s', (jobId, prefix, expected) => {
    // Act / Assess
    expect(scheduleNameForJob(jobId, prefix)).toBe(expected);
  });

  it('shortens a long id to 64 characters with a hash, the same every time', () => {
    // Prepare
    const longId = `${'a'.repeat(100)}-1`;
    const otherLongId = `${'a'.repeat(100)}-2`;

    // Act
    const name = scheduleNameForJob(longId);

    // Assess
    expect(name).toHaveLength(64);
    expect(name).toMatch(valid);
    expect(name.startsWith('aaaa')).toBe(true);
    expect(scheduleNameForJob(longId)).toBe(name);
    expect(scheduleNameForJob(otherLongId)).not.toBe(name);
  });

  it('replaces characters a schedule name cannot hold', () => {
    // Act
    const name = scheduleNameForJob('job:42/é');

    // Assess
    expect(name).toMatch(valid);
    expect(name.startsWith('job_42__-')).toBe(true);
  });

  it('refuses a prefix a schedule name cannot hold', () => {
    // Act / Assess
    expect(() =>
      createSchedulerDelayedDelivery({
        client: new SchedulerClient({ region: 'eu-west-1' }),
        groupName: 'g',
        roleArn: ROLE_ARN,
        namePrefix: 'delayed/',
      }),
    ).toThrow(ConfigError);
  });
});

describe('queueArnFromUrl', () => {
  it.each([
    [QUEUE_URL, QUEUE_ARN],
    [
      'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo',
      'arn:aws:sqs:us-east-1:123456789012:orders.fifo',
    ],
    ['https://sqs.eu-central-1.api.aws/123456789012/q', 'arn:aws:sqs:eu-central-1:123456789012:q'],
    [
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q',
      'arn:aws-cn:sqs:cn-north-1:123456789012:q',
    ],
    [
      'https://sqs.us-gov-west-1.amazonaws.com/123456789012/q',
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q',
    ],
    [
      'https://ap-southeast-2.queue.amazonaws.com/123456789012/legacy',
      'arn:aws:sqs:ap-southeast-2:123456789012:legacy',
    ],
  ])('%s → %s', (url, arn) => {
    // Act / Assess
    expect(queueArnFromUrl(url)).toBe(arn);
  });

  it.each([
    'http://sqs.us-east-1.localhost:4566/000000000000/q',
    'https://sqs.us-east-1.amazonaws.com/12345/q',
    'https://example.com/123456789012/q',
    'not a url',
  ])('refuses %s with a ConfigError pointing to queueArns', (url) => {
    // Act / Assess
    expect(() => queueArnFromUrl(url)).toThrow(/queueArns/);
    expect(() => queueArnFromUrl(url)).toThrow(ConfigError);
  });
});

describe('atExpression', () => {
  it.each([
    ['2025-05-01T10:00:00.000Z', 'at(2025-05-01T10:00:00)'],
    ['2025-05-01T10:00:30.250Z', 'at(2025-05-01T10:01:00)'],
    ['2028-02-28T23:59:59.999Z', 'at(2028-02-29T00:00:00)'],
  ])('%s → %s', (instant, expected) => {
    // Act / Assess
    expect(atExpression(new Date(instant))).toBe(expected);
  });
});

describe('createSchedulerDelayedDeliveryFromEnv', () => {
  it('reads group, role and dead-letter ARN: every schedule dead-letters to the delayed-failures queue', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const fromEnv = createSchedulerDelayedDeliveryFromEnv(
      {
        LAMBDA_JOBS_SCHEDULER_GROUP: 'shop-delayed-jobs',
        LAMBDA_JOBS_SCHEDULER_ROLE_ARN: ROLE_ARN,
        LAMBDA_JOBS_SCHEDULER_DEAD_LETTER_ARN: DLQ_ARN,
      },
      new SchedulerClient({ region: 'eu-west-1' }),
    );

    // Act
    await fromEnv.schedule(JOB_ID, QUEUE_URL, '{}', new Date('2025-05-01T10:00:00Z'));
    await fromEnv.schedule(`${JOB_ID}#due-1`, QUEUE_URL, '{}', new Date('2025-05-02T10:00:00Z'));

    // Assess
    const targets = schedulerMock
      .commandCalls(CreateScheduleCommand)
      .map((call) => call.args[0].input.Target);
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(target).toMatchObject({ RoleArn: ROLE_ARN, DeadLetterConfig: { Arn: DLQ_ARN } });
    }
  });

  it('fails at cold start naming the missing variable', () => {
    // Act / Assess
    expect(() =>
      createSchedulerDelayedDeliveryFromEnv({ LAMBDA_JOBS_SCHEDULER_ROLE_ARN: ROLE_ARN }),
    ).toThrow(/LAMBDA_JOBS_SCHEDULER_GROUP/);
  });
});
