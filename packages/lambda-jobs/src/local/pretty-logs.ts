/**
 * `--pretty`: rewrites the Powertools JSON log lines this process writes into one readable
 * line each (`12:00:01.234 INFO  Job succeeded job_id=… queue=default duration_ms=12`; the
 * batch's "Jobs succeeded" line becomes a line per job), and
 * the workers' EMF metric documents likewise (`12:00:01.240 METRIC   queue=default
 * JobsSucceeded=1 JobDuration=12ms`).
 * Lines that are not JSON log entries pass through with their control characters escaped.
 * Messages, keys and values are producer text (job types, field names, error messages): their
 * control characters are shown escaped (`\x1b`), so only our own colours reach the terminal.
 */
import { JOBS_SUCCEEDED_MESSAGE } from '../runtime/success-log.ts';
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

const UNIT_SUFFIX: Record<string, string> = { Milliseconds: 'ms', Seconds: 's' };

interface EmfDirective {
  readonly Dimensions?: unknown;
  readonly Metrics?: unknown;
}

/**
 * An EMF document (Powertools Metrics' `{"_aws": {…}}` line) as one line: its dimensions, then
 * each metric with its value(s) and unit, `12:00:01.234 METRIC   queue=default job_type=echo
 * JobsSucceeded=1 JobDuration=12ms`. Undefined when the document is not EMF.
 */
function prettyMetricLine(entry: Record<string, unknown>, colour: boolean): string | undefined {
  const aws = entry._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws !== 'object' || !Array.isArray(aws.CloudWatchMetrics)) return undefined;
  const directives = aws.CloudWatchMetrics as EmfDirective[];
  const dimensions = new Set<string>();
  const metrics = new Map<string, string>();
  for (const directive of directives) {
    for (const set of Array.isArray(directive.Dimensions) ? directive.Dimensions : []) {
      for (const name of Array.isArray(set) ? set : []) {
        if (typeof name === 'string' && name !== 'service') dimensions.add(name);
      }
    }
    for (const metric of Array.isArray(directive.Metrics) ? directive.Metrics : []) {
      const { Name, Unit } = (metric ?? {}) as { Name?: unknown; Unit?: unknown };
      if (typeof Name === 'string') metrics.set(Name, typeof Unit === 'string' ? Unit : '');
    }
  }
  const time =
    typeof aws.Timestamp === 'number' && Number.isFinite(aws.Timestamp)
      ? new Date(aws.Timestamp).toISOString().slice(11, 23)
      : '';
  const fields = [
    ...[...dimensions].map((name) => `${terminalSafeInline(name)}=${formatValue(entry[name])}`),
    ...[...metrics].map(([name, unit]) => {
      const value = entry[name];
      const shown = Array.isArray(value)
        ? value.map((v) => JSON.stringify(v)).join(',')
        : JSON.stringify(value);
      return `${terminalSafeInline(name)}=${terminalSafeInline(shown ?? '')}${UNIT_SUFFIX[unit] ?? ''}`;
    }),
  ].join(' ');
  const tint = colour ? LEVEL_COLOURS.DEBUG : '';
  return `${time} ${tint}${'METRIC'.padEnd(8)}${colour ? RESET : ''} ${fields}`;
}

/**
 * The batch's success line as a line per job (`12:00:01.234 INFO     Job succeeded
 * job_id=… job_type=echo attempt=1 duration_ms=12 queue=default`), as a developer reads them.
 */
function prettySuccessLines(
  entry: Record<string, unknown>,
  jobs: readonly unknown[],
  colour: boolean,
): string {
  const { jobs: _jobs, message: _message, ...shared } = entry;
  return jobs
    .map((job) => {
      const fields = job && typeof job === 'object' && !Array.isArray(job) ? job : { job };
      return prettyLogLine(
        JSON.stringify({ ...shared, message: 'Job succeeded', ...fields }),
        colour,
      );
    })
    .join('\n');
}

/**
 * One log line, pretty; undefined when the line is not a JSON log entry. EMF metric documents
 * the worker writes between log lines are rendered too (see {@link prettyMetricLine}).
 */
export function prettyLogLine(line: string, colour: boolean): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  if ('_aws' in entry && typeof entry.message !== 'string') return prettyMetricLine(entry, colour);
  if (typeof entry.level !== 'string' || typeof entry.message !== 'string') return undefined;
  if (entry.message === JOBS_SUCCEEDED_MESSAGE && Array.isArray(entry.jobs)) {
    return prettySuccessLines(entry, entry.jobs, colour);
  }
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
