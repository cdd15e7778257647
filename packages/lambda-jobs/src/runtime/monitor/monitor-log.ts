/**
 * The monitor's log lines (Powertools Logger, JSON). Messages and field names are the contract
 * on-call, Logs Insights queries and metric filters rely on; they live here, in one place.
 *
 * | level    | message                                   | when                                      |
 * |----------|-------------------------------------------|-------------------------------------------|
 * | info     | `Job queue stats`                         | every run, every queue                    |
 * | critical | `Job backlog critical`                    | jobs_backlog ≥ critical, every run        |
 * | warn     | `Job backlog warning`                     | else jobs_backlog ≥ warning, every run    |
 * | critical | `Job oldest message age critical`         | oldest_age_seconds ≥ critical, every run  |
 * | warn     | `Job oldest message age warning`          | else ≥ warning, every run                 |
 * | warn     | `Job dead-letter queue warning`           | dlq_depth ≥ its threshold, every run      |
 * | warn     | `Job processing stalled`                  | backlog > 0, no completions in the window |
 * | info     | `Job processing paused`                   | backlog > 0 on a paused queue, every run  |
 * | info     | `Job backlog back below thresholds`       | once, when a queue returns under all      |
 * | info     | `Job processing recovered`                | once, when a stalled queue finishes jobs  |
 * |          |                                           | again or its backlog empties              |
 * | info     | `Job dead-letter queue back below threshold` | once, when dlq_depth drops under it    |
 * | error    | `Job queue stats unavailable`             | a read failed (field `source`)            |
 * | warn     | `Orphaned concurrency key released`       | the sweep released a key (field `reason`) |
 * | error    | `Orphaned concurrency key sweep failed`   | a key's check, or the index read, threw   |
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { QueueThresholds } from '../../config/config-types.ts';
import { type QueueEvaluation, thresholdFor } from './backlog-evaluation.ts';
import { BacklogLevel } from './monitor-ports.ts';

/**
 * The messages the monitor logs, for queries and tests.
 *
 * @example
 * ```ts
 * // Logs Insights: filter message = 'Job backlog critical' | stats count() by queue
 * logger.critical(MONITOR_LOG_MESSAGES.backlogCritical, { queue, jobs_backlog, threshold });
 * ```
 */
export const MONITOR_LOG_MESSAGES = {
  stats: 'Job queue stats',
  backlogCritical: 'Job backlog critical',
  backlogWarning: 'Job backlog warning',
  oldestAgeCritical: 'Job oldest message age critical',
  oldestAgeWarning: 'Job oldest message age warning',
  dlqWarning: 'Job dead-letter queue warning',
  stalled: 'Job processing stalled',
  paused: 'Job processing paused',
  returnedBelow: 'Job backlog back below thresholds',
  stalledCleared: 'Job processing recovered',
  dlqCleared: 'Job dead-letter queue back below threshold',
  readFailed: 'Job queue stats unavailable',
  jobLost: 'Job lost',
  lostRescued: 'Lost jobs rescued',
  rescueFailed: 'Lost-job rescue failed',
  deadLettered: 'Job dead-lettered by SQS',
  deadLetterDuplicate: 'Dead-lettered duplicate dropped',
  intakeFailed: 'Dead-letter intake failed',
  orphanedKeyReleased: 'Orphaned concurrency key released',
  orphanedKeySweepFailed: 'Orphaned concurrency key sweep failed',
  run: 'Job monitor run',
} as const;

/** What failed to read, in the `source` field of {@link MONITOR_LOG_MESSAGES.readFailed}. */
export type ReadSource = 'depth' | 'dlq-depth' | 'oldest-age' | 'completions' | 'state' | 'paused';

/**
 * The `Job queue stats` fields: counts, oldest age, DLQ depth, drain time and every threshold.
 * A field is left out (Powertools Logger drops undefined) when its read failed (an error line
 * says which), when there is no completion rate to estimate the drain time from, or when the
 * threshold is off.
 *
 * @example
 * ```ts
 * logger.info(MONITOR_LOG_MESSAGES.stats, queueStatsFields(evaluation, thresholds, 600));
 * ```
 */
export function queueStatsFields(
  evaluation: QueueEvaluation,
  thresholds: QueueThresholds,
  windowSeconds: number,
): Record<string, unknown> {
  const counts = evaluation.counts;
  return {
    queue: evaluation.queue,
    jobs_requested: counts?.jobsRequested,
    jobs_processing: counts?.jobsProcessing,
    jobs_delayed: counts?.jobsDelayed,
    jobs_backlog: counts?.jobsBacklog,
    oldest_age_seconds: evaluation.oldestAgeSeconds,
    dlq_depth: evaluation.dlqDepth,
    drain_seconds: evaluation.drainSeconds,
    jobs_completed: evaluation.completions,
    completion_window_seconds: windowSeconds,
    backlog_level: evaluation.level,
    backlog_warning: thresholds.backlog.warning,
    backlog_critical: thresholds.backlog.critical,
    oldest_age_seconds_warning: thresholds.oldestAgeSeconds.warning,
    oldest_age_seconds_critical: thresholds.oldestAgeSeconds.critical,
    dlq_depth_warning: thresholds.dlqDepth,
  };
}

/**
 * Writes every line one queue's evaluation calls for: the stats line, then the events.
 *
 * @example
 * ```ts
 * logQueueEvaluation(logger, evaluation, config.queues.default.thresholds, 600);
 * ```
 */
export function logQueueEvaluation(
  logger: Logger,
  evaluation: QueueEvaluation,
  thresholds: QueueThresholds,
  windowSeconds: number,
): void {
  const { queue, counts } = evaluation;
  logger.info(MONITOR_LOG_MESSAGES.stats, queueStatsFields(evaluation, thresholds, windowSeconds));

  if (counts && evaluation.backlogLevel !== undefined && evaluation.backlogLevel > 0) {
    const fields = {
      queue,
      jobs_backlog: counts.jobsBacklog,
      jobs_requested: counts.jobsRequested,
      jobs_processing: counts.jobsProcessing,
      threshold: thresholdFor(evaluation.backlogLevel, thresholds.backlog),
    };
    if (evaluation.backlogLevel === BacklogLevel.critical) {
      logger.critical(MONITOR_LOG_MESSAGES.backlogCritical, fields);
    } else {
      logger.warn(MONITOR_LOG_MESSAGES.backlogWarning, fields);
    }
  }

  if (
    evaluation.oldestAgeSeconds !== undefined &&
    evaluation.oldestAgeLevel !== undefined &&
    evaluation.oldestAgeLevel > 0
  ) {
    const fields = {
      queue,
      oldest_age_seconds: evaluation.oldestAgeSeconds,
      jobs_backlog: counts?.jobsBacklog,
      jobs_requested: counts?.jobsRequested,
      jobs_processing: counts?.jobsProcessing,
      threshold: thresholdFor(evaluation.oldestAgeLevel, thresholds.oldestAgeSeconds),
    };
    if (evaluation.oldestAgeLevel === BacklogLevel.critical) {
      logger.critical(MONITOR_LOG_MESSAGES.oldestAgeCritical, fields);
    } else {
      logger.warn(MONITOR_LOG_MESSAGES.oldestAgeWarning, fields);
    }
  }

  if (evaluation.dlqOverThreshold) {
    logger.warn(MONITOR_LOG_MESSAGES.dlqWarning, {
      queue,
      dlq_depth: evaluation.dlqDepth,
      threshold: thresholds.dlqDepth,
    });
  }

  if (evaluation.stalled && counts) {
    logger.warn(MONITOR_LOG_MESSAGES.stalled, {
      queue,
      jobs_backlog: counts.jobsBacklog,
      backlog_for_seconds: evaluation.backlogForSeconds,
      jobs_completed: 0,
      stalled_after_seconds: windowSeconds,
    });
  }

  if (evaluation.paused && counts && counts.jobsBacklog > 0) {
    logger.info(MONITOR_LOG_MESSAGES.paused, {
      queue,
      jobs_backlog: counts.jobsBacklog,
      backlog_for_seconds: evaluation.backlogForSeconds,
      resume: `lambda-jobs queues resume ${queue}`,
    });
  }

  if (evaluation.stalledCleared) {
    logger.info(MONITOR_LOG_MESSAGES.stalledCleared, {
      queue,
      jobs_backlog: counts?.jobsBacklog,
      jobs_completed: evaluation.completions,
      completion_window_seconds: windowSeconds,
    });
  }

  if (evaluation.dlqCleared) {
    logger.info(MONITOR_LOG_MESSAGES.dlqCleared, {
      queue,
      dlq_depth: evaluation.dlqDepth,
      threshold: thresholds.dlqDepth,
    });
  }

  if (evaluation.returnedBelow) {
    logger.info(MONITOR_LOG_MESSAGES.returnedBelow, {
      queue,
      previous_level: evaluation.previousLevel,
      jobs_backlog: counts?.jobsBacklog,
      oldest_age_seconds: evaluation.oldestAgeSeconds,
    });
  }
}

/**
 * Logs a failed read with the queue's name (or the queues a batched read covered).
 *
 * @example
 * ```ts
 * logReadFailure(logger, 'depth', error, { queue: 'default' });
 * ```
 */
export function logReadFailure(
  logger: Logger,
  source: ReadSource,
  error: unknown,
  where: { readonly queue: string } | { readonly queues: readonly string[] },
): void {
  logger.error(MONITOR_LOG_MESSAGES.readFailed, { ...where, source, error });
}
