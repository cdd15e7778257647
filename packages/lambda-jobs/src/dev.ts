/**
 * Dev mode as a library, for projects that wrap it in a script of their own (to add demo
 * traffic, say). `npx lambda-jobs dev` is the usual way to run it.
 *
 * @example
 * ```ts
 * import { parseDevArgs, runDevMode } from 'lambda-jobs/dev';
 * const run = await runDevMode({ config, registry, args: parseDevArgs(process.argv.slice(2)) });
 * ```
 * @packageDocumentation
 */
export type { DevMode } from './local/dev-mode.ts';
export {
  DEV_USAGE,
  type DevArgs,
  type DevRun,
  type DevRunOptions,
  DevUsageError,
  parseDevArgs,
  runDevMode,
} from './local/run-dev-mode.ts';
export { enterDevMode } from './runtime/run-mode.ts';
