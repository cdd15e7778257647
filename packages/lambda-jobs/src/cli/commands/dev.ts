import { DevUsageError, parseDevArgs, runDevMode } from '../../local/run-dev-mode.ts';
import { CliUsageError } from '../cli-errors.ts';
import type { CliIo } from '../cli-io.ts';
import { loadProject } from '../project.ts';

/**
 * `lambda-jobs dev`: dev mode for the project around `io.cwd`, in this process. Resolves only
 * when asked for help; otherwise it runs until Ctrl-C, which stops it cleanly and exits.
 *
 * @example
 * ```ts
 * process.exitCode = await runDevCommand(['--pretty'], io);
 * ```
 */
export async function runDevCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseDevArgs>;
  try {
    parsed = parseDevArgs(args);
  } catch (error) {
    if (error instanceof DevUsageError) throw new CliUsageError(error.message);
    throw error;
  }
  const project = await loadProject(io.cwd, 'dev');
  const say = (line: string) => io.stderr.write(`${line}\n`);
  try {
    await runDevMode({ config: project.config, registry: project.registry, args: parsed, say });
  } catch (error) {
    if (error instanceof DevUsageError) throw new CliUsageError(error.message);
    throw error;
  }
  say('Ready. Ctrl-C stops everything cleanly.');
  return new Promise<number>(() => {});
}
