import ipaddr from 'ipaddr.js';
import { circuitBreakerProblems } from './circuit-breaker-config.ts';
import type { ConfigProblem } from './config-error.ts';
import type {
  LambdaJobsConfig,
  LevelThresholds,
  QueueConfig,
  ScheduleConfig,
  WebhooksConfig,
} from './config-types.ts';
import { CronExpressionError, isValidTimeZone, toSchedulerExpression } from './cron.ts';
import { DEFAULTS, recommendedVisibilityTimeoutSeconds } from './defaults.ts';
import { fifoQueueProblems } from './fifo-queue-rules.ts';
import { largePayloadProblems } from './large-payloads.ts';

/** Lowercase letters, digits, dashes; used as a prefix of SQS, Lambda and DynamoDB names. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;
/** Queue names become `${appName}-${name}-dlq`, well inside SQS's 80 characters. */
export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Schedule names become EventBridge Scheduler names (64 characters at most with the prefix). */
export const SCHEDULE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,35}$/;

/** Ids of signing keys and secret headers, as a payload names them. */
export const WEBHOOK_KEY_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** A Secrets Manager secret name, or a full secret ARN. */
const SECRET_NAME_PATTERN =
  /^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+)$/;
/** A host name as `outbound.allow` lists it: lowercase, no port. */
const HOST_NAME_PATTERN =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** True when `entry` is a CIDR block or a single IPv4/IPv6 address. */
function isAddressOrCidr(entry: string): boolean {
  return ipaddr.isValidCIDR(entry) || ipaddr.isValid(entry);
}

function destinationProblems(field: string, destinations: readonly string[]): ConfigProblem[] {
  if (!Array.isArray(destinations) || destinations.length === 0) {
    return [{ field, value: destinations, rule: 'must list at least one URL prefix' }];
  }
  return destinations.flatMap((destination, index) => {
    let url: URL | undefined;
    try {
      url = new URL(destination);
    } catch {
      url = undefined;
    }
    const valid =
      url !== undefined &&
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.username === '' &&
      url.password === '' &&
      url.search === '' &&
      url.hash === '';
    return valid
      ? []
      : [
          {
            field: `${field}[${index}]`,
            value: destination,
            rule: 'must be an http(s) URL prefix without credentials, query or fragment, e.g. https://b.example.com/hooks/',
          },
        ];
  });
}

function secretNameProblems(field: string, name: unknown): ConfigProblem[] {
  return typeof name === 'string' && SECRET_NAME_PATTERN.test(name)
    ? []
    : [{ field, value: name, rule: 'must be a Secrets Manager secret name or full secret ARN' }];
}

/** Checks the webhook signing keys and secret headers. */
function webhookProblems(webhooks: WebhooksConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [id, key] of Object.entries(webhooks.signingKeys)) {
    const at = `webhooks.signingKeys.${id}`;
    if (!WEBHOOK_KEY_ID_PATTERN.test(id)) {
      problems.push({
        field: at,
        value: id,
        rule: 'key ids use letters, digits, "-" and "_", 1–64 characters, starting with a letter',
      });
    }
    problems.push(...secretNameProblems(`${at}.secret`, key.secret));
    const previous = key.previousSecrets ?? [];
    if (previous.length > 2) {
      problems.push({
        field: `${at}.previousSecrets`,
        value: previous,
        rule: 'at most 2 previous secrets',
      });
    }
    previous.forEach((name, index) => {
      problems.push(...secretNameProblems(`${at}.previousSecrets[${index}]`, name));
    });
    problems.push(...destinationProblems(`${at}.destinations`, key.destinations));
  }
  for (const [id, header] of Object.entries(webhooks.secretHeaders)) {
    const at = `webhooks.secretHeaders.${id}`;
    if (!WEBHOOK_KEY_ID_PATTERN.test(id)) {
      problems.push({
        field: at,
        value: id,
        rule: 'secret header ids use letters, digits, "-" and "_", 1–64 characters, starting with a letter',
      });
    }
    problems.push(...secretNameProblems(`${at}.secret`, header.secret));
    problems.push(...destinationProblems(`${at}.destinations`, header.destinations));
  }
  return problems;
}

/** `base` or `base:port` / `[v6 base]:port`, where base is a host name, address or CIDR block. */
function isAllowEntry(entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  const withPort = /^\[([^\]]+)\]:(\d{1,5})$/.exec(entry) ?? /^([^:]+):(\d{1,5})$/.exec(entry);
  const base = withPort ? withPort[1]! : entry;
  if (withPort && (Number(withPort[2]) < 1 || Number(withPort[2]) > 65_535)) return false;
  return isAddressOrCidr(base) || HOST_NAME_PATTERN.test(base);
}

function allowListProblems(field: string, entries: readonly string[]): ConfigProblem[] {
  return entries.flatMap((entry, index) =>
    isAllowEntry(entry)
      ? []
      : [
          {
            field: `${field}[${index}]`,
            value: entry,
            rule: 'must be a lowercase host name, an IP address or a CIDR block, optionally with :port, e.g. 10.1.0.0/16 or 127.0.0.1:8080',
          },
        ],
  );
}

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

/**
 * Names whose SQS queue would be one the deployment already makes: another queue's DLQ
 * (`<q>-dlq`) or dead-letter intake (`<q>-dlq-intake`), the delayed-failures queue, the monitor
 * schedule's DLQ (`monitor-schedule` would get it as its own DLQ name).
 */
function takenQueueNameRule(name: string): string | undefined {
  if (/-dlq(-intake)?$/.test(name)) {
    return 'a queue name may not end in "-dlq" or "-dlq-intake": those names belong to each queue\'s dead-letter queues';
  }
  if (
    name === 'delayed-failures' ||
    name === 'monitor-schedule' ||
    name === 'monitor-schedule-dlq'
  ) {
    return `"${name}" names a queue the deployment makes itself; choose another name`;
  }
  return undefined;
}

/** Most write shards per queue of the `byQueueStatus` index: a list reads every one. */
const MAX_INDEX_SHARDS = 256;

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
  const taken = takenQueueNameRule(queue.name);
  if (taken) problems.push({ field: at, value: queue.name, rule: taken });
  integerIn(problems, `${at}.batchSize`, queue.batchSize, 1, 10_000);
  integerIn(problems, `${at}.batchingWindowSeconds`, queue.batchingWindowSeconds, 0, 300);
  if (queue.batchSize > 10 && queue.batchingWindowSeconds < 1) {
    problems.push({
      field: `${at}.batchingWindowSeconds`,
      value: queue.batchingWindowSeconds,
      rule: `must be at least 1 when batchSize (${queue.batchSize}) is above 10 (an SQS event source rule)`,
    });
  }
  problems.push(...fifoQueueProblems(queue));
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
  integerIn(problems, `${at}.indexShards`, queue.indexShards, 1, MAX_INDEX_SHARDS);
  if (queue.provisionedPollers) {
    const { minimumPollers, maximumPollers } = queue.provisionedPollers;
    integerIn(problems, `${at}.provisionedPollers.minimumPollers`, minimumPollers, 2, 200);
    integerIn(problems, `${at}.provisionedPollers.maximumPollers`, maximumPollers, 2, 2000);
    if (minimumPollers > maximumPollers) {
      problems.push({
        field: `${at}.provisionedPollers.minimumPollers`,
        value: minimumPollers,
        rule: `must be at most maximumPollers (${maximumPollers})`,
      });
    }
  }
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

/** `./src/jobs/index.ts`: relative, no `..` segment, a module a bundler and tsx both load. */
const REGISTRY_PATH_PATTERN =
  /^(?:\.\/)?(?![/\\])(?!(?:.*[/\\])?\.\.(?:[/\\]|$))[^\0:]+\.(?:ts|mts|js|mjs)$/;

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
  if (config.registry !== undefined && !REGISTRY_PATH_PATTERN.test(config.registry)) {
    problems.push({
      field: 'registry',
      value: config.registry,
      rule: 'a relative path to a .ts, .mts, .js or .mjs module inside the project, e.g. "./src/jobs/index.ts"',
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
  if (
    typeof config.monitor.reservedConcurrency !== 'number' ||
    !Number.isInteger(config.monitor.reservedConcurrency) ||
    config.monitor.reservedConcurrency < 0 ||
    config.monitor.reservedConcurrency > 10
  ) {
    problems.push({
      field: 'settings.JOBS_MONITOR_RESERVED_CONCURRENCY',
      value: config.monitor.reservedConcurrency,
      rule: 'must be a whole number from 1 to 10 (concurrent executions reserved for the monitor), or 0 or false for none',
    });
  }
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
  problems.push(...webhookProblems(config.webhooks));
  problems.push(...allowListProblems('outbound.allow', config.outbound.allow));
  problems.push(...allowListProblems('dev.outboundAllow', config.dev.outboundAllow));
  if (
    config.encryption.dataKey !== 'aws-managed' &&
    config.encryption.dataKey !== 'customer-managed'
  ) {
    problems.push({
      field: 'encryption.dataKey',
      value: config.encryption.dataKey,
      rule: 'must be "aws-managed" or "customer-managed"',
    });
  }
  if (config.largePayloads) problems.push(...largePayloadProblems(config.largePayloads));
  problems.push(...circuitBreakerProblems(config.circuitBreakers));
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
