/**
 * Where this process runs jobs: `deployed` (Lambda, or the CLI against a stack) or `dev` (dev
 * mode on this machine). Set by the entry point before the project's job modules load, never by
 * a payload or an environment variable, so a job module can wire itself for dev mode (local
 * secrets, a local allow-list) with {@link isDevMode}.
 */
const RUN_MODE = Symbol.for('lambda-jobs.run-mode');

type ModeHolder = { [RUN_MODE]?: 'dev' };

/**
 * True in dev mode (`npx lambda-jobs dev`, or the CLI talking to it).
 *
 * @example
 * ```ts
 * const readSecret = isDevMode() ? localSecrets(config.dev.secretValues) : createSecretResolver();
 * ```
 */
export function isDevMode(): boolean {
  return (globalThis as ModeHolder)[RUN_MODE] === 'dev';
}

/** Marks this process as dev mode; entry points call it before loading the job modules. */
export function enterDevMode(): void {
  (globalThis as ModeHolder)[RUN_MODE] = 'dev';
}
