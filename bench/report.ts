/** One line of the final summary table. */
export interface SummaryRow {
  readonly benchmark: string;
  readonly measured: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly goal: string;
  /** 'yes', 'NO', or '—' when the row has no goal. */
  readonly met: string;
}

/**
 * A Markdown table (pipes, padded columns), readable in a terminal and pasteable into docs.
 *
 * @example
 * ```ts
 * formatTable(['a', 'b'], [['1', '22']]);
 * // | a | b  |
 * // |---|----|
 * // | 1 | 22 |
 * ```
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/**
 * The summary rows as a table.
 *
 * @example
 * ```ts
 * console.log(formatSummary(rows));
 * ```
 */
export function formatSummary(rows: readonly SummaryRow[]): string {
  return formatTable(
    ['benchmark', 'measured', 'baseline', 'ratio', 'goal', 'met'],
    rows.map((row) => [row.benchmark, row.measured, row.baseline, row.ratio, row.goal, row.met]),
  );
}

/**
 * A ratio as `3.70×`.
 *
 * @example
 * ```ts
 * formatRatio(3.7); // '3.70×'
 * ```
 */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '∞';
}

/**
 * Dollars with enough digits for cents-per-million figures.
 *
 * @example
 * ```ts
 * formatUsd(5.1492); // '$5.149'
 * ```
 */
export function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd >= 100 ? 0 : 3)}`;
}

/**
 * A number with thousands separators and at most `digits` decimals.
 *
 * @example
 * ```ts
 * formatNumber(12345.678, 1); // '12,345.7'
 * ```
 */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * 'yes' or 'NO' (capitals so a miss stands out).
 *
 * @example
 * ```ts
 * metLabel(false); // 'NO'
 * ```
 */
export function metLabel(met: boolean): string {
  return met ? 'yes' : 'NO';
}
