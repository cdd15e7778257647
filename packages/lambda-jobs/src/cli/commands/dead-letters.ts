import type { RedriveEvent, RedriveReport } from '../../runtime/admin/dead-letter-redrive.ts';
import { REDRIVE_LIMIT } from '../../runtime/admin/dead-letter-redrive.ts';
import type { DeadLetter, RedriveProgress } from '../../runtime/admin/jobs-admin.ts';
import { UnknownQueueError } from '../../runtime/errors.ts';
import { LIMITS } from '../../runtime/limits.ts';
import { CliUsageError, EXIT } from '../cli-errors.ts';
import type { CliIo } from '../cli-io.ts';
import { type Command, type CommandContext, printFailure, printJson } from '../command-context.ts';
import { parsePositiveFlag, parseTypeFlag, parseWholeFlag } from '../flag-values.ts';
import { formatTable } from '../text-table.ts';

function jobIdArgument(raw: string): string {
  if (!LIMITS.jobIdPattern.test(raw)) {
    throw new CliUsageError(
      `"${raw.slice(0, 140)}" is not a job id: ids are 1–128 characters of A-Z a-z 0-9 _ - : .`,
    );
  }
  return raw;
}

function errorCell(letter: DeadLetter): string {
  if (!letter.error) return '';
  const text = `${letter.error.name}: ${letter.error.message}`;
  const short = text.length > 70 ? `${text.slice(0, 69)}…` : text;
  return letter.error.field ? `${short} (field ${letter.error.field})` : short;
}

/**
 * `lambda-jobs dlq ls QUEUE [--limit N]`: the dead letters as their job records tell them, and
 * the DLQ's counts. Receives no message: the DLQ is left exactly as it was.
 *
 * @example `lambda-jobs dlq ls default --limit 100 --json`
 */
export const dlqListCommand: Command = async ({ io, json, flags, args, target }) => {
  const queue = args[0]!;
  const limit = flags.limit !== undefined ? parseWholeFlag('limit', flags.limit, 1, 1000) : 25;
  const { admin } = await target();
  const listing = await admin.dlqList(queue, { limit });
  const inQueue = listing.depth.visible + listing.depth.inFlight + listing.depth.delayed;
  if (json) {
    printJson(io, {
      queue,
      depth: listing.depth,
      deadLetters: listing.letters,
      more: listing.more,
    });
    return EXIT.ok;
  }
  io.stdout.write(
    `The dead-letter queue of ${queue} holds ${inQueue} message(s) (SQS's count${listing.depth.inFlight > 0 ? `; ${listing.depth.inFlight} in flight` : ''}).\n`,
  );
  if (listing.letters.length > 0) {
    io.stdout.write('\n');
    io.stdout.write(
      formatTable(listing.letters, [
        { heading: 'JOB ID', cell: (l) => l.jobId },
        { heading: 'TYPE', cell: (l) => l.type },
        { heading: 'STATUS', cell: (l) => l.status },
        { heading: 'ATTEMPTS', cell: (l) => `${l.attempts}/${l.maxAttempts}`, align: 'right' },
        { heading: 'DEAD-LETTERED', cell: (l) => l.deadLetteredAt },
        { heading: 'ERROR', cell: errorCell },
      ]),
    );
  }
  if (listing.more) {
    io.stdout.write(`\nShowing the newest ${limit}; --limit shows more (up to 1000).\n`);
  } else if (listing.letters.length < inQueue) {
    io.stdout.write(
      `\n${inQueue - listing.letters.length} message(s) have no job record that says it is in the DLQ (SQS's own redrive after a worker crash, a record past its retention, a copy of a finished job): \`lambda-jobs dlq redrive ${queue} --dry-run\` names every message.\n`,
    );
  }
  io.stdout.write(
    `\nRetry one: lambda-jobs dlq retry ${queue} JOB_ID · delete one: lambda-jobs dlq delete ${queue} JOB_ID\n`,
  );
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

function progressLine(progress: RedriveProgress, dryRun: boolean): string {
  return `  ${dryRun ? 'would move' : 'moved'} ${progress.moved}, skipped ${progress.skipped}, left ${progress.left}\n`;
}

function summary(queue: string, report: RedriveReport): string {
  const head = report.dryRun
    ? `Dry run: ${report.jobIds.length} message(s) would move back to ${queue}, ${report.skipped.length} would stay in the DLQ (listed above); nothing was changed.`
    : `Moved ${report.moved} message(s) back to ${queue}, keeping their job ids; ${report.skipped.length} left in the DLQ (listed above).`;
  const stop =
    report.stoppedBy === 'signal'
      ? ` Stopped by Ctrl-C after the message in hand: ${report.left} of the ${report.presentAtStart} present at the start not looked at.`
      : report.stoppedBy === 'limit'
        ? ` Stopped at the limit: ${report.left} of the ${report.presentAtStart} present at the start not looked at (--limit takes more).`
        : ` Looked at ${report.examined} of the ${report.presentAtStart} message(s) present at the start.`;
  const back =
    report.cameBack > 0
      ? ` ${report.cameBack} further copy(ies) of jobs already handled in this run (a duplicate, or the job failed again at once) were left in the DLQ.`
      : '';
  return `${head}${stop}${back}\n`;
}

/** Runs a redrive with progress on stderr and Ctrl-C stopping it after the message in hand. */
async function runRedrive(
  context: CommandContext,
  queue: string,
  options: Parameters<Awaited<ReturnType<CommandContext['target']>>['admin']['dlqRedrive']>[1],
): Promise<RedriveReport> {
  const { io } = context;
  const { admin } = await context.target();
  const interruption = io.interruption();
  const dryRun = options?.dryRun === true;
  try {
    return await admin.dlqRedrive(queue, {
      ...options,
      signal: interruption.signal,
      onMessage: (event) => io.stderr.write(eventLine(event)),
      onProgress: (progress) => io.stderr.write(progressLine(progress, dryRun)),
    });
  } finally {
    interruption.dispose();
  }
}

function report(io: CliIo, json: boolean, queue: string, result: RedriveReport): number {
  if (json) printJson(io, { queue, ...result });
  else io.stdout.write(summary(queue, result));
  return result.stoppedBy === 'signal' ? EXIT.failed : EXIT.ok;
}

/**
 * `lambda-jobs dlq redrive QUEUE [--dry-run] [--type T] [--id IDS] [--include-unrunnable]
 * [--limit N] [--rate R]`: every job on stderr as it moves, with moved / skipped / left; the
 * summary on stdout (JSON with --json). Ctrl-C stops after the message in hand (exit 1).
 *
 * @example `lambda-jobs dlq redrive default --type webhook --rate 20`
 */
export const dlqRedriveCommand: Command = async (context) => {
  const { io, json, flags, args } = context;
  const queue = args[0]!;
  const limit =
    flags.limit !== undefined
      ? parseWholeFlag('limit', flags.limit, 1, REDRIVE_LIMIT.max)
      : REDRIVE_LIMIT.default;
  const rate = flags.rate !== undefined ? parsePositiveFlag('rate', flags.rate, 3000) : undefined;
  const dryRun = flags['dry-run'] === true;
  const type = flags.type !== undefined ? parseTypeFlag(flags.type) : undefined;
  const jobIds = flags.id !== undefined ? flags.id.split(',').map(jobIdArgument) : undefined;
  const includeUnrunnable = flags['include-unrunnable'] === true;
  // Connect first: a target that cannot be reached is the only line on stderr (JSON with --json).
  await context.target();
  io.stderr.write(
    `${dryRun ? 'Dry run: nothing changes. ' : ''}Redriving the dead-letter queue of ${queue}${type ? ` (type ${type})` : ''}${jobIds ? ` (jobs ${jobIds.join(', ')})` : ''}, at most ${limit}${rate ? `, ${rate}/s` : ''}${includeUnrunnable ? ', unrunnable envelopes included' : ''}; Ctrl-C stops after the message in hand…\n`,
  );
  const result = await runRedrive(context, queue, {
    dryRun,
    limit,
    ...(type !== undefined ? { type } : {}),
    ...(jobIds !== undefined ? { jobIds } : {}),
    ...(includeUnrunnable ? { includeUnrunnable } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
  });
  return report(io, json, queue, result);
};

/**
 * `lambda-jobs dlq retry QUEUE JOB_ID`: moves one job's message back (even when its envelope
 * cannot run: asked for by id). Exit 3 when no message of that job is in the DLQ.
 *
 * @example `lambda-jobs dlq retry default 0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f`
 */
export const dlqRetryCommand: Command = async (context) => {
  const { io, json, args } = context;
  const queue = args[0]!;
  const id = jobIdArgument(args[1]!);
  const result = await runRedrive(context, queue, { jobIds: [id], limit: 1 });
  if (result.matched === 0) {
    if (json) printJson(io, { queue, ...result });
    return printFailure(io, json, {
      name: 'JobNotFoundError',
      message: `No message of job ${id} in the dead-letter queue of ${queue} (looked at ${result.examined} of ${result.presentAtStart}).`,
      exitCode: EXIT.notFound,
    });
  }
  return report(io, json, queue, result);
};

/**
 * `lambda-jobs dlq delete QUEUE JOB_ID [--yes]`: deletes one job's message from the DLQ and
 * notes it on the record. Asks first on a terminal; refuses without --yes otherwise.
 *
 * @example `lambda-jobs dlq delete default 0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f --yes`
 */
export const dlqDeleteCommand: Command = async ({ io, json, flags, args, target }) => {
  const queue = args[0]!;
  const id = jobIdArgument(args[1]!);
  const connected = await target();
  if (flags.yes !== true) {
    if (!io.interactive) {
      throw new CliUsageError(
        `Refusing to delete the dead letter of job ${id} without --yes: stdin is not a terminal, so nobody can confirm.`,
      );
    }
    const answer = await io.ask(
      `Delete the message of job ${id} from the dead-letter queue of ${queue} (${connected.label})? This cannot be undone. [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      return printFailure(io, json, {
        name: 'NotConfirmed',
        message: 'Nothing deleted.',
        exitCode: EXIT.failed,
      });
    }
  }
  const result = await connected.admin.dlqDelete(queue, id);
  if (json) printJson(io, { queue, ...result });
  else {
    io.stdout.write(
      result.deleted > 0
        ? `Deleted ${result.deleted} message(s) of job ${id} from the dead-letter queue of ${queue}${result.recordUpdated ? '; its record says so' : ''}.\n`
        : `No message of job ${id} was in the dead-letter queue of ${queue}${result.recordUpdated ? '; its record no longer says there is' : ''}.\n`,
    );
  }
  return result.deleted > 0 || result.recordUpdated ? EXIT.ok : EXIT.notFound;
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
      return printFailure(io, json, {
        name: 'NotConfirmed',
        message: 'Nothing deleted.',
        exitCode: EXIT.failed,
      });
    }
  }
  const result = await connected.admin.dlqPurge(queue);
  if (json) printJson(io, { queue, ...result });
  else
    io.stdout.write(`Purged ${result.purged} message(s) from the dead-letter queue of ${queue}.\n`);
  return EXIT.ok;
};
