import type { StoredError } from './job-record.ts';
import { LIMITS } from './limits.ts';

/** Cuts a string to at most `maxBytes` of UTF-8, marking the cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '… [truncated]';
  const room = maxBytes - Buffer.byteLength(marker, 'utf8');
  let cut = Buffer.from(text, 'utf8').subarray(0, Math.max(0, room)).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + marker;
}

/**
 * An error as the job record keeps it: name, message (≤ 1 KiB) and stack (≤ 8 KiB).
 * Anything thrown is accepted, including non-Error values.
 */
export function toStoredError(error: unknown): StoredError {
  if (error instanceof Error) {
    const field = (error as { field?: unknown }).field;
    return {
      name: error.name,
      message: truncateUtf8(error.message, 1024),
      ...(error.stack ? { stack: truncateUtf8(error.stack, LIMITS.maxStoredTextBytes) } : {}),
      ...(typeof field === 'string' ? { field: truncateUtf8(field, 256) } : {}),
    };
  }
  return { name: 'NonErrorThrown', message: truncateUtf8(String(error), 1024) };
}

/** A job's output as kept in its record: the value when its JSON fits, else a note. */
export function boundOutput(output: unknown): { output?: unknown; outputTruncated?: boolean } {
  if (output === undefined) return {};
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch {
    return { outputTruncated: true };
  }
  if (json === undefined) return {};
  if (Buffer.byteLength(json, 'utf8') > LIMITS.maxStoredTextBytes) return { outputTruncated: true };
  return { output: JSON.parse(json) as unknown };
}
