/**
 * `lambda-jobs jobs retry|cancel --status S [--queue Q] [--type T] [--since W] [--limit N]
 * [--dry-run] [--yes]`: the bulk form of the single-job commands (runtime/admin/bulk-job-actions.ts).
 */
import {
  BULK_LIMIT,
  BULK_STATUSES,
  type BulkActionName,
  type BulkJobEvent,
  type BulkResult,
  type BulkSelection,
  runBulkAction,
} from '../../runtime/admin/bulk-job-actions.ts';
import { CliUsageError, EXIT } from '../cli-errors.ts';
import { type CommandContext, printJson } from '../command-context.ts';
import { parseSinceFlag, parseStatusFlag, parseTypeFlag, parseWholeFlag } from '../flag-values.ts';

const SELECTION_FLAGS = ['status', 'queue', 'type', 'since', 'limit', 'dry-run', 'yes'] as const;

/** Whether the command line asks for the bulk form (any selection flag given). */
export function isBulkRequest(context: CommandContext): boolean {
  return SELECTION_FLAGS.some((flag) => context.flags[flag] !== undefined);
}

function selectionFrom(action: BulkActionName, context: CommandContext): BulkSelection {
  const { flags, now } = context;
  if (flags.status === undefined) {
    throw new CliUsageError(
      `\`jobs ${action}\` needs a job ID, or --status (${BULK_STATUSES[action].join(', ')}) to ${action} many.`,
    );
  }
  return {
    status: parseStatusFlag(flags.status),
    ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
    ...(flags.type !== undefined ? { type: parseTypeFlag(flags.type) } : {}),
    ...(flags.since !== undefined ? { since: parseSinceFlag(flags.since, now().getTime()) } : {}),
    limit:
      flags.limit !== undefined
        ? parseWholeFlag('limit', flags.limit, 1, BULK_LIMIT.max)
        : BULK_LIMIT.default,
  };
}

function describeSelection(selection: BulkSelection): string {
  return [
    `${selection.status} jobs`,
    selection.queue ? `on queue ${selection.queue}` : 'on every queue',
    selection.type ? `of type ${selection.type}` : undefined,
    selection.since ? `updated since ${selection.since}` : undefined,
    `at most ${selection.limit}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
}

const PAST: Readonly<Record<BulkActionName, string>> = { retry: 'retried', cancel: 'cancelled' };

function eventLine(action: BulkActionName, event: BulkJobEvent): string {
  const job = `job ${event.jobId} (${event.type})`;
  switch (event.outcome) {
    case 'would':
      return `would ${action} ${job}\n`;
    case 'done':
      return `${PAST[action]} ${job}\n`;
    case 'refused':
      return `refused ${job}: ${event.reason}\n`;
  }
}

function summaryLine(result: BulkResult): string {
  const verb = PAST[result.action];
  const head = result.dryRun
    ? `Dry run: ${result.wouldIds?.length ?? 0} job(s) would be ${verb}; nothing was changed.`
    : `${result.done} job(s) ${verb}, ${result.refused.length} refused (listed above).`;
  const stop =
    result.stoppedBy === 'signal'
      ? ` Stopped by Ctrl-C after the job in hand: ${result.left} of ${result.selected} not handled.`
      : result.stoppedBy === 'error'
        ? ` Stopped by an error: ${result.error}; ${result.left} of ${result.selected} not handled.`
        : '';
  const more = result.more
    ? ' More jobs match than --limit took: run it again, or raise --limit.'
    : '';
  return `${head}${stop}${more}\n`;
}

/**
 * Runs a bulk retry or cancel: the selection first (said on stderr), then confirmation on a
 * terminal unless --yes (refused without --yes when nobody can answer) or --dry-run, one line
 * per job and the running count on stderr, the summary on stdout (--json: as JSON). Ctrl-C stops
 * after the job in hand (exit 1); exit 1 too when a job was refused or the run stopped on an error.
 *
 * @example `lambda-jobs jobs retry --status errored --queue default --since 1h --yes`
 */
export async function runBulkCommand(
  action: BulkActionName,
  context: CommandContext,
): Promise<number> {
  const { io, json, flags } = context;
  const selection = selectionFrom(action, context);
  const dryRun = flags['dry-run'] === true;
  const connected = await context.target();
  if (!dryRun) {
    // Count first, so the question names how many jobs it is about.
    const preview = await runBulkAction(connected.admin, action, selection, { dryRun: true });
    if (preview.selected === 0) {
      if (json) printJson(io, { ...preview, dryRun: false, wouldIds: undefined });
      else io.stdout.write(`No ${describeSelection(selection)} found: nothing to ${action}.\n`);
      return EXIT.ok;
    }
    if (flags.yes !== true) {
      if (!io.interactive) {
        throw new CliUsageError(
          `Refusing to ${action} ${preview.selected} job(s) without --yes: stdin is not a terminal, so nobody can confirm. --dry-run lists them.`,
        );
      }
      const answer = await io.ask(
        `${action === 'retry' ? 'Retry' : 'Cancel'} ${preview.selected}${preview.more ? '+' : ''} job(s): ${describeSelection(selection)} (${connected.label})? [y/N] `,
      );
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.stderr.write(`Nothing ${PAST[action]}.\n`);
        return EXIT.failed;
      }
    }
  }
  io.stderr.write(
    `${dryRun ? 'Dry run: nothing changes. ' : ''}${action === 'retry' ? 'Retrying' : 'Cancelling'} ${describeSelection(selection)}; Ctrl-C stops after the job in hand…\n`,
  );
  const interruption = io.interruption();
  let result: BulkResult;
  try {
    result = await runBulkAction(connected.admin, action, selection, {
      dryRun,
      signal: interruption.signal,
      onJob: (event) => io.stderr.write(eventLine(action, event)),
      onProgress: (p) =>
        dryRun
          ? undefined
          : io.stderr.write(`  ${PAST[action]} ${p.done}, refused ${p.refused}, left ${p.left}\n`),
    });
  } finally {
    interruption.dispose();
  }
  if (json) printJson(io, result);
  else io.stdout.write(summaryLine(result));
  return result.stoppedBy === 'done' && result.refused.length === 0 ? EXIT.ok : EXIT.failed;
}
