/** A queue's delivery on the overview: running or paused, with Pause / Resume (confirmed). */
import { confirmAndPost } from './api.js';
import { h, replaceContent } from './dom.js';
import { errorBox } from './widgets.js';

/**
 * The cell, or an empty one when the server cannot tell (`queue.paused` absent).
 * @param {{ name: string, paused?: boolean }} queue
 * @param {HTMLElement} problem where an error is shown
 * @param {() => Promise<void>} refresh reloads the overview after a change
 */
export function deliveryCell(queue, problem, refresh) {
  if (queue.paused === undefined) return h('td', { 'data-field': 'delivery' }, '—');
  const paused = queue.paused === true;
  const button = h(
    'button',
    { type: 'button', class: `button button-compact${paused ? ' button-primary' : ''}` },
    paused ? 'Resume' : 'Pause',
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    const question = paused
      ? `Resume queue "${queue.name}"?\n\nIts worker receives its messages again.`
      : `Pause queue "${queue.name}"?\n\nIts messages wait in the queue until it is resumed; jobs already running finish.`;
    try {
      const answer = await confirmAndPost(
        question,
        `/api/queues/${encodeURIComponent(queue.name)}/${paused ? 'resume' : 'pause'}`,
      );
      if (answer) await refresh();
    } catch (error) {
      replaceContent(problem, errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return h(
    'td',
    { 'data-field': 'delivery' },
    h(
      'span',
      { class: paused ? 'badge queue-paused' : 'muted', 'data-paused': String(paused) },
      paused ? 'Paused' : 'Running',
    ),
    ' ',
    button,
  );
}
