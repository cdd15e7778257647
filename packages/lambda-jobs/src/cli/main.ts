/**
 * The `lambda-jobs` command: parses the command line, connects to the target on demand, runs
 * the command, and turns every failure into a message on stderr and an exit code (see
 * {@link EXIT}); with `--json`, that message is one JSON line (`{"error": {…}}`). In process and side-effect free apart from `io`, so tests call it directly.
 */
import { describeFailure, EXIT, failureJson } from './cli-errors.ts';
import type { CliIo } from './cli-io.ts';
import { type CliApp, type CliTarget, connectTarget } from './cli-target.ts';
import type { Command, CommandContext } from './command-context.ts';
import { commandUsage, findCommand, generalUsage, parseCommandLine } from './command-line.ts';
import { circuitSetCommand, circuitsCommand } from './commands/circuits.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import {
  dlqDeleteCommand,
  dlqListCommand,
  dlqPurgeCommand,
  dlqRedriveCommand,
  dlqRetryCommand,
} from './commands/dead-letters.ts';
import { doctorCommand } from './commands/doctor.ts';
import { enqueueCommand } from './commands/enqueue.ts';
import {
  jobsCancelCommand,
  jobsListCommand,
  jobsRetryCommand,
  jobsShowCommand,
} from './commands/jobs.ts';
import { queuePauseCommand, queuesCommand } from './commands/queues.ts';
import { terminalSafeStream } from './human-format.ts';
import { loadProject } from './project.ts';

const HANDLERS: Readonly<Record<string, Command>> = {
  doctor: doctorCommand,
  queues: queuesCommand,
  'queues pause': queuePauseCommand(true),
  'queues resume': queuePauseCommand(false),
  circuits: circuitsCommand,
  'circuits open': circuitSetCommand('open'),
  'circuits close': circuitSetCommand('closed'),
  'jobs ls': jobsListCommand,
  'jobs show': jobsShowCommand,
  'jobs retry': jobsRetryCommand,
  'jobs cancel': jobsCancelCommand,
  enqueue: enqueueCommand,
  'dlq ls': dlqListCommand,
  'dlq redrive': dlqRedriveCommand,
  'dlq retry': dlqRetryCommand,
  'dlq delete': dlqDeleteCommand,
  'dlq purge': dlqPurgeCommand,
  dashboard: dashboardCommand,
};

/**
 * `--json` anywhere before a `--`: also when the command line itself is at fault, so a script
 * that asked for JSON gets its error as JSON whatever failed.
 */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some(
    (arg) => arg === '--json' || arg === '--json=true',
  );
}

/** Dev mode (emulators, workers, dashboard) is loaded only by the command that runs it. */
async function runDevCommandLater(args: readonly string[], io: CliIo): Promise<number> {
  const { runDevCommand } = await import('./commands/dev.ts');
  return runDevCommand(args, io);
}

/** What tests (or another front end) may replace. */
export interface MainOptions {
  /**
   * Default: the project around the current folder (`lambda-jobs.config.ts` and its registry),
   * loaded for dev mode unless `--stack` names a deployed stack.
   */
  readonly app?: CliApp;
  /** Default: dev mode in this process (see runDevCommand). */
  readonly runDev?: (args: readonly string[], io: CliIo) => Promise<number>;
  readonly now?: () => Date;
}

/**
 * Runs one command line and resolves its exit code. Never throws.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo());
 * ```
 */
export async function main(
  argv: readonly string[],
  terminal: CliIo,
  options: MainOptions = {},
): Promise<number> {
  // Output shows producer text (types, field names, messages): never let it drive the terminal.
  const io: CliIo = {
    ...terminal,
    stdout: terminalSafeStream(terminal.stdout),
    stderr: terminalSafeStream(terminal.stderr),
  };
  try {
    if (argv[0] === 'dev') {
      if (argv[1] === '--help' || argv[1] === '-h') {
        io.stdout.write(commandUsage(findCommand(['dev'])!));
        return EXIT.ok;
      }
      const passOn = argv.slice(1).filter((arg, i) => !(i === 0 && arg === '--'));
      return await (options.runDev ?? runDevCommandLater)(passOn, io);
    }
    const line = parseCommandLine(argv);
    if (line.kind === 'help') {
      io.stdout.write(line.spec ? commandUsage(line.spec) : generalUsage());
      return EXIT.ok;
    }
    const app =
      options.app ??
      (await loadProject(io.cwd, line.flags.stack === undefined ? 'dev' : 'deployed'));
    let connecting: Promise<CliTarget> | undefined;
    const context: CommandContext = {
      io,
      app,
      flags: line.flags,
      args: line.args,
      json: line.flags.json === true,
      now: options.now ?? (() => new Date()),
      target: () => {
        connecting ??= connectTarget(line.flags, io, app);
        return connecting;
      },
    };
    const handler = HANDLERS[line.spec.words.join(' ')];
    if (!handler) {
      io.stdout.write(generalUsage());
      return EXIT.ok;
    }
    return await handler(context);
  } catch (error) {
    if (wantsJson(argv)) {
      const answer = failureJson(error);
      io.stderr.write(`${JSON.stringify(answer)}\n`);
      return answer.error.exitCode;
    }
    const { code, message } = describeFailure(error);
    io.stderr.write(`${message}\n`);
    return code;
  }
}
