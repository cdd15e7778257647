import { toJobSummary, toJobView } from '../../local/dashboard/job-view.ts';
import type { ListJobsFilter } from '../../runtime/admin/jobs-admin.ts';
import { describeProgress } from '../../runtime/job-progress.ts';
import type { JobProgress, JobRecord } from '../../runtime/job-record.ts';
import { statusLabel } from '../../runtime/job-status.ts';
import { LIMITS } from '../../runtime/limits.ts';
import { unlistedStatuses } from '../../runtime/tracking-level.ts';
import { formatAttemptHistory } from '../attempt-history-table.ts';
import { CliUsageError, EXIT } from '../cli-errors.ts';
import { type Command, type CommandContext, printJson } from '../command-context.ts';
import { parseSinceFlag, parseStatusFlag, parseTypeFlag, parseWholeFlag } from '../flag-values.ts';
import { formatInstant, formatMs } from '../human-format.ts';
import { formatFields, formatTable } from '../text-table.ts';
import { isBulkRequest, runBulkCommand } from './jobs-bulk.ts';

function jobId(context: CommandContext): string {
  const id = context.args[0];
  if (id === undefined) throw new CliUsageError('This command needs a job ID.');
  if (!LIMITS.jobIdPattern.test(id)) {
    throw new CliUsageError(
      `"${id.slice(0, 140)}" is not a job id: ids are 1–128 characters of A-Z a-z 0-9 _ - : .`,
    );
  }
  return id;
}

const shorten = (text: string | undefined, max: number) =>
  text === undefined ? undefined : text.length > max ? `${text.slice(0, max - 1)}…` : text;

function filterFrom({ flags, now }: CommandContext): ListJobsFilter {
  return {
    ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
    ...(flags.status !== undefined ? { status: parseStatusFlag(flags.status) } : {}),
    ...(flags.type !== undefined ? { type: parseTypeFlag(flags.type) } : {}),
    ...(flags.since !== undefined ? { since: parseSinceFlag(flags.since, now().getTime()) } : {}),
    limit: flags.limit !== undefined ? parseWholeFlag('limit', flags.limit, 1, 100) : 25,
    ...(flags.cursor !== undefined ? { cursor: flags.cursor } : {}),
  };
}

/**
 * `lambda-jobs jobs ls`: a page of jobs, newest first, and the cursor of the next.
 *
 * @example `lambda-jobs jobs ls --status errored --type webhook --since 1h`
 */
export const jobsListCommand: Command = async (context) => {
  const { io, json } = context;
  const filter = filterFrom(context);
  const { admin, config } = await context.target();
  const unlisted = unlistedStatuses(config.tracking);
  if (filter.status && unlisted.includes(filter.status)) {
    // Not an error: the records exist, they are just not listed (runtime/tracking-level.ts).
    io.stderr.write(
      `Note: with tracking '${config.tracking}', ${unlisted.join(' and ')} jobs are kept but not listed; read one with \`lambda-jobs jobs show ID\`.\n`,
    );
  }
  const page = await admin.listJobs(filter);
  if (json) {
    printJson(io, {
      items: page.items.map(toJobSummary),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    });
    return EXIT.ok;
  }
  if (page.items.length === 0) {
    io.stdout.write('No jobs match.\n');
    return EXIT.ok;
  }
  io.stdout.write(
    formatTable(page.items, [
      { heading: 'ID', cell: (r) => r.id },
      { heading: 'TYPE', cell: (r) => r.type },
      { heading: 'QUEUE', cell: (r) => r.queue },
      { heading: 'STATUS', cell: (r) => statusLabel(r) },
      { heading: 'ATTEMPTS', cell: (r) => `${r.attempts}/${r.maxAttempts}`, align: 'right' },
      { heading: 'UPDATED', cell: (r) => r.updatedAt },
      { heading: 'ERROR', cell: (r) => shorten(r.error?.message, 60) ?? '' },
    ]),
  );
  if (page.cursor) io.stdout.write(`\nMore: add --cursor ${page.cursor}\n`);
  return EXIT.ok;
};

function errorText(error: NonNullable<JobRecord['error']>): string {
  const headline = `${error.name}: ${error.message}`;
  const stack = error.stack?.startsWith(headline)
    ? error.stack.slice(headline.length)
    : error.stack;
  const frames = (stack ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `  ${line.trim()}\n`)
    .join('');
  return `Error: ${headline}\n${frames}`;
}

function progressText(progress: JobProgress, at: Date): string {
  return `${describeProgress(progress)}, reported ${formatInstant(progress.at, at)}`;
}

function describeJob(record: JobRecord, context: CommandContext): string {
  const at = context.now();
  const view = toJobView(record, context.app.registry);
  const fields = formatFields([
    ['ID', record.id],
    ['Type', record.type],
    ['Queue', record.queue],
    ['Status', statusLabel(record)],
    ['Lost attempts', record.lostAttempts ? String(record.lostAttempts) : undefined],
    ['Attempts', `${record.attempts} of ${record.maxAttempts}`],
    ['Deferrals', record.deferrals ? String(record.deferrals) : undefined],
    ['Enqueued', formatInstant(record.enqueuedAt, at)],
    ['Started', formatInstant(record.startedAt, at)],
    ['Ended', formatInstant(record.endedAt, at)],
    ['Updated', formatInstant(record.updatedAt, at)],
    ['Waited', formatMs(record.waitMs)],
    ['Ran', formatMs(record.durationMs)],
    ['Deadline', record.status === 'RUNNING' ? record.leaseExpiresAt : undefined],
    ['Progress', view.progress ? progressText(view.progress, at) : undefined],
    ['Next try', formatInstant(record.retryAt, at)],
    ['Dead-lettered', formatInstant(record.deadLetteredAt, at)],
    ['Concurrency key', record.concurrencyKey],
    ['Message group', record.messageGroup],
    ['Message id', record.messageId],
    [
      'Output',
      record.output === undefined
        ? undefined
        : `${JSON.stringify(record.output)}${record.outputTruncated ? ' (truncated)' : ''}`,
    ],
    ['Payload', 'payload' in view ? JSON.stringify(view.payload) : view.payloadNote],
    [
      'Payload stored',
      view.storedPayload
        ? `${view.storedPayload.bytes} bytes in ${view.storedPayload.location}`
        : undefined,
    ],
  ]);
  const error = record.error ? `\n${errorText(record.error)}` : '';
  return fields + formatAttemptHistory(record.attemptHistory) + error;
}

/**
 * `lambda-jobs jobs show ID`: status, attempts, timings, error and stack.
 *
 * @example `lambda-jobs jobs show 0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f`
 */
export const jobsShowCommand: Command = async (context) => {
  const id = jobId(context);
  const { admin } = await context.target();
  const record = await admin.getJob(id);
  if (context.json) printJson(context.io, { job: toJobView(record, context.app.registry) });
  else context.io.stdout.write(describeJob(record, context));
  return EXIT.ok;
};

/** One job by ID, or many by selection flags (jobs-bulk.ts); never both, never neither. */
function singleOrBulk(action: 'retry' | 'cancel', context: CommandContext): 'single' | 'bulk' {
  const bulk = isBulkRequest(context);
  if (bulk && context.args.length > 0) {
    throw new CliUsageError(
      `\`jobs ${action}\` takes a job ID or selection flags (--status, --queue, --type, --since, --limit, --dry-run, --yes), not both.`,
    );
  }
  if (!bulk && context.args.length === 0) {
    throw new CliUsageError(
      `\`jobs ${action}\` needs a job ID, or --status to ${action} many (see \`lambda-jobs help jobs ${action}\`).`,
    );
  }
  return bulk ? 'bulk' : 'single';
}

/**
 * `lambda-jobs jobs retry ID`: ERRORED, LOST or CANCELLED → QUEUED, same id. With selection
 * flags instead of ID, many jobs (jobs-bulk.ts).
 *
 * @example `lambda-jobs jobs retry 0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f`
 */
export const jobsRetryCommand: Command = async (context) => {
  if (singleOrBulk('retry', context) === 'bulk') return runBulkCommand('retry', context);
  const id = jobId(context);
  const { admin } = await context.target();
  const before = await admin.getJob(id);
  const record = await admin.retryJob(id);
  if (context.json) {
    printJson(context.io, {
      job: toJobView(record, context.app.registry),
      previousStatus: before.status,
    });
    return EXIT.ok;
  }
  context.io.stdout.write(
    `Job ${id} (${record.type}) was ${before.status}; it is ${record.status} again on queue ${record.queue} with the same id.\n`,
  );
  if (before.deadLetteredAt) {
    context.io.stdout.write(
      `Its earlier message is still in the DLQ of ${record.queue}: once this run is over, dlq redrive skips it as a leftover and dlq purge removes it.\n`,
    );
  }
  return EXIT.ok;
};

/**
 * `lambda-jobs jobs cancel ID`: QUEUED, RETRYING or DEFERRED → CANCELLED. With selection flags
 * instead of ID, many jobs (jobs-bulk.ts).
 *
 * @example `lambda-jobs jobs cancel 0196f3c4-8a2b-7c1d-9e0f-1a2b3c4d5e6f`
 */
export const jobsCancelCommand: Command = async (context) => {
  if (singleOrBulk('cancel', context) === 'bulk') return runBulkCommand('cancel', context);
  const id = jobId(context);
  const { admin } = await context.target();
  const record = await admin.cancelJob(id);
  if (context.json) printJson(context.io, { job: toJobView(record, context.app.registry) });
  else {
    context.io.stdout.write(
      `Job ${id} (${record.type}) is CANCELLED; the worker will skip its message, and its onAborted hook ran if it has one.\n`,
    );
  }
  return EXIT.ok;
};
