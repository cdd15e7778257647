/**
 * `doctor`'s judgement, free of I/O: from what was measured on a target (queue overviews, queue
 * settings, overdue jobs, the monitor's last run, alarms in ALARM) and the config, the findings
 * an operator should read, in plain language, worst first.
 *
 * - `problem`: something is wrong now (dead letters, a critical backlog, processing stalled, an
 *   alarm, a worker that will refuse to start, a queue missing).
 * - `warning`: likely to hurt (a backlog over its warning, settings against AWS guidance, a
 *   monitor that has gone quiet, jobs stuck RUNNING).
 * - `info`: worth knowing, nothing to do.
 *
 * Anything but `info` means the target needs attention (doctor exits 1).
 */
import { RUNBOOKS, runbookPath } from '../../config/alarm-descriptions.ts';
import type { LambdaJobsConfig } from '../../config/config-types.ts';
import type { CircuitView } from '../circuit/circuit-admin.ts';
import { circuitFindings } from '../circuit/circuit-findings.ts';
import { jobConfigProblems } from '../job-config-checks.ts';
import { DEFAULT_QUEUE } from '../job-definition.ts';
import { levelFor } from '../monitor/backlog-evaluation.ts';
import { BacklogLevel } from '../monitor/monitor-ports.ts';
import type { JobRegistry } from '../registry.ts';
import type { EventSourceState, FiringAlarm } from './admin-ports.ts';
import type { QueueOverview } from './jobs-admin.ts';
import type { QueueSettingsPair } from './jobs-admin-service.ts';
import { isPausedSource, pausedQueues } from './queue-consumption.ts';

export type FindingLevel = 'problem' | 'warning' | 'info';

/** One thing doctor says. */
export interface Finding {
  readonly level: FindingLevel;
  /** The configured queue it is about; absent for the whole target. */
  readonly queue?: string;
  readonly message: string;
}

/** What was measured on the target. A field left undefined was not measured. */
export interface HealthFacts {
  readonly config: LambdaJobsConfig;
  readonly registry: JobRegistry;
  readonly targetKind: 'dev' | 'stack';
  readonly overviews: readonly QueueOverview[];
  /** Per queue: its settings, or the error reading them. */
  readonly settings: ReadonlyMap<string, QueueSettingsPair | Error>;
  /** Per queue: RUNNING records past deadline + grace. */
  readonly overdue: ReadonlyMap<string, number>;
  /** When the monitor last ran: a Date, undefined (no sign of a run), or 'unknown' (cannot tell). */
  readonly monitorLastRun: Date | undefined | 'unknown';
  /** Alarms in ALARM; undefined when the target has none to check (dev mode). */
  readonly alarms: readonly FiringAlarm[] | undefined;
  /** The workers' event sources; undefined when they could not be read (see notChecked). */
  readonly eventSources: readonly EventSourceState[] | undefined;
  /**
   * Per queue: jobs finished and attempts retried over the monitor's stalled window, from the
   * workers' counters; undefined when they could not be read (see notChecked).
   */
  readonly activity?: ReadonlyMap<string, QueueActivity>;
  /** Checks that could not be made, with the reason (reported as info). */
  readonly notChecked: readonly string[];
  readonly now: Date;
  /** The job types' circuits; undefined when not read (see notChecked). */
  readonly circuits?: readonly CircuitView[];
}

/** What the workers' counters say one queue did over the stalled window. */
export interface QueueActivity {
  /** Jobs that succeeded or errored for good: what the monitor's stalled check counts. */
  readonly finished: number;
  /** Attempts that failed and were sent back to run again. */
  readonly retried: number;
  readonly windowSeconds: number;
}

const ORDER: Readonly<Record<FindingLevel, number>> = { problem: 0, warning: 1, info: 2 };

/**
 * True when any finding needs attention (anything but info).
 *
 * @example `needsAttention([{ level: 'info', message: 'ok' }]) === false`
 */
export function needsAttention(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.level !== 'info');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function queueFindings(overview: QueueOverview, out: Finding[]): void {
  const queue = overview.name;
  const { thresholds } = overview;
  const dlqThreshold = thresholds.dlqDepth;
  if (overview.dlqDepth > 0) {
    const over = dlqThreshold === undefined || overview.dlqDepth >= dlqThreshold;
    out.push({
      level: over ? 'problem' : 'info',
      queue,
      message: `${plural(overview.dlqDepth, 'message')} in the dead-letter queue: jobs that failed for good or could not be read. Look with \`lambda-jobs dlq ls ${queue}\`, fix the cause, then \`dlq redrive ${queue}\` (or \`dlq purge ${queue}\`).`,
    });
  }
  const backlogLevel = levelFor(overview.backlog, thresholds.backlog);
  if (backlogLevel !== BacklogLevel.ok) {
    const critical = backlogLevel === BacklogLevel.critical;
    const threshold = critical ? thresholds.backlog.critical : thresholds.backlog.warning;
    out.push({
      level: critical ? 'problem' : 'warning',
      queue,
      message: `Backlog is ${overview.backlog} (${overview.visible} waiting, ${overview.delayed} delayed, ${overview.inFlight} running), at or above its ${critical ? 'critical' : 'warning'} threshold ${threshold}. Workers are not keeping up: see docs/runbooks/job-queue-backlog.md.`,
    });
  }
  if (overview.oldestAgeSeconds === undefined) {
    out.push({ level: 'info', queue, message: 'Oldest-message age could not be read.' });
  } else {
    const ageLevel = levelFor(overview.oldestAgeSeconds, thresholds.oldestAgeSeconds);
    if (ageLevel !== BacklogLevel.ok) {
      const critical = ageLevel === BacklogLevel.critical;
      const threshold = critical
        ? thresholds.oldestAgeSeconds.critical
        : thresholds.oldestAgeSeconds.warning;
      out.push({
        level: critical ? 'problem' : 'warning',
        queue,
        message: `The oldest message has waited ${overview.oldestAgeSeconds} s, at or above the ${critical ? 'critical' : 'warning'} threshold of ${threshold} s: see docs/runbooks/job-oldest-message-age.md.`,
      });
    }
  }
}

/**
 * Backlog and nothing finished over the window: stalled. With retries in the window every
 * attempt is failing fast and going back to the queue (the message is sent again, so its age
 * stays young: the age cannot tell). Without retries, a backlog younger than the window (its
 * oldest message, when known) has not had the time to stall.
 */
function stalledFindings(
  overview: QueueOverview,
  activity: QueueActivity | undefined,
  paused: boolean,
  out: Finding[],
): void {
  // A paused queue is not stalled: its event source finding says "Paused" and how to resume.
  if (!activity || paused || overview.backlog === 0 || activity.finished > 0) return;
  const failingFast = activity.retried > 0;
  if (
    !failingFast &&
    overview.oldestAgeSeconds !== undefined &&
    overview.oldestAgeSeconds < activity.windowSeconds
  ) {
    return;
  }
  const window = formatWindow(activity.windowSeconds);
  const runbook = runbookPath(RUNBOOKS.stalled);
  out.push({
    level: 'problem',
    queue: overview.name,
    message: failingFast
      ? `Processing has stalled: backlog ${overview.backlog} and no job finished in the last ${window}, while ${plural(activity.retried, 'attempt')} failed and went back to the queue. Every attempt is failing fast and retrying: see "Every attempt fails fast and retries" in ${runbook}.`
      : `Processing has stalled: backlog ${overview.backlog} and no job finished (succeeded or errored) in the last ${window}. See ${runbook}.`,
  });
}

function formatWindow(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

function settingsFindings(
  queue: string,
  settings: QueueSettingsPair,
  facts: HealthFacts,
  out: Finding[],
): void {
  const config = facts.config.queues[queue];
  if (!config) return;
  const visibility = settings.queue.visibilityTimeoutSeconds;
  const advised = 6 * config.functionTimeoutSeconds + config.batchingWindowSeconds;
  if (visibility < config.functionTimeoutSeconds) {
    out.push({
      level: 'problem',
      queue,
      message: `Visibility timeout is ${visibility} s, shorter than the worker's ${config.functionTimeoutSeconds} s function timeout: a message becomes visible again while its job still runs, and runs twice.`,
    });
  } else if (visibility < advised) {
    out.push({
      level: 'warning',
      queue,
      message: `Visibility timeout is ${visibility} s; AWS advises at least 6 × function timeout (${config.functionTimeoutSeconds} s) + batching window (${config.batchingWindowSeconds} s) = ${advised} s, so retried invocations do not see their messages reappear.`,
    });
  }
  if (visibility !== config.visibilityTimeoutSeconds) {
    out.push({
      level: 'info',
      queue,
      message: `Visibility timeout is ${visibility} s on the ${facts.targetKind === 'dev' ? 'emulator' : 'stack'} but ${config.visibilityTimeoutSeconds} s in the config: ${facts.targetKind === 'dev' ? 'restart dev mode' : 'deploy'} to apply the config.`,
    });
  }
  const maxReceiveCount = settings.queue.maxReceiveCount;
  if (maxReceiveCount === undefined) {
    out.push({
      level: 'problem',
      queue,
      message:
        'The queue has no redrive policy: a message that keeps failing is never moved to a dead-letter queue and is retried until it expires.',
    });
  } else if (maxReceiveCount !== config.maxReceiveCount) {
    // Retries and deferrals send the message again, so receives count only deliveries lost to
    // crashes: a low maxReceiveCount no longer cuts retries short, but the config should rule.
    out.push({
      level: 'info',
      queue,
      message: `maxReceiveCount is ${maxReceiveCount} on the ${facts.targetKind === 'dev' ? 'emulator' : 'stack'} but ${config.maxReceiveCount} in the config: ${facts.targetKind === 'dev' ? 'restart dev mode' : 'deploy'} to apply the config.`,
    });
  }
  if (settings.deadLetterQueue.messageRetentionSeconds <= settings.queue.messageRetentionSeconds) {
    out.push({
      level: 'warning',
      queue,
      message: `The DLQ keeps messages ${settings.deadLetterQueue.messageRetentionSeconds} s, no longer than the queue (${settings.queue.messageRetentionSeconds} s): a message's age carries over when it is dead-lettered, so it may expire there before anyone looks.`,
    });
  }
}

function monitorFindings(facts: HealthFacts, out: Finding[]): void {
  const every = facts.config.monitor.everySeconds;
  const last = facts.monitorLastRun;
  if (last === 'unknown') {
    out.push({ level: 'info', message: 'Last monitor run: unknown (this target cannot tell).' });
    return;
  }
  if (last === undefined) {
    out.push(
      facts.targetKind === 'dev'
        ? {
            level: 'info',
            message: `Last monitor run: none seen yet (dev mode's monitor runs every ${every} s and keeps its samples in memory).`,
          }
        : {
            level: 'warning',
            message: `No monitor heartbeat in CloudWatch for the last 3 hours: the monitor is not running, so backlog alarms see no data. See docs/runbooks/monitor-not-reporting.md.`,
          },
    );
    return;
  }
  const ageSeconds = Math.max(0, Math.round((facts.now.getTime() - last.getTime()) / 1000));
  if (ageSeconds > Math.max(3 * every, 180)) {
    out.push({
      level: 'warning',
      message: `The monitor last ran ${ageSeconds} s ago but should run every ${every} s: check its schedule and its errors (docs/runbooks/monitor-not-reporting.md).`,
    });
  }
}

const SETTLING_STATES = new Set(['Creating', 'Enabling', 'Updating']);

function eventSourceFindings(facts: HealthFacts, out: Finding[]): void {
  if (facts.eventSources === undefined) return;
  for (const { name } of facts.overviews) {
    const queue = facts.config.queues[name];
    if (!queue) continue;
    const sources = facts.eventSources.filter((source) => source.queue === queue.name);
    if (sources.length === 0) {
      out.push({
        level: 'problem',
        queue: queue.name,
        message: `No event source feeds this queue to its worker: its jobs are never run. ${facts.targetKind === 'dev' ? 'Restart dev mode with this config.' : 'Deploy the stack again (npx cdk deploy).'}`,
      });
      continue;
    }
    for (const source of sources) {
      const detail = source.detail ? ` (${source.detail})` : '';
      if (isPausedSource(source)) {
        out.push({
          level: 'warning',
          queue: queue.name,
          message: `Paused: the event source of ${source.functionName} is ${source.state}${detail}, so its jobs wait in the queue. Resume it: lambda-jobs queues resume ${queue.name}${facts.targetKind === 'dev' ? '' : ' (with the --stack given here)'}`,
        });
      } else if (source.state !== 'Enabled') {
        const settling = SETTLING_STATES.has(source.state);
        out.push({
          level: settling ? 'warning' : 'problem',
          queue: queue.name,
          message: settling
            ? `The event source of ${source.functionName} is ${source.state}${detail}: jobs start once it is Enabled.`
            : `The event source of ${source.functionName} is ${source.state}${detail}: nothing receives this queue's jobs. Enable it: aws lambda update-event-source-mapping --uuid ${source.uuid ?? '<uuid>'} --enabled`,
        });
      }
      const drift = [
        ['batch size', source.batchSize, queue.batchSize],
        ['batching window', source.batchingWindowSeconds, queue.batchingWindowSeconds],
        ['maximum concurrency', source.maxConcurrency, queue.maxConcurrency],
      ] as const;
      for (const [what, running, configured] of drift) {
        if (running !== undefined && running !== configured) {
          out.push({
            level: 'warning',
            queue: queue.name,
            message: `The event source runs with ${what} ${running}, the config says ${configured}: ${facts.targetKind === 'dev' ? 'restart dev mode' : 'deploy again'} to apply the config.`,
          });
        }
      }
    }
  }
}

/**
 * The findings for one target, problems first.
 *
 * @example
 * ```ts
 * const findings = diagnose({ config, registry, targetKind: 'dev', overviews, settings,
 *   overdue, monitorLastRun: undefined, alarms: undefined, eventSources: [], notChecked: [],
 *   now: new Date() });
 * if (needsAttention(findings)) process.exitCode = 1;
 * ```
 */
export function diagnose(facts: HealthFacts): Finding[] {
  const out: Finding[] = [];
  const targetQueues = new Set(facts.overviews.map((q) => q.name));
  for (const name of Object.keys(facts.config.queues)) {
    if (!targetQueues.has(name)) {
      out.push({
        level: 'problem',
        queue: name,
        message: `Queue "${name}" is in the config but not in the ${facts.targetKind === 'dev' ? 'running dev mode (restart it)' : 'stack (deploy it)'}: its jobs cannot be enqueued.`,
      });
    }
  }
  const paused = pausedQueues(facts.eventSources ?? []);
  for (const overview of facts.overviews) {
    if (!facts.config.queues[overview.name]) {
      out.push({
        level: 'warning',
        queue: overview.name,
        message: `Queue "${overview.name}" exists in the target but not in the config: its thresholds are unknown here. Is the config the one that was deployed?`,
      });
    }
    queueFindings(overview, out);
    stalledFindings(overview, facts.activity?.get(overview.name), paused.has(overview.name), out);
    const settings = facts.settings.get(overview.name);
    if (settings instanceof Error) {
      out.push({
        level: 'info',
        queue: overview.name,
        message: `Queue settings could not be read: ${settings.message}`,
      });
    } else if (settings) {
      settingsFindings(overview.name, settings, facts, out);
    }
    const overdue = facts.overdue.get(overview.name) ?? 0;
    if (overdue > 0) {
      out.push({
        level: 'warning',
        queue: overview.name,
        message: `${plural(overdue, 'job')} still RUNNING past the deadline and the ${facts.config.monitor.lostGraceSeconds} s grace: their workers stopped. The monitor marks them LOST on its next run; if they stay, the monitor is not running.`,
      });
    }
  }
  for (const problem of jobConfigProblems(facts.registry, facts.config)) {
    out.push({
      level: 'problem',
      message: `${problem.field} = ${JSON.stringify(problem.value)}: ${problem.rule}. Workers refuse to start until this is fixed.`,
    });
  }
  out.push(
    ...circuitFindings(facts.circuits ?? [], (type) => {
      const job = facts.registry.find(type);
      return job ? (job.queue ?? DEFAULT_QUEUE) : undefined;
    }),
  );
  eventSourceFindings(facts, out);
  monitorFindings(facts, out);
  for (const alarm of facts.alarms ?? []) {
    const summary = alarm.description?.split('\n')[0];
    out.push({
      level: 'problem',
      message: `Alarm ${alarm.name} is in ALARM${alarm.since ? ` since ${alarm.since}` : ''}${summary ? `: ${summary}` : ''}${alarm.reason ? ` (${alarm.reason})` : ''}`,
    });
  }
  for (const reason of facts.notChecked)
    out.push({ level: 'info', message: `Not checked: ${reason}` });
  return out
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => ORDER[a.finding.level] - ORDER[b.finding.level] || a.index - b.index)
    .map(({ finding }) => finding);
}
