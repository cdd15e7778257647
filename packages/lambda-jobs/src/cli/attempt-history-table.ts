/** The attempt history of a job record as `jobs show` prints it for people. */
import type { AttemptEntry } from '../runtime/attempt-history.ts';
import { ATTEMPT_HISTORY_LIMITS } from '../runtime/attempt-history.ts';
import { formatMs } from './human-format.ts';
import { formatTable } from './text-table.ts';

const OUTCOME_LABELS: Readonly<Record<AttemptEntry['outcome'], string>> = {
  SUCCESSFUL: 'succeeded',
  ERRORED: 'failed',
  RETRYING: 'failed, retried',
  DEFERRED: 'deferred',
  LOST: 'lost',
};

function what(entry: AttemptEntry): string {
  if (entry.errorName !== undefined) return `${entry.errorName}: ${entry.errorMessage ?? ''}`;
  return entry.reason ?? '';
}

/**
 * A titled table of the attempts, oldest first, with full dates (ISO 8601 UTC); a line saying
 * none has ended when the history is empty or absent.
 *
 * @example
 * ```ts
 * io.stdout.write(formatAttemptHistory(record.attemptHistory));
 * ```
 */
export function formatAttemptHistory(history: readonly AttemptEntry[] | undefined): string {
  if (!Array.isArray(history) || history.length === 0) {
    return '\nAttempt history: no attempt has ended yet.\n';
  }
  const table = formatTable(history, [
    { heading: '#', cell: (e) => e.attempt, align: 'right' },
    { heading: 'OUTCOME', cell: (e) => OUTCOME_LABELS[e.outcome] ?? e.outcome },
    { heading: 'STARTED', cell: (e) => e.startedAt },
    { heading: 'ENDED', cell: (e) => e.endedAt },
    { heading: 'TOOK', cell: (e) => formatMs(e.durationMs), align: 'right' },
    { heading: 'ERROR', cell: what },
  ]);
  return `\nAttempt history (oldest first; records keep the last ${ATTEMPT_HISTORY_LIMITS.entries}, messages cut to ${ATTEMPT_HISTORY_LIMITS.errorMessageBytes} bytes):\n${table}`;
}
