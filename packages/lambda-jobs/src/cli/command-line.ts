/**
 * The command line: which commands exist, which flags each takes, their help texts, and the
 * parser that turns argv into a command and checked flags (node:util parseArgs, strict).
 */
import { parseArgs } from 'node:util';
import { CliUsageError } from './cli-errors.ts';

/** Every flag of every command (parseArgs needs one table; each command allows its own). */
const OPTIONS = {
  json: { type: 'boolean' },
  stack: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  queue: { type: 'string' },
  status: { type: 'string' },
  type: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  payload: { type: 'string' },
  delay: { type: 'string' },
  'dry-run': { type: 'boolean' },
  id: { type: 'string' },
  'include-unrunnable': { type: 'boolean' },
  rate: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  port: { type: 'string' },
} as const;

export type FlagName = keyof typeof OPTIONS;

/** Flag values as given (strings and booleans); absent flags are undefined. */
export type Flags = {
  readonly [K in FlagName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

const GLOBAL_FLAGS: readonly FlagName[] = ['json', 'stack', 'region', 'profile', 'help'];

/** One command: its words, arguments, own flags and help. */
export interface CommandSpec {
  /** `['jobs', 'ls']` */
  readonly words: readonly string[];
  /** Positional arguments after the words, all required. */
  readonly args: readonly string[];
  /** Positional arguments that may follow the required ones (shown as `[ID]`). */
  readonly optionalArgs?: readonly string[];
  readonly flags: readonly FlagName[];
  /** One line for the command list. */
  readonly summary: string;
  /** The rest of its help: what it does, its flags, examples. */
  readonly details: string;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['doctor'],
    args: [],
    flags: [],
    summary:
      'Check queues, DLQs, the monitor, alarms and settings; exit 1 if something needs attention',
    details: `Per queue: depth, in flight, delayed, oldest age, DLQ depth and backlog level; the last
monitor run; alarms in ALARM (deployed stacks); jobs stuck RUNNING; and settings that go
against AWS guidance (visibility timeout vs function timeout, maxReceiveCount vs retries,
job timeouts vs function timeout). Exit 0 when all is well, 1 when something needs attention.`,
  },
  {
    words: ['queues'],
    args: [],
    flags: [],
    summary: 'Depth, in flight, delayed, oldest age, DLQ depth and backlog level per queue',
    details: 'One row per configured queue, with its backlog level against its thresholds.',
  },
  {
    words: ['queues', 'pause'],
    args: ['QUEUE'],
    flags: [],
    summary: "Stop delivering QUEUE's messages to its worker until resumed",
    details: `On a deployed stack (--stack NAME) it disables the queue's Lambda event source mapping
(lambda:UpdateEventSourceMapping); in dev mode it pauses the queue's local poller. Messages
wait in the queue; jobs already running finish. queues, doctor and the dashboard show the
queue as paused.`,
  },
  {
    words: ['queues', 'resume'],
    args: ['QUEUE'],
    flags: [],
    summary: "Deliver a paused QUEUE's messages to its worker again",
    details: `Enables the queue's Lambda event source mapping again (a deployed stack), or resumes
its local poller (dev mode).`,
  },
  {
    words: ['circuits'],
    args: [],
    flags: [],
    summary: 'The circuit breaker of each job type that has one: closed, open or half-open',
    details: `One row per job type named in circuitBreakers (lambda-jobs.config.ts): its state, who
opened it, when its probe may run, the figures that opened it and its settings.`,
  },
  {
    words: ['circuits', 'open'],
    args: ['TYPE'],
    flags: [],
    summary: "Hold TYPE's jobs (no attempt spent) until its circuit is closed by hand",
    details: `Opens the circuit of job type TYPE (one DynamoDB UpdateItem). Its jobs are held: each
delivery is sent again with a delay, without a claim, so no attempt and no SQS receive count
is spent. A circuit opened by hand runs no probe; close it with circuits close TYPE.`,
  },
  {
    words: ['circuits', 'close'],
    args: ['TYPE'],
    flags: [],
    summary: "Close TYPE's circuit: its jobs run again",
    details: `Closes the circuit of job type TYPE, whoever opened it, and starts its failure counts
afresh. Workers see it within 2 s; held jobs run when their delay ends.`,
  },
  {
    words: ['jobs', 'ls'],
    args: [],
    flags: ['queue', 'status', 'type', 'since', 'limit', 'cursor'],
    summary: 'List jobs, newest first',
    details: `Options:
  --queue NAME     one queue (default: all)
  --status STATUS  QUEUED, RUNNING, RETRYING, DEFERRED, SUCCESSFUL, ERRORED, LOST or CANCELLED (default: all)
  --type TYPE      one job type
  --since WHEN     updated since: a duration back from now (30s, 15m, 1h, 7d) or an ISO 8601 instant
  --limit N        jobs per page, 1–100 (default 25)
  --cursor C       the next page (printed under a full page)

Example: lambda-jobs jobs ls --status errored --since 1h`,
  },
  {
    words: ['jobs', 'show'],
    args: ['ID'],
    flags: [],
    summary: 'One job: status, attempts, timings, error and stack',
    details:
      'The payload is shown only for job types defined with exposePayload: true (it may hold personal data).',
  },
  {
    words: ['jobs', 'retry'],
    args: [],
    optionalArgs: ['ID'],
    flags: ['status', 'queue', 'type', 'since', 'limit', 'dry-run', 'yes'],
    summary: 'Run an ERRORED, LOST or CANCELLED job again, with the same id; or many (--status)',
    details: `Resets the record (QUEUED, attempts 0) and sends its stored message again. A job whose
message was too large to keep in its record can only come back with dlq redrive.

Many at once (instead of ID):
  --status STATUS  ERRORED, LOST or CANCELLED (required)
  --queue NAME     one queue (default: all)
  --type TYPE      one job type
  --since WHEN     updated since: 30s, 15m, 1h, 7d or an ISO 8601 instant
  --limit N        at most N jobs, newest first, 1–1000 (default 100)
  --dry-run        list the jobs it would retry; change nothing
  -y, --yes        do not ask (required when stdin is not a terminal)

Each job goes through the single retry: one conditional write, its concurrency key taken
again or the retry refused naming the holder. Progress on stderr, the summary on stdout
(--json: as JSON). Ctrl-C stops after the job in hand. Exit 1 when a job was refused.

Example: lambda-jobs jobs retry --status errored --queue default --since 1h --dry-run`,
  },
  {
    words: ['jobs', 'cancel'],
    args: [],
    optionalArgs: ['ID'],
    flags: ['status', 'queue', 'type', 'since', 'limit', 'dry-run', 'yes'],
    summary: 'Cancel a QUEUED, RETRYING or DEFERRED job; or many (--status)',
    details: `The record becomes CANCELLED, its concurrency key is released and its onAborted hook
runs; the worker skips its message when it arrives. A RUNNING or finished job is left alone.

Many at once (instead of ID):
  --status STATUS  QUEUED, RETRYING or DEFERRED (required)
  --queue NAME     one queue (default: all)
  --type TYPE      one job type
  --since WHEN     updated since: 30s, 15m, 1h, 7d or an ISO 8601 instant
  --limit N        at most N jobs, newest first, 1–1000 (default 100)
  --dry-run        list the jobs it would cancel; change nothing
  -y, --yes        do not ask (required when stdin is not a terminal)

Progress on stderr, the summary on stdout (--json: as JSON). Ctrl-C stops after the job in
hand. Exit 1 when a job was refused (it started or finished meanwhile).

Example: lambda-jobs jobs cancel --status queued --type report --yes`,
  },
  {
    words: ['enqueue'],
    args: ['TYPE'],
    flags: ['payload', 'delay', 'queue'],
    summary: 'Enqueue a job of a registered type',
    details: `Options:
  --payload JSON   the payload (default {}), checked against the job type's schema
  --delay SECONDS  run no earlier than this many seconds from now (beyond 900 s needs EventBridge Scheduler)
  --queue NAME     another configured queue than the job type's

Example: lambda-jobs enqueue webhook --payload '{"url":"https://example.com/hook","body":{}}'`,
  },
  {
    words: ['dlq', 'ls'],
    args: ['QUEUE'],
    flags: ['limit'],
    summary: "Jobs whose message is in a queue's dead-letter queue, and its count",
    details: `Options:
  --limit N   jobs to show, 1–1000 (default 25), newest first

Lists the job records that say their message is in the DLQ (deadLetteredAt), with the error
and the field at fault; SQS is asked only for the DLQ's count. No message is received, so
nothing changes (receive counts included). Messages without such a record (SQS's own redrive
after a worker crash, a record past its retention) are counted, not listed: dlq redrive
--dry-run names every message.`,
  },
  {
    words: ['dlq', 'redrive'],
    args: ['QUEUE'],
    flags: ['dry-run', 'type', 'id', 'include-unrunnable', 'limit', 'rate'],
    summary: 'Move dead letters back to QUEUE, keeping job ids',
    details: `Options:
  --dry-run              say what would move and what would be skipped, and why; change nothing
  --type T               only messages of job type T
  --id ID[,ID…]          only the messages of these jobs (moved even if they cannot run)
  --include-unrunnable   move messages whose envelope cannot run too (the worker rejects them again)
  --limit N              at most N matching messages (default 1000)
  --rate R               at most R messages per second

Takes at most the messages that were in the DLQ when it started: a job that fails again at
once and comes back during the run is left for the next one. Messages whose envelope cannot
run (not an envelope, unknown type, a payload the schema refuses, another queue's) are left
in the DLQ and listed, as are those whose job is RUNNING or already SUCCESSFUL. Each job's
record is reset (ERRORED, LOST or CANCELLED → QUEUED, attempts 0), its message sent back
unchanged, and only then deleted from the DLQ. Progress (moved, skipped, left) on stderr;
the summary on stdout (--json: as JSON). Ctrl-C stops after the message in hand, prints the
summary and exits 1. (SQS's StartMessageMoveTask is not used: it cannot reset the records.)`,
  },
  {
    words: ['dlq', 'retry'],
    args: ['QUEUE', 'JOB_ID'],
    flags: [],
    summary: "Move one job's message from the DLQ back to QUEUE",
    details: `The redrive of one job (dlq redrive QUEUE --id JOB_ID): its record is reset and its
message moved back, even when its envelope cannot run. Exit 3 when the DLQ holds no message
of that job.`,
  },
  {
    words: ['dlq', 'delete'],
    args: ['QUEUE', 'JOB_ID'],
    flags: ['yes'],
    summary: "Delete one job's message from the DLQ",
    details: `Options:
  -y, --yes   do not ask (required when stdin is not a terminal)

Deletes the job's message (every copy) from the DLQ, then notes it on the record
(deadLetteredAt removed, deadLetterDeletedAt set); the record stays ERRORED or LOST.`,
  },
  {
    words: ['dlq', 'purge'],
    args: ['QUEUE'],
    flags: ['yes'],
    summary: "Delete every message in QUEUE's dead-letter queue",
    details: `Options:
  -y, --yes   do not ask (required when stdin is not a terminal)

Asks for confirmation first. SQS allows one purge per queue per 60 s.`,
  },
  {
    words: ['dashboard'],
    args: [],
    flags: ['port'],
    summary: 'Serve the web dashboard for the target on 127.0.0.1 until Ctrl-C',
    details: `Options:
  --port N   port on 127.0.0.1 (default 0: a free one)

Dev mode already serves one (its address is printed); this is mostly for a deployed stack:
lambda-jobs dashboard --stack shop --profile prod. Read-only unless an action is clicked and
confirmed; every action runs with your credentials.`,
  },
  {
    words: ['dev'],
    args: [],
    flags: [],
    summary: 'Start dev mode for this project: emulators, workers, monitor and dashboard',
    details: `Flags:
  --pretty             readable log lines instead of JSON
  --port N             dashboard port (default 8787)
  --monitor-every S    monitor period in seconds

Example: lambda-jobs dev --pretty`,
  },
  {
    words: ['help'],
    args: [],
    flags: [],
    summary: "This text, or a command's (help jobs ls)",
    details: '',
  },
];

export const GLOBAL_USAGE = `Global options:
  --stack NAME      a deployed stack (reads its CloudFormation outputs); default: the dev mode
                    running in this folder (npx lambda-jobs dev)
  --region REGION   AWS region of the stack (sets AWS_REGION)
  --profile NAME    AWS profile (sets AWS_PROFILE)
  --json            machine-readable output on stdout (nothing else is written there);
                    errors as one JSON line on stderr: {"error":{"name","message","exitCode"}}
  -h, --help        help

Exit codes: 0 ok · 1 needs attention or failed · 2 usage error · 3 unknown job, queue or stack ·
4 target unreachable (no dev mode running and no --stack, or endpoints refusing connections)`;

const synopsis = (spec: CommandSpec) =>
  [...spec.words, ...spec.args, ...(spec.optionalArgs ?? []).map((arg) => `[${arg}]`)].join(' ') +
  (spec.flags.length > 0 ? ' [options]' : '');

/**
 * The general help.
 *
 * @example `process.stdout.write(generalUsage())`
 */
export function generalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => synopsis(c).length)) + 2;
  const lines = COMMANDS.map((c) => `  ${synopsis(c).padEnd(width)}${c.summary}`);
  return `Usage: lambda-jobs <command> [options]

Operates lambda-jobs queues and jobs in dev mode or a deployed stack.

Commands:
${lines.join('\n')}

${GLOBAL_USAGE}
`;
}

/**
 * One command's help.
 *
 * @example `commandUsage(findCommand(['jobs', 'ls'])!)`
 */
export function commandUsage(spec: CommandSpec): string {
  return `Usage: lambda-jobs ${synopsis(spec)}

${spec.summary}.
${spec.details ? `\n${spec.details}\n` : ''}
${GLOBAL_USAGE}
`;
}

/**
 * Two lines shown under a usage error: the synopsis and where the full help is.
 *
 * @example `shortUsage(findCommand(['jobs', 'show'])!)`
 */
export function shortUsage(spec: CommandSpec): string {
  return `Usage: lambda-jobs ${synopsis(spec)}\nRun \`lambda-jobs help ${spec.words.join(' ')}\` for more.`;
}

/**
 * The command whose words start `words`, longest first.
 *
 * @example `findCommand(['jobs', 'ls', '--json'])?.words // ['jobs', 'ls']`
 */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  return [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((spec) => spec.words.every((word, i) => words[i] === word));
}

/** A parsed command line. */
export type CommandLine =
  | { readonly kind: 'help'; readonly spec?: CommandSpec }
  | {
      readonly kind: 'run';
      readonly spec: CommandSpec;
      readonly args: readonly string[];
      readonly flags: Flags;
    };

function optionIn(message: string): string {
  return /'(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
}

/**
 * Parses argv (without node and the script). Throws {@link CliUsageError} for an unknown
 * command or flag, a flag the command does not take, or a missing or extra argument.
 *
 * @example
 * ```ts
 * parseCommandLine(['jobs', 'ls', '--status', 'ERRORED']);
 * // { kind: 'run', spec: <jobs ls>, args: [], flags: { status: 'ERRORED' } }
 * ```
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new CliUsageError(
        `Unknown option ${optionIn(message)}. Run \`lambda-jobs help\` for the commands and their options.`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new CliUsageError(
        `Option ${optionIn(message)} needs a value${/ambiguous/.test(message) ? ' (a value starting with "-" must be written --flag=value)' : ''}.`,
      );
    }
    throw new CliUsageError(message);
  }
  const { values, positionals } = parsed;
  const flags = values as Flags;
  if (positionals[0] === 'help') {
    const spec = positionals.length > 1 ? findCommand(positionals.slice(1)) : undefined;
    if (positionals.length > 1 && !spec) {
      throw new CliUsageError(
        `No command "${positionals.slice(1).join(' ')}". Run \`lambda-jobs help\` for the list.`,
      );
    }
    return spec ? { kind: 'help', spec } : { kind: 'help' };
  }
  if (positionals.length === 0) {
    if (flags.help) return { kind: 'help' };
    throw new CliUsageError('No command given.', generalUsage());
  }
  const spec = findCommand(positionals);
  if (!spec) {
    const group = COMMANDS.filter((c) => c.words[0] === positionals[0] && c.words.length > 1);
    const known = (group.length > 0 ? group : COMMANDS).map((c) => c.words.join(' '));
    throw new CliUsageError(
      `Unknown command "${positionals.slice(0, 2).join(' ')}". Commands: ${known.join(', ')}.`,
    );
  }
  if (flags.help) return { kind: 'help', spec };
  const allowed = new Set<FlagName>([...GLOBAL_FLAGS, ...spec.flags]);
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !allowed.has(name as FlagName)) {
      throw new CliUsageError(
        `\`${spec.words.join(' ')}\` does not take --${name}.${spec.flags.length > 0 ? ` Its options: ${spec.flags.map((f) => `--${f}`).join(', ')}.` : ''}`,
        shortUsage(spec),
      );
    }
  }
  const args = positionals.slice(spec.words.length);
  if (args.length < spec.args.length) {
    throw new CliUsageError(
      `\`${spec.words.join(' ')}\` needs ${spec.args.slice(args.length).join(' ')}.`,
      shortUsage(spec),
    );
  }
  const most = spec.args.length + (spec.optionalArgs?.length ?? 0);
  if (args.length > most) {
    throw new CliUsageError(
      `Unexpected argument "${args[most]}" for \`${spec.words.join(' ')}\`.`,
      shortUsage(spec),
    );
  }
  return { kind: 'run', spec, args, flags };
}
