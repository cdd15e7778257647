/**
 * How alarm descriptions are written and read: the stack writes them (one line of summary,
 * then `Queue:` and `Runbook:` lines), the Slack notifier reads them back to show the queue and
 * link the runbook. Runbooks live in `docs/runbooks/<name>.md`, one per alarm kind.
 */

/** Runbook file names (without `.md`), one per alarm kind. */
export const RUNBOOKS = {
  backlog: 'job-queue-backlog',
  oldestAge: 'job-oldest-message-age',
  deadLetters: 'job-dead-letters',
  stalled: 'job-processing-stalled',
  successRate: 'job-success-rate',
  workerErrors: 'worker-errors',
  workerThrottles: 'worker-throttles',
  monitorSilent: 'monitor-not-reporting',
  monitorScheduleDeadLetters: 'monitor-schedule-dead-letters',
  delayedFailures: 'delayed-delivery-failures',
  circuitOpen: 'job-circuit-open',
} as const;

export type RunbookName = (typeof RUNBOOKS)[keyof typeof RUNBOOKS];

/** @example `runbookPath('job-queue-backlog') === 'docs/runbooks/job-queue-backlog.md'` */
export function runbookPath(name: RunbookName): string {
  return `docs/runbooks/${name}.md`;
}

const QUEUE_LINE = 'Queue: ';
const RUNBOOK_LINE = 'Runbook: ';

/** What an alarm description says. */
export interface AlarmDescription {
  /** One sentence: what crossed which threshold, and what it means. */
  readonly summary: string;
  /** The configured queue name (not the SQS queue name); absent for app-wide alarms. */
  readonly queue?: string | undefined;
  /** `docs/runbooks/<name>.md`, or a full URL when the stack was given a runbook base URL. */
  readonly runbook: string;
}

/**
 * Writes an alarm description (CloudWatch allows 1,024 characters).
 *
 * @example
 * ```ts
 * formatAlarmDescription({ summary: 'Backlog ≥ 500.', queue: 'default', runbook: 'docs/runbooks/job-queue-backlog.md' });
 * // 'Backlog ≥ 500.\nQueue: default\nRunbook: docs/runbooks/job-queue-backlog.md'
 * ```
 */
export function formatAlarmDescription(description: AlarmDescription): string {
  const lines = [description.summary];
  if (description.queue !== undefined) lines.push(`${QUEUE_LINE}${description.queue}`);
  lines.push(`${RUNBOOK_LINE}${description.runbook}`);
  return lines.join('\n');
}

/**
 * Reads back what {@link formatAlarmDescription} wrote; tolerant of descriptions written by hand
 * (no queue or runbook line: those fields are undefined, the whole text is the summary).
 *
 * @example
 * ```ts
 * parseAlarmDescription('Backlog ≥ 500.\nQueue: default\nRunbook: docs/runbooks/job-queue-backlog.md').queue; // 'default'
 * ```
 */
export function parseAlarmDescription(text: string): {
  readonly summary: string;
  readonly queue: string | undefined;
  readonly runbook: string | undefined;
} {
  let queue: string | undefined;
  let runbook: string | undefined;
  const summary: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(QUEUE_LINE)) queue = line.slice(QUEUE_LINE.length).trim() || undefined;
    else if (line.startsWith(RUNBOOK_LINE)) {
      runbook = line.slice(RUNBOOK_LINE.length).trim() || undefined;
    } else summary.push(line);
  }
  return { summary: summary.join('\n').trim(), queue, runbook };
}
