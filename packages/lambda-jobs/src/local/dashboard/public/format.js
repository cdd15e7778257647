/** How numbers, times and durations read on the page. */

const numberFormat = new Intl.NumberFormat('en-US');

/** @param {number | undefined} value */
export function formatNumber(value) {
  return value === undefined || value === null ? '—' : numberFormat.format(value);
}

/**
 * 850 ms, 4.2 s, 3 min 12 s, 2 h 5 min.
 * @param {number | undefined} ms
 */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * A message age given in whole seconds: 12 s, 6 min 52 s.
 * @param {number | undefined} seconds
 */
export function formatAge(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '—';
  return seconds < 60 ? `${Math.round(seconds)} s` : formatDuration(seconds * 1000);
}

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * Local time: 14:03:27 today, else 2026-11-21 14:03.
 * @param {string | undefined} iso
 */
export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return time;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${time.slice(0, 5)}`;
}

/**
 * Local date and time to the second, always with the date: 2026-11-21 14:03:27.
 * @param {string | undefined} iso
 */
export function formatFullTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * 5 s ago, in 2 min.
 * @param {string | undefined} iso
 */
export function formatRelative(iso) {
  if (!iso) return '';
  const delta = Date.parse(iso) - Date.now();
  if (!Number.isFinite(delta)) return '';
  const text = formatDuration(Math.abs(delta)).replace(/^\d+ ms$/, 'now');
  if (text === 'now') return 'now';
  return delta < 0 ? `${text} ago` : `in ${text}`;
}
