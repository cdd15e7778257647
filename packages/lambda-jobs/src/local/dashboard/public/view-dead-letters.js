/** Dead letters of one queue's DLQ, with Redrive (back to the queue) and Purge. */
import { confirmAndPost, getJson } from './api.js';
import { h, replaceContent } from './dom.js';
import { formatNumber } from './format.js';
import { errorBox, jobHref, timeCell } from './widgets.js';

const LIST_LIMIT = 100;

function queueTabs(queues, current) {
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Queues' },
    queues.map((name) =>
      h(
        'a',
        {
          class: 'tab',
          href: `#/dlq/${encodeURIComponent(name)}`,
          'aria-current': name === current ? 'page' : undefined,
        },
        name,
      ),
    ),
  );
}

function lettersTable(letters) {
  if (letters.length === 0) return h('p', { class: 'empty' }, 'The dead-letter queue is empty.');
  return h(
    'div',
    { class: 'panel table-wrap' },
    h(
      'table',
      { class: 'data data-top', 'aria-label': 'Dead letters' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Job', 'Type', 'Sent', 'Receives', 'Message'].map((text) =>
            h('th', { scope: 'col' }, text),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        letters.map((letter) =>
          h(
            'tr',
            { 'data-message-id': letter.messageId },
            h(
              'td',
              {},
              letter.jobId
                ? h('a', { class: 'mono', href: jobHref(letter.jobId) }, letter.jobId)
                : h('span', { class: 'muted' }, 'not a readable envelope'),
            ),
            h('td', {}, letter.type ?? '—'),
            h('td', {}, timeCell(letter.sentAt)),
            h('td', { class: 'num' }, letter.receiveCount ?? '—'),
            h(
              'td',
              {},
              h(
                'details',
                {},
                h('summary', {}, h('span', { class: 'mono small' }, letter.messageId)),
                letter.bodyPreview ? h('pre', { class: 'code' }, letter.bodyPreview) : undefined,
                letter.bodyNote ? h('p', { class: 'muted small' }, letter.bodyNote) : undefined,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {HTMLElement} main
 * @param {{ meta: any, segments: string[], isCurrent: () => boolean, notice?: HTMLElement, reload: (text: string) => void }} context
 */
export async function showDeadLetters(main, context) {
  const queue = context.segments[1];
  if (queue === undefined) {
    if (context.meta.queues.length > 0)
      window.location.replace(`#/dlq/${encodeURIComponent(context.meta.queues[0])}`);
    else replaceContent(main, h('h1', {}, 'Dead letters'), h('p', {}, 'No queues configured.'));
    return;
  }
  document.title = `Dead letters of ${queue} · lambda-jobs`;
  const problem = h('div');
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replaceContent(
    main,
    h('h1', {}, 'Dead letters'),
    queueTabs(context.meta.queues, queue),
    context.notice,
    problem,
    body,
  );

  let queues;
  let letters;
  try {
    const path = `/api/dlq/${encodeURIComponent(queue)}`;
    [{ queues }, { deadLetters: letters }] = await Promise.all([
      getJson('/api/queues'),
      getJson(path, { limit: LIST_LIMIT }),
    ]);
  } catch (error) {
    if (context.isCurrent()) replaceContent(body, errorBox(error));
    return;
  }
  if (!context.isCurrent()) return;
  // Approximate counts lag behind; never show fewer than are listed.
  const depth = Math.max(queues.find((q) => q.name === queue)?.dlqDepth ?? 0, letters.length);
  const types = [...new Set(letters.map((letter) => letter.type).filter(Boolean))].sort();

  const typeSelect = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'redrive-type', name: 'type' },
      h('option', { value: '' }, 'All types'),
      types.map((type) => h('option', { value: type }, type)),
    )
  );
  const redrive = h(
    'button',
    { type: 'button', class: 'button button-primary', disabled: depth === 0 },
    'Redrive',
  );
  const purge = h(
    'button',
    { type: 'button', class: 'button button-danger', disabled: depth === 0 },
    'Purge',
  );

  const act = async (button, question, action, requestBody, done) => {
    button.disabled = true;
    try {
      const answer = await confirmAndPost(
        question,
        `/api/dlq/${encodeURIComponent(queue)}/${action}`,
        requestBody,
      );
      if (answer) context.reload(done(answer));
    } catch (error) {
      replaceContent(problem, errorBox(error));
    } finally {
      button.disabled = false;
    }
  };
  redrive.addEventListener('click', () => {
    const type = typeSelect.value;
    const what = type
      ? `the dead letters of type "${type}"`
      : depth === 1
        ? 'the dead letter'
        : `all ${formatNumber(depth)} dead letters`;
    act(
      redrive,
      `Move ${what} from the DLQ back to queue "${queue}"?\n\nThey keep their job ids and run again.`,
      'redrive',
      type ? { type } : {},
      (answer) => {
        const moved = `Moved ${formatNumber(answer.moved)} message${answer.moved === 1 ? '' : 's'} back to queue ${queue}.`;
        const skipped = answer.skipped ?? [];
        return skipped.length === 0
          ? moved
          : `${moved} ${formatNumber(skipped.length)} stayed in the DLQ (${skipped[0].reason}).`;
      },
    );
  });
  purge.addEventListener('click', () =>
    act(
      purge,
      `Delete all ${formatNumber(depth)} messages in the DLQ of queue "${queue}"?\n\nThis cannot be undone.`,
      'purge',
      {},
      (answer) =>
        `Purged ${formatNumber(answer.purged)} message${answer.purged === 1 ? '' : 's'} from the DLQ of ${queue}.`,
    ),
  );

  replaceContent(
    body,
    h(
      'div',
      { class: 'toolbar' },
      h(
        'p',
        { class: 'dlq-count', 'data-field': 'dlqDepth' },
        h('strong', {}, formatNumber(depth)),
        ` message${depth === 1 ? '' : 's'} in the DLQ of ${queue}`,
        letters.length < depth ? ` (showing ${letters.length})` : '',
      ),
      h(
        'div',
        { class: 'field field-inline' },
        h('label', { for: 'redrive-type' }, 'Redrive type'),
        typeSelect,
      ),
      redrive,
      purge,
    ),
    lettersTable(letters),
  );
}
