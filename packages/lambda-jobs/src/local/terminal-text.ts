/**
 * Text from producers (job types, queue names, field names, error messages) shown on a
 * terminal. Control characters would be obeyed by the terminal: ESC starts sequences that
 * clear the screen, move the cursor, recolour output or set the window title; CR overwrites a
 * line. Bidirectional overrides reorder what is shown.
 */

/**
 * Control characters (C0, DEL, C1: Unicode `Cc`) except tab and line feed, and the Unicode
 * bidirectional controls (embeddings, overrides, isolates, marks).
 */
const UNSAFE = /(?![\t\n])[\p{Cc}\p{Bidi_Control}]/gu;
/** The same, plus tab and line feed: for values that must stay on one line. */
const UNSAFE_IN_LINE = /[\p{Cc}\p{Bidi_Control}]/gu;

function visibleEscape(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character (other than tab and line feed) shown as a visible
 * escape (`\x1b`), so printing it cannot drive the terminal.
 *
 * @example `terminalSafe('a\u001b[2Jb') === 'a\\x1b[2Jb'`
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visibleEscape);
}

/**
 * {@link terminalSafe} for one cell or value: tab and line feed are escaped too, so a value
 * cannot break a table's layout or fake another line.
 *
 * @example `terminalSafeInline('a\nb') === 'a\\x0ab'`
 */
export function terminalSafeInline(text: string): string {
  return text.replace(UNSAFE_IN_LINE, visibleEscape);
}
