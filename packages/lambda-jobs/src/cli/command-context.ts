import type { CliIo } from './cli-io.ts';
import type { CliApp, CliTarget } from './cli-target.ts';
import type { Flags } from './command-line.ts';

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  readonly app: CliApp;
  readonly flags: Flags;
  /** Positional arguments after the command's words (ID, QUEUE, TYPE). */
  readonly args: readonly string[];
  /** True with --json: write only JSON to stdout. */
  readonly json: boolean;
  /** Connects to the target (dev mode or --stack) on first use. */
  target(): Promise<CliTarget>;
  readonly now: () => Date;
}

/** A command: returns its exit code, or throws (the error chooses the code). */
export type Command = (context: CommandContext) => Promise<number>;

/**
 * Writes a JSON document (one line per document, pretty-printed) to stdout.
 *
 * @example `printJson(io, { queues })`
 */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A failure a command reports itself (it returns its exit code rather than throwing): the
 * message on stderr, as the one JSON line `{"error": {…}}` with `--json` (as `main` writes a
 * thrown error).
 *
 * @example `return printFailure(io, json, { name: 'NotConfirmed', message: 'Nothing deleted.', exitCode: EXIT.failed })`
 */
export function printFailure(
  io: CliIo,
  json: boolean,
  failure: { readonly name: string; readonly message: string; readonly exitCode: number },
): number {
  io.stderr.write(json ? `${JSON.stringify({ error: failure })}\n` : `${failure.message}\n`);
  return failure.exitCode;
}
