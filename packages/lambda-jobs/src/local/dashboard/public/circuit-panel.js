/**
 * The circuit breakers on the overview: one row per job type with a circuit breaker, its state
 * (closed, open, half-open), who opened it, the figures, and Open / Close (confirmed, through
 * the dashboard's request guard like every action).
 */
import { confirmAndPost } from './api.js';
import { h, replaceContent } from './dom.js';
import { errorBox, fullTimeCell } from './widgets.js';

/**
 * @typedef {{ type: string, state: 'closed' | 'open' | 'half-open', mode?: string,
 *   openedAt?: string, probeAfter?: string, attempts?: number, failures?: number,
 *   settings: { failureRate: number, minAttempts: number, windowSeconds: number, coolDownSeconds: number } }} Circuit
 */

/**
 * @param {Circuit} circuit
 * @param {HTMLElement} problem
 * @param {() => Promise<void>} refresh
 */
function overrideButton(circuit, problem, refresh) {
  const closed = circuit.state === 'closed';
  const button = h(
    'button',
    { type: 'button', class: `button button-compact${closed ? '' : ' button-primary'}` },
    closed ? 'Open' : 'Close',
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    const question = closed
      ? `Open the circuit of "${circuit.type}"?\n\nIts jobs are held (no attempt spent) until you close it; no probe runs.`
      : `Close the circuit of "${circuit.type}"?\n\nIts jobs run again at once; held ones when their delay ends.`;
    try {
      const answer = await confirmAndPost(
        question,
        `/api/circuits/${encodeURIComponent(circuit.type)}/${closed ? 'open' : 'close'}`,
      );
      if (answer) await refresh();
    } catch (error) {
      replaceContent(problem, errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * Renders the panel, or nothing when no job type has a circuit breaker.
 * @param {HTMLElement} section
 * @param {Circuit[]} circuits
 * @param {HTMLElement} problem
 * @param {() => Promise<void>} refresh
 */
export function renderCircuits(section, circuits, problem, refresh) {
  if (circuits.length === 0) {
    replaceContent(section);
    return;
  }
  const rows = circuits.map((circuit) =>
    h(
      'tr',
      { 'data-circuit': circuit.type },
      h('th', { scope: 'row' }, circuit.type),
      h(
        'td',
        { 'data-field': 'state' },
        h(
          'span',
          { class: `badge circuit-${circuit.state}`, 'data-state': circuit.state },
          circuit.state,
        ),
      ),
      h('td', { 'data-field': 'mode' }, circuit.mode ?? '—'),
      h(
        'td',
        { 'data-field': 'opened' },
        circuit.state === 'closed' ? '—' : fullTimeCell(circuit.openedAt),
      ),
      h(
        'td',
        { 'data-field': 'probe' },
        circuit.state === 'closed'
          ? '—'
          : circuit.probeAfter
            ? fullTimeCell(circuit.probeAfter)
            : 'none (manual)',
      ),
      h(
        'td',
        { class: 'num', 'data-field': 'failed' },
        circuit.attempts === undefined ? '—' : `${circuit.failures ?? 0} of ${circuit.attempts}`,
      ),
      h(
        'td',
        { class: 'muted small' },
        `${Math.round(circuit.settings.failureRate * 100)} % of ${circuit.settings.minAttempts} in ${circuit.settings.windowSeconds} s, probe every ${circuit.settings.coolDownSeconds} s`,
      ),
      h('td', {}, overrideButton(circuit, problem, refresh)),
    ),
  );
  replaceContent(
    section,
    h('div', { class: 'section-head' }, h('h2', { id: 'circuits-heading' }, 'Circuit breakers')),
    h(
      'div',
      { class: 'panel table-wrap' },
      h(
        'table',
        { class: 'data', 'aria-labelledby': 'circuits-heading' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Job type'),
            h('th', { scope: 'col' }, 'Circuit'),
            h('th', { scope: 'col' }, 'Mode'),
            h('th', { scope: 'col' }, 'Opened'),
            h('th', { scope: 'col' }, 'Probe after'),
            h('th', { scope: 'col', class: 'num' }, 'Failed'),
            h('th', { scope: 'col' }, 'Opens at'),
            h('th', { scope: 'col' }, 'Override'),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
}
