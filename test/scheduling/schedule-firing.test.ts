import { describe, expect, it } from 'vitest';
import {
  cronFiringJobId,
  jobQueueNames,
  scheduleProblems,
} from '../../packages/lambda-jobs/src/runtime/schedule-firing.ts';
import { testRegistry } from '../support/test-jobs.ts';

describe('cronFiringJobId', () => {
  it.each([
    ['nightly', '2025-01-01T02:00:00.000Z', 'nightly-2025-01-01T02:00:00Z'],
    ['every.minute', '2030-12-31T23:59:00.999Z', 'every.minute-2030-12-31T23:59:00Z'],
  ])('names a firing of %s at %s as EventBridge Scheduler does: %s', (name, at, expected) => {
    // Act
    const id = cronFiringJobId(name, new Date(at));

    // Assess
    expect(id).toBe(expected);
  });
});

describe('jobQueueNames', () => {
  it('gives every registered job type its queue, `default` when it names none', () => {
    // Act
    const queues = jobQueueNames(testRegistry);

    // Assess
    expect(Object.keys(queues).sort()).toEqual([...testRegistry.types].sort());
    expect(queues.echo).toBe('default');
  });
});

describe('scheduleProblems', () => {
  it('finds nothing in schedules of registered jobs with valid payloads', async () => {
    // Act
    const problems = await scheduleProblems(testRegistry, [
      { name: 'tick', job: 'echo', cron: '* * * * *', payload: { n: 1 } },
      { name: 'cleanup', job: 'unrecoverable', cron: '@daily' },
    ]);

    // Assess
    expect(problems).toEqual([]);
  });

  it('names the schedule whose job is not registered', async () => {
    // Act
    const problems = await scheduleProblems(testRegistry, [
      { name: 'cleanup', job: 'purge-carts', cron: '@daily' },
    ]);

    // Assess
    expect(problems).toEqual([
      {
        field: 'schedules[0].job',
        value: 'purge-carts',
        rule: expect.stringContaining('schedule "cleanup" names a job type that is not registered'),
      },
    ]);
  });

  it('names the schedule whose fixed payload the job refuses, and the field', async () => {
    // Act
    const problems = await scheduleProblems(testRegistry, [
      { name: 'tick', job: 'echo', cron: '* * * * *' },
    ]);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'schedules[0].payload', value: {} });
    expect(problems[0]!.rule).toMatch(
      /^schedule "tick": Payload for job type "echo" is invalid: n: /,
    );
  });
});
