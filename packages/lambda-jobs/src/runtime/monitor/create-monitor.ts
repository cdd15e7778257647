/**
 * The backlog monitor: one run reads every queue, evaluates it against its thresholds, logs,
 * remembers levels, rescues lost jobs and publishes metrics. The EventBridge-scheduled Lambda
 * (`functions/monitor.ts`) and dev mode build it with different sources and run the same code.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { ConfigError } from '../../config/config-error.ts';
import type { LambdaJobsConfig } from '../../config/config-types.ts';
import { ENV, type QueueEndpoints } from '../../config/env.ts';
import { evaluateQueue, type QueueEvaluation, type QueueReading } from './backlog-evaluation.ts';
import { type DeadLetterIntakeDeps, drainDeadLetterIntake } from './dead-letter-intake.ts';
import { type LostJobRescueDeps, rescueLostJobs } from './lost-job-rescue.ts';
import { mapWithConcurrency } from './map-with-concurrency.ts';
import {
  logQueueEvaluation,
  logReadFailure,
  MONITOR_LOG_MESSAGES,
  type ReadSource,
} from './monitor-log.ts';
import { queueMetrics, runMetrics } from './monitor-metrics.ts';
import type {
  BacklogLevel,
  CompletionSource,
  MetricsSink,
  MonitoredQueue,
  MonitorMetric,
  MonitorStateStore,
  OldestAgeSource,
  PausedQueueSource,
  QueueDepthSource,
} from './monitor-ports.ts';
import type { OrphanKeySweep } from './orphan-key-sweep.ts';

/** Everything a monitor run needs, built once per cold start (or once per dev-mode session). */
export interface MonitorDeps {
  /** Queues with their thresholds, and the monitor settings. */
  readonly config: Pick<LambdaJobsConfig, 'queues' | 'monitor'>;
  /** Where each configured queue lives (env LAMBDA_JOBS_QUEUE_URLS, or dev mode's provisioning). */
  readonly queueUrls: Readonly<Record<string, QueueEndpoints>>;
  readonly depth: QueueDepthSource;
  readonly oldestAge: OldestAgeSource;
  readonly completions: CompletionSource;
  readonly state: MonitorStateStore;
  /** Which queues are paused (never reported stalled). Default: none is. */
  readonly paused?: PausedQueueSource;
  readonly metrics: MetricsSink;
  readonly rescue: LostJobRescueDeps;
  /**
   * The dead-letter intakes SQS's redrive moves each queue's messages to (queue name → URL),
   * and how to read them. A queue without an intake URL is skipped (a deployment from before
   * the intake existed).
   */
  readonly deadLetterIntake?: DeadLetterIntakeDeps & {
    readonly urls: Readonly<Record<string, string>>;
  };
  /** Releases orphaned concurrency keys once per run (`orphan-key-sweep.ts`). Default: none. */
  readonly orphanKeys?: OrphanKeySweep;
  readonly logger: Logger;
  /** The clock (tests move it). Default `new Date()`. */
  readonly now?: () => Date;
}

/** One queue in the run summary. */
export interface QueueRunSummary {
  readonly queue: string;
  readonly jobsBacklog?: number;
  readonly oldestAgeSeconds?: number;
  readonly dlqDepth?: number;
  readonly level?: BacklogLevel;
  readonly stalled?: boolean;
  readonly lostRescued?: number;
  /** Messages SQS dead-lettered on its own that this run reconciled and moved to the DLQ. */
  readonly deadLettered?: number;
}

/** What a run returns (and the Lambda returns): per queue, and the totals. */
export interface MonitorRunSummary {
  readonly at: string;
  readonly queues: readonly QueueRunSummary[];
  /** Queues not fully read or rescued this run (the MonitorQueueErrors metric). */
  readonly failedQueues: readonly string[];
  readonly lostRescued: number;
  /** Messages SQS dead-lettered on its own that this run reconciled and moved to the DLQ. */
  readonly deadLettered: number;
  /** Orphaned concurrency keys this run released (absent when the sweep is off or failed). */
  readonly keysReleased?: number;
}

export interface Monitor {
  /** One run. Never throws for a queue's failure: it is logged, counted and reported. */
  run(): Promise<MonitorRunSummary>;
}

type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

function monitoredQueues(deps: MonitorDeps): MonitoredQueue[] {
  const missing = Object.keys(deps.config.queues).filter((name) => !deps.queueUrls[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((name) => ({
        field: `env.${ENV.queueUrls}.${name}`,
        value: null,
        rule: `every configured queue needs its URLs (found: ${Object.keys(deps.queueUrls).join(', ') || 'none'})`,
      })),
    );
  }
  return Object.keys(deps.config.queues).map((name) => {
    const urls = deps.queueUrls[name] as QueueEndpoints;
    return {
      name,
      url: urls.url,
      dlqUrl: urls.dlqUrl,
      visibilityTimeoutSeconds: deps.config.queues[name]!.visibilityTimeoutSeconds,
    };
  });
}

/**
 * Builds the monitor. Throws {@link ConfigError} at once when a configured queue has no URLs.
 *
 * @example
 * ```ts
 * const monitor = createMonitor({
 *   config, queueUrls: readQueueUrls(),
 *   depth: createSqsQueueDepthSource(sqs),
 *   oldestAge: createCloudWatchOldestAgeSource({ client: cloudwatch }),
 *   completions: createCloudWatchCompletionSource({ client: cloudwatch, namespace, service }),
 *   state: createDynamoDbMonitorStateStore({ client: dynamodb, tableName }),
 *   metrics: createEmfMetricsSink(metrics),
 *   rescue: { store, keys, registry, transport: createSqsQueueTransport(sqs) },
 *   logger,
 * });
 * const summary = await monitor.run();
 * ```
 */
export function createMonitor(deps: MonitorDeps): Monitor {
  const queues = monitoredQueues(deps);
  const { logger, config } = deps;
  const windowSeconds = config.monitor.stalledAfterSeconds;
  const clock = deps.now ?? (() => new Date());
  const queueNames = queues.map((q) => q.name);

  async function evaluateOne(
    queue: MonitoredQueue,
    now: Date,
    ages: Promise<Settled<ReadonlyMap<string, number>>>,
    completions: Promise<Settled<ReadonlyMap<string, number>>>,
    paused: Promise<Settled<ReadonlySet<string>>>,
    failed: Set<string>,
  ): Promise<QueueEvaluation> {
    const [depth, dlq, previous, agesRead, completionsRead, pausedRead] = await Promise.all([
      settle(deps.depth.depth(queue.url)),
      settle(deps.depth.depth(queue.dlqUrl)),
      settle(deps.state.get(queue.name)),
      ages,
      completions,
      paused,
    ]);
    const fail = (source: ReadSource, error: unknown) => {
      failed.add(queue.name);
      logReadFailure(logger, source, error, { queue: queue.name });
    };
    if (!depth.ok) fail('depth', depth.error);
    if (!dlq.ok) fail('dlq-depth', dlq.error);
    if (!previous.ok) fail('state', previous.error);
    const age = agesRead.ok ? agesRead.value.get(queue.name) : undefined;
    const done = completionsRead.ok ? completionsRead.value.get(queue.name) : undefined;
    if (!agesRead.ok || !completionsRead.ok || !pausedRead.ok) failed.add(queue.name);

    const reading: QueueReading = {
      queue: queue.name,
      ...(depth.ok ? { depth: depth.value } : {}),
      ...(dlq.ok ? { dlqDepth: dlq.value.visible } : {}),
      ...(age === undefined ? {} : { oldestAgeSeconds: age }),
      ...(done === undefined ? {} : { completions: done }),
      // Unknown when the read failed: the stalled check then runs as if it were not paused.
      ...(pausedRead.ok ? { paused: pausedRead.value.has(queue.name) } : {}),
    };
    const thresholds = config.queues[queue.name]!.thresholds;
    const evaluation = evaluateQueue(reading, {
      thresholds,
      previous: previous.ok ? previous.value : undefined,
      previousKnown: previous.ok,
      stalledAfterSeconds: windowSeconds,
      now,
    });
    logQueueEvaluation(logger, evaluation, thresholds, windowSeconds);
    if (evaluation.nextState) {
      const saved = await settle(deps.state.put(queue.name, evaluation.nextState));
      if (!saved.ok) fail('state', saved.error);
    }
    return evaluation;
  }

  async function settleAndLog<T>(batched: Promise<T>, source: ReadSource): Promise<Settled<T>> {
    const result = await settle(batched);
    if (!result.ok) logReadFailure(logger, source, result.error, { queues: queueNames });
    return result;
  }

  async function rescueOne(queue: MonitoredQueue, now: Date, failed: Set<string>) {
    try {
      const result = await rescueLostJobs(
        deps.rescue,
        queue,
        now,
        config.monitor.lostGraceSeconds,
        logger,
      );
      if (result.failed > 0) failed.add(queue.name);
      return result.rescued.length;
    } catch (error) {
      failed.add(queue.name);
      logger.error(MONITOR_LOG_MESSAGES.rescueFailed, { queue: queue.name, error });
      return undefined;
    }
  }

  /** One queue's dead-letter intake; undefined when it has none or its pass failed. */
  async function drainOne(queue: MonitoredQueue, now: Date, failed: Set<string>) {
    const intakeUrl = deps.deadLetterIntake?.urls[queue.name];
    if (!deps.deadLetterIntake || intakeUrl === undefined) return undefined;
    try {
      const result = await drainDeadLetterIntake(
        deps.deadLetterIntake,
        { ...queue, intakeUrl, maxReceiveCount: config.queues[queue.name]!.maxReceiveCount },
        now,
        config.monitor.lostGraceSeconds,
        logger,
      );
      if (result.failed > 0) failed.add(queue.name);
      return result.deadLettered.length;
    } catch (error) {
      failed.add(queue.name);
      logger.error(MONITOR_LOG_MESSAGES.intakeFailed, { queue: queue.name, error });
      return undefined;
    }
  }

  /** The orphaned-key sweep; undefined when it is off or its index read failed. */
  async function sweepKeys(now: Date): Promise<number | undefined> {
    if (!deps.orphanKeys) return undefined;
    try {
      return (await deps.orphanKeys.sweep(now, logger)).released.length;
    } catch (error) {
      logger.error(MONITOR_LOG_MESSAGES.orphanedKeySweepFailed, { error });
      return undefined;
    }
  }

  return {
    async run() {
      const now = clock();
      const failed = new Set<string>();
      const started = performance.now();
      // Batched reads for all queues start now and run while the queues are read one by one.
      const ages = settleAndLog(deps.oldestAge.oldestAges(queues, now), 'oldest-age');
      const completions = settleAndLog(
        deps.completions.completions(queues, windowSeconds, now),
        'completions',
      );
      const paused: Promise<Settled<ReadonlySet<string>>> = deps.paused
        ? settleAndLog(deps.paused.pausedQueues(queues), 'paused')
        : Promise.resolve({ ok: true, value: new Set<string>() });

      const evaluations = await mapWithConcurrency(queues, config.monitor.concurrency, (queue) =>
        evaluateOne(queue, now, ages, completions, paused, failed),
      );
      // The intake first: a job whose message SQS dead-lettered ends ERRORED before this run's
      // sweep could rescue (and re-send) it. Across runs, conditional writes decide.
      const deadLettered = await mapWithConcurrency(queues, config.monitor.concurrency, (queue) =>
        drainOne(queue, now, failed),
      );
      const rescued = await mapWithConcurrency(queues, config.monitor.concurrency, (queue) =>
        rescueOne(queue, now, failed),
      );
      // After the rescue and the intake: the jobs they ended released their own keys.
      const keysReleased = await sweepKeys(now);

      const metrics: MonitorMetric[] = evaluations.flatMap((evaluation, i) =>
        queueMetrics(evaluation, rescued[i]),
      );
      metrics.push(...runMetrics(failed.size, keysReleased));
      try {
        await deps.metrics.publish(metrics);
      } catch (error) {
        logger.error('Monitor metrics not published', { error });
      }

      const lostRescued = rescued.reduce<number>((sum, n) => sum + (n ?? 0), 0);
      const deadLetteredTotal = deadLettered.reduce<number>((sum, n) => sum + (n ?? 0), 0);
      const failedQueues = queueNames.filter((name) => failed.has(name));
      logger.info(MONITOR_LOG_MESSAGES.run, {
        queues: queues.length,
        queue_errors: failedQueues.length,
        failed_queues: failedQueues,
        jobs_lost_rescued: lostRescued,
        jobs_dead_lettered: deadLetteredTotal,
        concurrency_keys_released: keysReleased,
        duration_ms: Math.round(performance.now() - started),
      });
      return {
        at: now.toISOString(),
        queues: evaluations.map((evaluation, i) => ({
          queue: evaluation.queue,
          ...(evaluation.counts ? { jobsBacklog: evaluation.counts.jobsBacklog } : {}),
          ...(evaluation.oldestAgeSeconds === undefined
            ? {}
            : { oldestAgeSeconds: evaluation.oldestAgeSeconds }),
          ...(evaluation.dlqDepth === undefined ? {} : { dlqDepth: evaluation.dlqDepth }),
          ...(evaluation.level === undefined ? {} : { level: evaluation.level }),
          ...(evaluation.stalled === undefined ? {} : { stalled: evaluation.stalled }),
          ...(rescued[i] === undefined ? {} : { lostRescued: rescued[i] }),
          ...(deadLettered[i] === undefined ? {} : { deadLettered: deadLettered[i] }),
        })),
        failedQueues,
        lostRescued,
        deadLettered: deadLetteredTotal,
        ...(keysReleased === undefined ? {} : { keysReleased }),
      };
    },
  };
}
