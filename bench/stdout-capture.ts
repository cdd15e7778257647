/** What was written to stdout while captured. */
export interface StdoutCapture {
  readonly bytes: () => number;
  readonly lines: () => number;
  /** Puts the real stdout back. */
  readonly restore: () => void;
}

/**
 * Swallows and counts everything written to `process.stdout` until `restore()`: the JSON log
 * lines and EMF metrics a handler would send to CloudWatch Logs. Progress goes to stderr, so
 * it stays visible.
 *
 * @example
 * ```ts
 * const capture = captureStdout();
 * try { await runHandlers(); } finally { capture.restore(); }
 * console.error(`${capture.bytes()} bytes of logs`);
 * ```
 */
export function captureStdout(): StdoutCapture {
  const stdout = process.stdout;
  const original = stdout.write;
  let bytes = 0;
  let lines = 0;
  const swallow = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    bytes += Buffer.byteLength(text);
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines += 1;
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  stdout.write = swallow as typeof stdout.write;
  return {
    bytes: () => bytes,
    lines: () => lines,
    restore: () => {
      stdout.write = original;
    },
  };
}
