import { spawn } from 'node:child_process';

/**
 * Runs `npm run dev -- <args>` in `cwd` with this terminal, and resolves its exit code. Ctrl-C
 * reaches dev mode (same terminal), which stops cleanly; this process waits for it.
 *
 * @example
 * ```ts
 * process.exitCode = await runDevMode(['--demo'], process.cwd());
 * ```
 */
export function runDevMode(args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'dev', ...(args.length > 0 ? ['--', ...args] : [])], {
      cwd,
      stdio: 'inherit',
    });
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
    };
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}
