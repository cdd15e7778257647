import { createInterface } from 'node:readline/promises';

/** A stream the CLI writes to. */
export interface OutputStream {
  write(text: string): unknown;
}

/**
 * Everything the CLI touches outside itself, so tests can run it in process: where output
 * goes, whether a person is at the keyboard, how to ask them, the folder and the environment.
 */
export interface CliIo {
  /** Results only: tables for people, JSON with --json. */
  readonly stdout: OutputStream;
  /** Errors, warnings and progress. */
  readonly stderr: OutputStream;
  /** True when stdin is a terminal (a person can answer a question). */
  readonly interactive: boolean;
  /** Asks a question on the terminal and resolves the line typed. */
  ask(question: string): Promise<string>;
  /** The project folder (where `.lambda-jobs/dev.json` is looked for). */
  readonly cwd: string;
  /** Environment variables (--region and --profile write AWS_REGION and AWS_PROFILE here). */
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the person asks a long-running command to stop (Ctrl-C, SIGTERM). */
  untilInterrupted(): Promise<void>;
  /**
   * A signal that aborts on the first Ctrl-C (or SIGTERM) while a command works through many
   * items, so it can stop after the one in hand; a second Ctrl-C ends the process as usual.
   * `dispose` stops listening.
   */
  interruption(): { readonly signal: AbortSignal; dispose(): void };
}

/**
 * The real process's streams, terminal, folder and environment.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo());
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY === true,
    async ask(question) {
      const terminal = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await terminal.question(question);
      } finally {
        terminal.close();
      }
    },
    cwd: process.cwd(),
    env: process.env,
    untilInterrupted() {
      return new Promise((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    },
    interruption() {
      const controller = new AbortController();
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        controller.abort();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return { signal: controller.signal, dispose: stop };
    },
  };
}
