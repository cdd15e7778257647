import type { ConfigProblem } from './config-error.ts';
import type {
  LambdaJobsConfig,
  LevelThresholds,
  QueueConfig,
  ScheduleConfig,
} from './config-types.ts';
import { CronExpressionError, isValidTimeZone, toSchedulerExpression } from './cron.ts';
import { DEFAULTS, recommendedVisibilityTimeoutSeconds } from './defaults.ts';

/** Lowercase letters, digits, dashes; used as a prefix of SQS, Lambda and DynamoDB names. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;
/** Queue names become `${appName}-${name}-dlq`, well inside SQS's 80 characters. */
export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Schedule names become EventBridge Scheduler names (64 characters at most with the prefix). */
export const SCHEDULE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,35}$/;

function integerIn(
  problems: ConfigProblem[],
  field: string,
  value: number | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push({ field, value, rule: `must be a whole number from ${min} to ${max}` });
  }
}

function levelPair(problems: ConfigProblem[], field: string, pair: LevelThresholds): void {
  integerIn(problems, `${field}.warning`, pair.warning, 1, Number.MAX_SAFE_INTEGER);
  integerIn(problems, `${field}.critical`, pair.critical, 1, Number.MAX_SAFE_INTEGER);
  if (pair.warning !== undefined && pair.critical !== undefined && pair.warning >= pair.critical) {
    problems.push({
      field: `${field}.warning`,
      value: pair.warning,
      rule: `must be below ${field}.critical (${pair.critical})`,
    });
  }
}

/** Checks one queue: AWS limits, the visibility-timeout rule and threshold ordering. */
export function queueProblems(queue: QueueConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = `queues.${queue.name}`;
  if (!QUEUE_NAME_PATTERN.test(queue.name)) {
    problems.push({
      field: at,
      value: queue.name,
      rule: 'queue names use lowercase letters, digits, "-" and "_", 1–40 characters',
    });
  }
  integerIn(problems, `${at}.batchSize`, queue.batchSize, 1, 10_000);
  integerIn(problems, `${at}.batchingWindowSeconds`, queue.batchingWindowSeconds, 0, 300);
  if (queue.batchSize > 10 && queue.batchingWindowSeconds < 1) {
    problems.push({
      field: `${at}.batchingWindowSeconds`,
      value: queue.batchingWindowSeconds,
      rule: `must be at least 1 when batchSize (${queue.batchSize}) is above 10 (an SQS event source rule)`,
    });
  }
  integerIn(problems, `${at}.maxConcurrency`, queue.maxConcurrency, 2, 1000);
  integerIn(problems, `${at}.functionTimeoutSeconds`, queue.functionTimeoutSeconds, 1, 900);
  integerIn(problems, `${at}.functionMemoryMb`, queue.functionMemoryMb, 128, 10_240);
  integerIn(problems, `${at}.maxReceiveCount`, queue.maxReceiveCount, 1, 1000);
  integerIn(
    problems,
    `${at}.messageRetentionSeconds`,
    queue.messageRetentionSeconds,
    60,
    1_209_600,
  );
  integerIn(problems, `${at}.visibilityTimeoutSeconds`, queue.visibilityTimeoutSeconds, 0, 43_200);
  const minimum = recommendedVisibilityTimeoutSeconds(
    queue.functionTimeoutSeconds,
    queue.batchingWindowSeconds,
  );
  if (queue.visibilityTimeoutSeconds < minimum) {
    problems.push({
      field: `${at}.visibilityTimeoutSeconds`,
      value: queue.visibilityTimeoutSeconds,
      rule: `must be at least 6 × functionTimeoutSeconds (${queue.functionTimeoutSeconds}) + batchingWindowSeconds (${queue.batchingWindowSeconds}) = ${minimum}`,
    });
  }
  levelPair(problems, `${at}.thresholds.backlog`, queue.thresholds.backlog);
  levelPair(problems, `${at}.thresholds.oldestAgeSeconds`, queue.thresholds.oldestAgeSeconds);
  integerIn(
    problems,
    `${at}.thresholds.dlqDepth`,
    queue.thresholds.dlqDepth,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  return problems;
}

function scheduleProblems(schedule: ScheduleConfig, index: number): ConfigProblem[] {
  const at = `schedules[${index}]`;
  const problems: ConfigProblem[] = [];
  if (!SCHEDULE_NAME_PATTERN.test(schedule.name)) {
    problems.push({
      field: `${at}.name`,
      value: schedule.name,
      rule: 'letters, digits, ".", "-" and "_", 1–36 characters, starting with a letter or digit',
    });
  }
  if (typeof schedule.job !== 'string' || schedule.job === '') {
    problems.push({
      field: `${at}.job`,
      value: schedule.job,
      rule: 'must name a registered job type',
    });
  }
  if (typeof schedule.cron !== 'string' || schedule.cron.trim() === '') {
    problems.push({ field: `${at}.cron`, value: schedule.cron, rule: 'must be a cron expression' });
  } else {
    try {
      toSchedulerExpression(schedule.cron);
    } catch (error) {
      if (!(error instanceof CronExpressionError)) throw error;
      problems.push({ field: `${at}.cron`, value: schedule.cron, rule: error.reason });
    }
  }
  if (schedule.timeZone !== undefined && !isValidTimeZone(schedule.timeZone)) {
    problems.push({
      field: `${at}.timeZone`,
      value: schedule.timeZone,
      rule: 'must be an IANA time zone name, e.g. UTC or Europe/Paris',
    });
  }
  return problems;
}

/**
 * Every problem in a resolved configuration; empty when it is valid. Checks that need the job
 * definitions (job timeouts, retries) are made where both are known: `bin/app.ts` and the worker.
 */
export function configProblems(config: LambdaJobsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!APP_NAME_PATTERN.test(config.appName)) {
    problems.push({
      field: 'appName',
      value: config.appName,
      rule: 'lowercase letters, digits and "-", 1–24 characters, starting with a letter',
    });
  }
  if (Object.keys(config.queues).length === 0) {
    problems.push({ field: 'queues', value: {}, rule: 'at least one queue must be configured' });
  }
  for (const queue of Object.values(config.queues)) problems.push(...queueProblems(queue));
  integerIn(
    problems,
    'settings.JOBS_RESULTS_RETENTION',
    config.resultsRetentionSeconds,
    60,
    31_536_000,
  );
  integerIn(problems, 'settings.JOBS_MONITOR_EVERY', config.monitor.everySeconds, 60, 86_400);
  if (config.monitor.everySeconds % 60 !== 0) {
    problems.push({
      field: 'settings.JOBS_MONITOR_EVERY',
      value: config.monitor.everySeconds,
      rule: 'must be a whole number of minutes (EventBridge schedules run at most once a minute)',
    });
  }
  integerIn(
    problems,
    'settings.JOBS_STALLED_AFTER',
    config.monitor.stalledAfterSeconds,
    60,
    86_400,
  );
  integerIn(problems, 'settings.JOBS_LOST_GRACE', config.monitor.lostGraceSeconds, 0, 86_400);
  integerIn(problems, 'settings.JOBS_MONITOR_CONCURRENCY', config.monitor.concurrency, 1, 100);
  const names = new Set<string>();
  config.schedules.forEach((schedule, index) => {
    problems.push(...scheduleProblems(schedule, index));
    if (names.has(schedule.name)) {
      problems.push({
        field: `schedules[${index}].name`,
        value: schedule.name,
        rule: 'must be unique',
      });
    }
    names.add(schedule.name);
  });
  return problems;
}

/**
 * Rules a deployed configuration keeps on top of {@link configProblems}: JOBS_LOST_GRACE of at
 * least `DEFAULTS.lostGraceFloorSeconds` (10 s). Checked at synth (`lib/synth-checks.ts`) and at
 * each function's cold start ({@link assertDeployedConfig}); in-process tests on the emulators
 * may use less to see LOST quickly.
 *
 * @example
 * ```ts
 * deployedConfigProblems(defineConfig({ ..., settings: { JOBS_LOST_GRACE: 0 } }));
 * // [{ field: 'settings.JOBS_LOST_GRACE', value: 0, rule: 'must be at least 10 s …' }]
 * ```
 */
export function deployedConfigProblems(config: LambdaJobsConfig): ConfigProblem[] {
  const grace = config.monitor.lostGraceSeconds;
  if (grace >= DEFAULTS.lostGraceFloorSeconds) return [];
  return [
    {
      field: 'settings.JOBS_LOST_GRACE',
      value: grace,
      rule: `must be at least ${DEFAULTS.lostGraceFloorSeconds} s in a deployment: a timed-out attempt writes its own outcome after its deadline, and with less grace the monitor can mark it LOST first`,
    },
  ];
}
