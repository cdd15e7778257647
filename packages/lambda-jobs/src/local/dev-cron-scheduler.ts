import { ConfigError } from '../config/config-error.ts';
import type { ScheduleConfig } from '../config/config-types.ts';
import { nextFireTime, type ParsedCron, parseCron } from '../config/cron.ts';
import type { JobClient } from '../runtime/job-client.ts';
import type { JobRegistry } from '../runtime/registry.ts';
import { cronFiringJobId } from '../runtime/schedule-firing.ts';

/** Node timers take at most 2^31 − 1 ms; longer waits are split (the timer re-arms itself). */
const MAX_TIMER_MS = 2_147_483_647;

/** A pending timer; `cancel` stops it. */
export interface DevTimer {
  cancel(): void;
}

/** Starts a timer that calls `run` after `delayMs`. Tests inject one driven by their clock. */
export type SetDevTimer = (run: () => Promise<void>, delayMs: number) => DevTimer;

/** What one firing did. */
export interface CronFiring {
  readonly schedule: string;
  readonly job: string;
  readonly jobId: string;
  readonly scheduledAt: Date;
  /** `skipped`: the job's `shouldEnqueue` said no. `failed`: see `error`. */
  readonly outcome: 'enqueued' | 'skipped' | 'failed';
  readonly error?: Error;
}

export interface DevCronSchedulerOptions {
  /** The config's schedules (`config.schedules`). */
  readonly schedules: readonly ScheduleConfig[];
  readonly registry: JobRegistry;
  /** Enqueues each firing: validates the payload as any enqueue does. */
  readonly client: Pick<JobClient, 'enqueueByType'>;
  /** Default the system clock. */
  readonly now?: () => Date;
  /** One status line per firing. Default stderr. */
  readonly say?: (line: string) => void;
  /** Default `setTimeout`. */
  readonly setTimer?: SetDevTimer;
  /** Called after each firing (dev tools, tests). */
  readonly onFiring?: (firing: CronFiring) => void;
}

/** A running dev cron scheduler. */
export interface DevCronScheduler {
  /** The next firing time of each schedule, by name. */
  nextFirings(): ReadonlyMap<string, Date>;
  /** Cancels every timer and waits for firings under way. */
  stop(): Promise<void>;
}

const systemTimer: SetDevTimer = (run, delayMs) => {
  const handle = setTimeout(() => void run(), delayMs);
  return { cancel: () => clearTimeout(handle) };
};

/**
 * Fires the config's cron schedules in dev mode, as EventBridge Scheduler does when deployed:
 * each schedule at {@link nextFireTime} of its expression in its time zone, enqueueing its job
 * with its fixed payload (default `{}`) under the id `<name>-<scheduled time>` (e.g.
 * `nightly-2025-01-01T02:00:00Z`), the id a deployed firing gets. Like a deployed firing, it
 * takes no concurrency key. A firing that fails (a payload the job's schema refuses) is reported
 * with the schedule's name and the next one is still armed. A firing the machine slept through
 * fires once when it wakes; the ones in between are skipped, not caught up.
 *
 * @throws ConfigError when a schedule names a job type that is not registered.
 * @example
 * ```ts
 * const cron = startDevCronScheduler({ schedules: config.schedules, registry, client });
 * // …
 * await cron.stop();
 * ```
 */
export function startDevCronScheduler(options: DevCronSchedulerOptions): DevCronScheduler {
  const now = options.now ?? (() => new Date());
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const setTimer = options.setTimer ?? systemTimer;
  const unknown = options.schedules.flatMap((schedule, index) =>
    options.registry.find(schedule.job)
      ? []
      : [
          {
            field: `schedules[${index}].job`,
            value: schedule.job,
            rule: `schedule "${schedule.name}" names a job type that is not registered (${options.registry.types.join(', ') || 'none'})`,
          },
        ],
  );
  if (unknown.length > 0) throw new ConfigError(unknown);

  const timers = new Map<string, DevTimer>();
  const nextAt = new Map<string, Date>();
  const underWay = new Set<Promise<void>>();
  let stopped = false;

  function arm(schedule: ScheduleConfig, cron: ParsedCron, at: Date): void {
    if (stopped) return;
    nextAt.set(schedule.name, at);
    const delayMs = Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - now().getTime()));
    timers.set(
      schedule.name,
      setTimer(() => fire(schedule, cron, at), delayMs),
    );
  }

  async function enqueue(schedule: ScheduleConfig, scheduledAt: Date): Promise<void> {
    const jobId = cronFiringJobId(schedule.name, scheduledAt);
    const base = { schedule: schedule.name, job: schedule.job, jobId, scheduledAt };
    try {
      const id = await options.client.enqueueByType(schedule.job, schedule.payload ?? {}, {
        id: jobId,
        concurrencyKey: null,
      });
      options.onFiring?.({ ...base, outcome: id === null ? 'skipped' : 'enqueued' });
      say(
        id === null
          ? `Schedule "${schedule.name}": ${schedule.job} skipped by its shouldEnqueue`
          : `Schedule "${schedule.name}": enqueued ${schedule.job} as ${jobId}`,
      );
    } catch (error) {
      options.onFiring?.({ ...base, outcome: 'failed', error: error as Error });
      say(
        `Schedule "${schedule.name}" (job ${schedule.job}) did not enqueue ${jobId}: ${(error as Error).message}`,
      );
    }
  }

  async function fire(schedule: ScheduleConfig, cron: ParsedCron, scheduledAt: Date) {
    if (stopped) return;
    const at = now();
    if (at < scheduledAt) {
      // A long wait split into several timers, or a timer that ran early: wait on.
      arm(schedule, cron, scheduledAt);
      return;
    }
    // Arm the next firing first: a slow enqueue never delays it.
    arm(schedule, cron, nextFireTime(cron, at, schedule.timeZone ?? 'UTC'));
    const firing = enqueue(schedule, scheduledAt);
    underWay.add(firing);
    try {
      await firing;
    } finally {
      underWay.delete(firing);
    }
  }

  const start = now();
  for (const schedule of options.schedules) {
    const cron = parseCron(schedule.cron);
    arm(schedule, cron, nextFireTime(cron, start, schedule.timeZone ?? 'UTC'));
  }

  return {
    nextFirings: () => new Map(nextAt),
    async stop() {
      stopped = true;
      for (const timer of timers.values()) timer.cancel();
      timers.clear();
      await Promise.all(underWay);
    },
  };
}
