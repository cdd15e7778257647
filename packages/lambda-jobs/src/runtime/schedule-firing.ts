/**
 * What one firing of a cron schedule (config `schedules`) becomes: a job of the schedule's type,
 * with its fixed payload, on the job type's queue, under an id made of the schedule's name and
 * the scheduled time. Deployed, EventBridge Scheduler writes that id itself
 * (`<name>-<aws.scheduler.scheduled-time>`, see `lib/job-schedules.ts`); dev mode writes it
 * with {@link cronFiringJobId}. Retried deliveries of one firing keep the id, so the worker's
 * claim runs the job once.
 */
import type { ConfigProblem } from '../config/config-error.ts';
import type { ScheduleConfig } from '../config/config-types.ts';
import { DEFAULT_QUEUE } from './job-definition.ts';
import { LIMITS } from './limits.ts';
import { payloadProblemNow } from './payload-schema.ts';
import type { JobRegistry } from './registry.ts';

/** Characters of EventBridge Scheduler's `<aws.scheduler.scheduled-time>`: `2025-01-01T09:00:00Z`. */
const SCHEDULED_TIME_LENGTH = 20;

/**
 * The job id of one firing: `<schedule name>-<scheduled time, UTC, whole seconds>`, exactly as
 * EventBridge Scheduler's `<aws.scheduler.scheduled-time>` writes the time.
 *
 * @example
 * ```ts
 * cronFiringJobId('nightly-report', new Date('2025-01-01T02:00:00.000Z'));
 * // 'nightly-report-2025-01-01T02:00:00Z'
 * ```
 */
export function cronFiringJobId(scheduleName: string, scheduledAt: Date): string {
  return `${scheduleName}-${scheduledAt.toISOString().slice(0, SCHEDULED_TIME_LENGTH - 1)}Z`;
}

/**
 * The queue of every registered job type, as plain data for the CDK app (`lib/` does not import
 * `runtime/`): `JobSchedules` targets each schedule's job at its queue with it.
 *
 * @example
 * ```ts
 * new JobSchedules(stack, 'Schedules', { …, jobQueueOf: jobQueueNames(registry) });
 * ```
 */
export function jobQueueNames(registry: JobRegistry): Record<string, string> {
  return Object.fromEntries(
    registry.types.map((type) => [type, registry.get(type).queue ?? DEFAULT_QUEUE]),
  );
}

/**
 * Problems between the schedules and the job definitions, for `cdk synth` and dev mode: each
 * schedule's job must be registered, its fixed payload must pass the job's schema (every firing
 * would otherwise end ERRORED in the DLQ), and its firing ids must fit the job id limit.
 * Synchronous, so a construct can run it: a schema that validates asynchronously is checked
 * at each firing instead.
 *
 * @example
 * ```ts
 * const problems = scheduleProblems(registry, config.schedules);
 * if (problems.length > 0) throw new ConfigError(problems);
 * ```
 */
export function scheduleProblems(
  registry: JobRegistry,
  schedules: readonly ScheduleConfig[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [index, schedule] of schedules.entries()) {
    const at = `schedules[${index}]`;
    const sampleId = cronFiringJobId(schedule.name, new Date(0));
    if (!LIMITS.jobIdPattern.test(sampleId)) {
      problems.push({
        field: `${at}.name`,
        value: schedule.name,
        rule: `firing job ids ("${sampleId}") must be 1–128 characters of A-Z a-z 0-9 _ - : .`,
      });
    }
    const definition = registry.find(schedule.job);
    if (!definition) {
      problems.push({
        field: `${at}.job`,
        value: schedule.job,
        rule: `schedule "${schedule.name}" names a job type that is not registered (${registry.types.join(', ') || 'none'})`,
      });
      continue;
    }
    const payloadProblem = payloadProblemNow(definition.type, definition.schema, schedule.payload);
    if (payloadProblem) {
      problems.push({
        field: `${at}.payload`,
        value: schedule.payload ?? {},
        rule: `schedule "${schedule.name}": ${payloadProblem}`,
      });
    }
  }
  return problems;
}
