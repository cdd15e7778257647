/** Short human forms of durations, instants and untrusted text for terminals. */
import { terminalSafe } from '../local/terminal-text.ts';
import type { OutputStream } from './cli-io.ts';

/**
 * A stream that shows control characters escaped (`\x1b`) instead of passing them to the
 * terminal: every line the CLI prints for people goes through it, whatever producer text
 * (type names, field names, error messages) it holds. JSON output needs none: JSON.stringify
 * escapes control characters itself.
 *
 * @example `const stdout = terminalSafeStream(process.stdout)`
 */
export function terminalSafeStream(stream: OutputStream): OutputStream {
  return { write: (text: string) => stream.write(terminalSafe(text)) };
}

/**
 * `42s`, `5m 3s`, `2h 10m`, `3d 4h`.
 *
 * @example `formatSeconds(303) === '5m 3s'`
 */
export function formatSeconds(seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)}h${minutes ? ` ${minutes}m` : ''}`;
  }
  const hours = Math.floor((s % 86_400) / 3600);
  return `${Math.floor(s / 86_400)}d${hours ? ` ${hours}h` : ''}`;
}

/**
 * `1.2s`, `350ms`.
 *
 * @example `formatMs(1234) === '1.2s'`
 */
export function formatMs(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * An instant with how long ago it was: `2026-11-22T10:00:00.000Z (5m 3s ago)`.
 *
 * @example `formatInstant('2026-11-22T10:00:00Z', new Date('2026-11-22T10:05:03Z'))`
 */
export function formatInstant(iso: string | undefined, now: Date): string | undefined {
  if (iso === undefined) return undefined;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  const delta = (now.getTime() - at) / 1000;
  const relative = delta >= 0 ? `${formatSeconds(delta)} ago` : `in ${formatSeconds(-delta)}`;
  return `${iso} (${relative})`;
}
