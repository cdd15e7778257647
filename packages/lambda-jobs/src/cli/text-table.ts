/**
 * Plain-text tables for people: a header row, left-aligned columns separated by two spaces,
 * numbers right-aligned. No colours, no borders. Cells and values are producer text (job types,
 * ids, messages): control characters in them are shown escaped, never sent to the terminal.
 */
import { terminalSafeInline } from '../local/terminal-text.ts';

/** One column: its heading, how to read a cell from a row, and its alignment. */
export interface Column<Row> {
  readonly heading: string;
  readonly cell: (row: Row) => string | number | undefined;
  /** Default: right for numbers, left otherwise. */
  readonly align?: 'left' | 'right';
}

const GAP = '  ';

/** Visible width of a cell (code points, so "é" and "✓" count as one). */
const width = (text: string) => [...text].length;

/**
 * Renders rows as a table (no trailing spaces; one `\n` after each line).
 *
 * @example
 * ```ts
 * formatTable([{ name: 'default', depth: 3 }], [
 *   { heading: 'QUEUE', cell: (r) => r.name },
 *   { heading: 'DEPTH', cell: (r) => r.depth },
 * ]);
 * // 'QUEUE    DEPTH\ndefault      3\n'
 * ```
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const text = cells.map((row) =>
    row.map((value) => (value === undefined ? '-' : terminalSafeInline(String(value)))),
  );
  const widths = columns.map((column, c) =>
    Math.max(width(column.heading), ...text.map((row) => width(row[c] ?? ''))),
  );
  const alignOf = (c: number) =>
    columns[c]!.align ??
    (cells.length > 0 && cells.every((row) => typeof row[c] === 'number' || row[c] === undefined)
      ? 'right'
      : 'left');
  const pad = (value: string, c: number) => {
    const fill = ' '.repeat(widths[c]! - width(value));
    return alignOf(c) === 'right' ? fill + value : value + fill;
  };
  const line = (values: readonly string[]) =>
    `${values
      .map((value, c) => pad(value, c))
      .join(GAP)
      .trimEnd()}\n`;
  return line(columns.map((column) => column.heading)) + text.map(line).join('');
}

/**
 * `key: value` lines with the keys aligned, skipping undefined values.
 *
 * @example
 * ```ts
 * formatFields([['Status', 'ERRORED'], ['Attempts', '1 of 4']]); // 'Status:   ERRORED\nAttempts: 1 of 4\n'
 * ```
 */
export function formatFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter(
    (field): field is readonly [string, string] => field[1] !== undefined,
  );
  const keyWidth = Math.max(0, ...shown.map(([key]) => width(key) + 1));
  return shown
    .map(([key, value]) => `${`${key}:`.padEnd(keyWidth)} ${terminalSafeInline(value)}\n`)
    .join('');
}
