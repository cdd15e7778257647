import { resolveCircuitBreakers } from './circuit-breaker-config.ts';
import { ConfigError, type ConfigProblem } from './config-error.ts';
import type {
  LambdaJobsConfig,
  LambdaJobsConfigInput,
  LevelThresholds,
  QueueConfig,
  QueueConfigInput,
} from './config-types.ts';
import { DEFAULTS, recommendedVisibilityTimeoutSeconds } from './defaults.ts';
import { resolveLargePayloads } from './large-payloads.ts';
import { configProblems } from './validate-config.ts';

function pickLevels(
  override: LevelThresholds | undefined,
  warning: number | undefined,
  critical: number | undefined,
): LevelThresholds {
  return {
    warning: override?.warning ?? warning,
    critical: override?.critical ?? critical,
  };
}

function resolveQueue(
  name: string,
  input: QueueConfigInput,
  settings: NonNullable<LambdaJobsConfigInput['settings']>,
): QueueConfig {
  const functionTimeoutSeconds = input.functionTimeoutSeconds ?? DEFAULTS.functionTimeoutSeconds;
  const batchingWindowSeconds = input.batchingWindowSeconds ?? DEFAULTS.batchingWindowSeconds;
  return {
    name,
    batchSize: input.batchSize ?? DEFAULTS.batchSize,
    batchingWindowSeconds,
    maxConcurrency: input.maxConcurrency ?? DEFAULTS.maxConcurrency,
    provisionedPollers: input.provisionedPollers,
    functionTimeoutSeconds,
    functionMemoryMb: input.functionMemoryMb ?? DEFAULTS.functionMemoryMb,
    visibilityTimeoutSeconds:
      input.visibilityTimeoutSeconds ??
      recommendedVisibilityTimeoutSeconds(functionTimeoutSeconds, batchingWindowSeconds),
    maxReceiveCount:
      input.maxReceiveCount ??
      (input.fifo === true ? DEFAULTS.fifoMaxReceiveCount : DEFAULTS.maxReceiveCount),
    messageRetentionSeconds: input.messageRetentionSeconds ?? DEFAULTS.messageRetentionSeconds,
    indexShards: input.indexShards ?? DEFAULTS.indexShards,
    fifo: input.fifo ?? false,
    thresholds: {
      backlog: pickLevels(
        input.thresholds?.backlog,
        settings.JOBS_BACKLOG_WARNING,
        settings.JOBS_BACKLOG_CRITICAL,
      ),
      oldestAgeSeconds: pickLevels(
        input.thresholds?.oldestAgeSeconds,
        settings.JOBS_OLDEST_AGE_WARNING,
        settings.JOBS_OLDEST_AGE_CRITICAL,
      ),
      dlqDepth: input.thresholds?.dlqDepth ?? settings.JOBS_DLQ_WARNING ?? DEFAULTS.dlqWarning,
    },
  };
}

/**
 * The event source mapping rule the resolved config cannot show (`maxConcurrency` has a
 * default): a queue may not set both `provisionedPollers` and `maxConcurrency`.
 */
function provisionedWithMaxConcurrency(input: LambdaJobsConfigInput): ConfigProblem[] {
  return Object.entries(input.queues)
    .filter(([, queue]) => queue.provisionedPollers && queue.maxConcurrency !== undefined)
    .map(([name, queue]) => ({
      field: `queues.${name}.maxConcurrency`,
      value: queue.maxConcurrency,
      rule: 'cannot be combined with provisionedPollers: an SQS event source mapping in provisioned mode scales by its pollers (maximumPollers), not by maximum concurrency; remove one of the two',
    }));
}

/**
 * Applies defaults and validates. Throws {@link ConfigError} listing every problem, so a wrong
 * config fails `cdk synth` and cold start alike, with the field, the value and the rule.
 *
 * @example
 * ```ts
 * export const config = defineConfig({
 *   appName: 'shop',
 *   queues: { default: {}, reports: { functionTimeoutSeconds: 300 } },
 *   settings: { JOBS_BACKLOG_WARNING: 500, JOBS_BACKLOG_CRITICAL: 1000 },
 * });
 * ```
 */
export function defineConfig(input: LambdaJobsConfigInput): LambdaJobsConfig {
  const settings = input.settings ?? {};
  const queues: Record<string, QueueConfig> = {};
  for (const [name, queue] of Object.entries(input.queues)) {
    queues[name] = resolveQueue(name, queue, settings);
  }
  const config: LambdaJobsConfig = {
    appName: input.appName,
    registry: input.registry,
    queues,
    tracking: input.tracking ?? DEFAULTS.tracking,
    xrayTracing: input.xrayTracing ?? false,
    resultsRetentionSeconds: settings.JOBS_RESULTS_RETENTION ?? DEFAULTS.resultsRetentionSeconds,
    monitor: {
      everySeconds: settings.JOBS_MONITOR_EVERY ?? DEFAULTS.monitorEverySeconds,
      stalledAfterSeconds: settings.JOBS_STALLED_AFTER ?? DEFAULTS.stalledAfterSeconds,
      lostGraceSeconds: settings.JOBS_LOST_GRACE ?? DEFAULTS.lostGraceSeconds,
      concurrency: settings.JOBS_MONITOR_CONCURRENCY ?? DEFAULTS.monitorConcurrency,
      reservedConcurrency:
        settings.JOBS_MONITOR_RESERVED_CONCURRENCY === false
          ? 0
          : (settings.JOBS_MONITOR_RESERVED_CONCURRENCY ?? DEFAULTS.monitorReservedConcurrency),
    },
    alerting: {
      emails: input.alerting?.emails ?? [],
      slackChatbot: input.alerting?.slackChatbot,
      slackWebhookSecretName: input.alerting?.slackWebhookSecretName,
    },
    schedules: input.schedules ?? [],
    webhooks: {
      signingKeys: input.webhooks?.signingKeys ?? {},
      secretHeaders: input.webhooks?.secretHeaders ?? {},
    },
    outbound: { allow: input.outbound?.allow ?? [] },
    dev: {
      outboundAllow: input.dev?.outboundAllow ?? [],
      secretValues: input.dev?.secretValues ?? {},
    },
    encryption: { dataKey: input.encryption?.dataKey ?? 'aws-managed' },
    largePayloads: resolveLargePayloads(input.largePayloads),
    circuitBreakers: resolveCircuitBreakers(input.circuitBreakers),
  };
  const problems = [...provisionedWithMaxConcurrency(input), ...configProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
