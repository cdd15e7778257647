import { toDeadLetterView } from '../../local/dashboard/job-view.ts';
import type { RedriveEvent } from '../../runtime/admin/dead-letter-redrive.ts';
import { UnknownQueueError } from '../../runtime/errors.ts';
import { CliUsageError, EXIT } from '../cli-errors.ts';
import { type Command, printJson } from '../command-context.ts';
import { parsePositiveFlag, parseTypeFlag, parseWholeFlag } from '../flag-values.ts';
import { formatTable } from '../text-table.ts';

/**
 * `lambda-jobs dlq ls QUEUE [--limit N]`: the dead letters, left in place.
 *
 * @example `lambda-jobs dlq ls default --limit 100 --json`
 */
export const dlqListCommand: Command = async ({ io, json, flags, args, target, app }) => {
  const queue = args[0]!;
  const limit = flags.limit !== undefined ? parseWholeFlag('limit', flags.limit, 1, 1000) : 25;
  const { admin } = await target();
  const letters = await admin.dlqList(queue, { limit });
  if (json) {
    printJson(io, {
      queue,
      deadLetters: letters.map((letter) => toDeadLetterView(letter, app.registry)),
    });
    return EXIT.ok;
  }
  if (letters.length === 0) {
    io.stdout.write(`The dead-letter queue of ${queue} is empty.\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    formatTable(letters, [
      { heading: 'MESSAGE ID', cell: (l) => l.messageId },
      { heading: 'JOB ID', cell: (l) => l.jobId ?? '(unreadable)' },
      { heading: 'TYPE', cell: (l) => l.type ?? '(malformed)' },
      { heading: 'DEAD-LETTERED', cell: (l) => l.sentAt },
      { heading: 'RECEIVES', cell: (l) => l.receiveCount },
    ]),
  );
  if (letters.length === limit) {
    io.stdout.write(`\nShowing the first ${limit}; --limit shows more (up to 1000).\n`);
  }
  return EXIT.ok;
};

function eventLine(event: RedriveEvent): string {
  const job = `job ${event.jobId ?? '(no readable id)'} (${event.type ?? 'malformed'})`;
  switch (event.action) {
    case 'moved':
      return `moved ${job}\n`;
    case 'matched':
      return `would move ${job}\n`;
    case 'skipped':
      return `left in the DLQ: ${job}: ${event.reason}\n`;
  }
}

/**
 * `lambda-jobs dlq redrive QUEUE [--dry-run] [--type T] [--limit N] [--rate R]`: every job on
 * stderr as it moves, the totals on stdout.
 *
 * @example `lambda-jobs dlq redrive default --type webhook --rate 20`
 */
export const dlqRedriveCommand: Command = async ({ io, json, flags, args, target }) => {
  const queue = args[0]!;
  const limit =
    flags.limit !== undefined ? parseWholeFlag('limit', flags.limit, 1, 1_000_000) : undefined;
  const rate = flags.rate !== undefined ? parsePositiveFlag('rate', flags.rate, 3000) : undefined;
  const dryRun = flags['dry-run'] === true;
  const type = flags.type !== undefined ? parseTypeFlag(flags.type) : undefined;
  const { admin } = await target();
  io.stderr.write(
    `${dryRun ? 'Dry run: nothing moves. ' : ''}Redriving the dead-letter queue of ${queue}${type ? ` (type ${type})` : ''}${limit ? `, at most ${limit}` : ''}${rate ? `, ${rate}/s` : ''}…\n`,
  );
  const report = await admin.dlqRedrive(queue, {
    dryRun,
    ...(type !== undefined ? { type } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    onMessage: (event) => io.stderr.write(eventLine(event)),
  });
  if (json) {
    printJson(io, { queue, dryRun, ...report });
  } else {
    io.stdout.write(
      dryRun
        ? `${report.matched} message(s) would move back to ${queue}; nothing was moved.\n`
        : `Moved ${report.moved} of ${report.matched} matching message(s) back to ${queue}, keeping their job ids.\n`,
    );
    if (report.skipped.length > 0) {
      io.stdout.write(`${report.skipped.length} left in the DLQ (listed above).\n`);
    }
  }
  return EXIT.ok;
};

/**
 * `lambda-jobs dlq purge QUEUE [--yes]`: asks first on a terminal; refuses without --yes otherwise.
 *
 * @example `lambda-jobs dlq purge default --yes`
 */
export const dlqPurgeCommand: Command = async ({ io, json, flags, args, target }) => {
  const queue = args[0]!;
  const connected = await target();
  const overview = (await connected.admin.queues()).find((q) => q.name === queue);
  if (!overview) throw new UnknownQueueError(queue, Object.keys(connected.queues));
  if (flags.yes !== true) {
    if (!io.interactive) {
      throw new CliUsageError(
        `Refusing to purge the dead-letter queue of ${queue} without --yes: stdin is not a terminal, so nobody can confirm.`,
      );
    }
    const answer = await io.ask(
      `Delete all ${overview.dlqDepth} message(s) in the dead-letter queue of ${queue} (${connected.label})? This cannot be undone. [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr.write('Nothing deleted.\n');
      return EXIT.failed;
    }
  }
  const result = await connected.admin.dlqPurge(queue);
  if (json) printJson(io, { queue, ...result });
  else
    io.stdout.write(`Purged ${result.purged} message(s) from the dead-letter queue of ${queue}.\n`);
  return EXIT.ok;
};
