/**
 * `--pretty`: rewrites the Powertools JSON log lines this process writes into one readable
 * line each (`12:00:01.234 INFO  Job succeeded job_id=… queue=default duration_ms=12`).
 * Lines that are not JSON log entries pass through with their control characters escaped.
 * Messages, keys and values are producer text (job types, field names, error messages): their
 * control characters are shown escaped (`\x1b`), so only our own colours reach the terminal.
 */
import { terminalSafe, terminalSafeInline } from './terminal-text.ts';

const LEVEL_COLOURS: Record<string, string> = {
  DEBUG: '\u001b[90m',
  INFO: '\u001b[36m',
  WARN: '\u001b[33m',
  ERROR: '\u001b[31m',
  CRITICAL: '\u001b[1;31m',
};
const RESET = '\u001b[0m';
const SKIPPED = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'cold_start',
]);

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return /\s/.test(value) ? JSON.stringify(value) : terminalSafeInline(value);
  }
  if (value && typeof value === 'object' && 'message' in value && 'name' in value) {
    return terminalSafeInline(
      `${String((value as { name: unknown }).name)}: ${String((value as { message: unknown }).message)}`,
    );
  }
  return JSON.stringify(value);
}

/** One log line, pretty; undefined when the line is not a JSON log entry. */
export function prettyLogLine(line: string, colour: boolean): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof entry.level !== 'string' || typeof entry.message !== 'string') return undefined;
  const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 23) : '';
  const level = entry.level.padEnd(8);
  const fields = Object.entries(entry)
    .filter(([key]) => !SKIPPED.has(key))
    .map(([key, value]) => `${terminalSafeInline(key)}=${formatValue(value)}`)
    .join(' ');
  const tint = colour ? (LEVEL_COLOURS[entry.level] ?? '') : '';
  const message = terminalSafeInline(entry.message);
  return `${terminalSafeInline(time)} ${tint}${terminalSafeInline(level)}${colour ? RESET : ''} ${message}${fields ? ` ${fields}` : ''}`;
}

/**
 * Rewrites the JSON log lines this process writes to `stream` (Powertools writes info to
 * stdout, warnings and errors to stderr). Returns a function that undoes it.
 */
export function prettifyStream(
  stream: NodeJS.WriteStream,
  colour = stream.isTTY === true,
): () => void {
  const original = stream.write.bind(stream);
  let pending = '';
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text =
      pending + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    const out = lines.map((line) => prettyLogLine(line, colour) ?? terminalSafe(line)).join('\n');
    return (original as (...a: unknown[]) => boolean)(lines.length > 0 ? `${out}\n` : '', ...rest);
  }) as typeof stream.write;
  return () => {
    stream.write = original;
  };
}
