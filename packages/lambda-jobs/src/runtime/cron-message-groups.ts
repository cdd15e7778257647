import type { ScheduleConfig } from '../config/config-types.ts';
import { checkGroupKey } from './message-group.ts';
import type { JobRegistry } from './registry.ts';

/**
 * The message group of each cron schedule's firings, by schedule name, for schedules whose
 * job goes to a FIFO queue: the job type's `groupKey` of the schedule's fixed payload, else the
 * job type (as at enqueue, `runtime/message-group.ts`). Schedules of unknown job types are left
 * out (the synth checks refuse them).
 *
 * @throws JobInputError when a `groupKey` gives a value SQS would refuse.
 * @example
 * ```ts
 * cronMessageGroups(registry, [{ name: 'nightly', job: 'reconcile', cron: '@daily' }]);
 * // { nightly: 'reconcile' }
 * ```
 */
export function cronMessageGroups(
  registry: JobRegistry,
  schedules: readonly ScheduleConfig[],
): Record<string, string> {
  const groups: Record<string, string> = {};
  for (const schedule of schedules) {
    const definition = registry.find(schedule.job);
    if (!definition) continue;
    groups[schedule.name] = definition.groupKey
      ? checkGroupKey('groupKey', definition.groupKey(schedule.payload ?? {}))
      : definition.type;
  }
  return groups;
}
