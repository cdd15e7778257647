/** Small pieces every view uses: badges, alerts, definition lists, links. */
import { h } from './dom.js';
import { formatFullTime, formatRelative, formatTime } from './format.js';

/**
 * A job status badge. A RETRYING job whose last attempt was lost reads "lost, will retry",
 * distinct from a terminal LOST.
 * @param {string} status
 * @param {boolean} [lostWillRetry]
 */
export function statusBadge(status, lostWillRetry) {
  if (lostWillRetry) {
    return h(
      'span',
      { class: 'badge status-lost-retry', title: `${status}: the last attempt was lost` },
      'lost, will retry',
    );
  }
  return h('span', { class: `badge status-${status.toLowerCase()}` }, status);
}

/**
 * A backlog level badge: ok, warning, critical.
 * @param {string} level
 * @param {string} [title]
 */
export function levelBadge(level, title) {
  return h('span', { class: `badge level-${level}`, title }, level);
}

/**
 * An error box: the message, and the parameter and its allowed values when the server named them.
 * @param {unknown} error
 */
export function errorBox(error) {
  const message = error instanceof Error ? error.message : String(error);
  const { field, limit } = /** @type {{ field?: string, limit?: string }} */ (error ?? {});
  const detail = field
    ? h('p', { class: 'alert-detail' }, `Parameter ${field}: ${limit ?? ''}`)
    : undefined;
  return h('div', { class: 'alert alert-error', role: 'alert' }, h('p', {}, message), detail);
}

/**
 * A success notice (after an action).
 * @param {string} text
 */
export function notice(text) {
  return h('div', { class: 'alert alert-success', role: 'status' }, text);
}

/**
 * A <time> showing local time, with the ISO value and relative time on hover.
 * @param {string | undefined} iso
 */
export function timeCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: `${iso} (${formatRelative(iso)})` }, formatTime(iso));
}

/**
 * A time with its full date, to the second (job detail), the relative time in its tooltip.
 * @param {string | undefined} iso
 */
export function fullTimeCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h(
    'time',
    { datetime: iso, title: `${iso} (${formatRelative(iso)})` },
    formatFullTime(iso),
  );
}

/**
 * A URL of the dashboard's hash routes: `route('/jobs', { status: 'ERRORED' })`.
 * @param {string} path
 * @param {Record<string, string | undefined>} [parameters]
 */
export function route(path, parameters = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/** @param {string} id */
export function jobHref(id) {
  return `#/jobs/${encodeURIComponent(id)}`;
}

/**
 * A definition list from [label, value] rows; rows with an undefined value are left out.
 * @param {[string, unknown][]} rows
 */
export function definitionList(rows) {
  return h(
    'dl',
    { class: 'facts' },
    rows
      .filter(([, value]) => value !== undefined)
      .map(([label, value]) => h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value))),
  );
}
