/** Jobs: a filtered, paginated list (queue, status, type, since), newest first. */
import { getJson } from './api.js';
import { bulkActionButtons } from './bulk-actions.js';
import { h, replaceContent } from './dom.js';
import { formatDuration } from './format.js';
import { errorBox, jobHref, route, statusBadge, timeCell } from './widgets.js';

const PAGE_SIZE = 25;
const SINCE_CHOICES = [
  ['', 'Any time'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
];

function select(name, label, value, choices) {
  const id = `filter-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name },
      choices.map(([optionValue, text]) =>
        h('option', { value: optionValue, selected: optionValue === value }, text),
      ),
    ),
  );
}

function filterForm(meta, filter) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
      select('queue', 'Queue', filter.queue, [
        ['', 'All queues'],
        ...meta.queues.map((q) => [q, q]),
      ]),
      select('status', 'Status', filter.status, [
        ['', 'All statuses'],
        ...meta.statuses.map((s) => [s, s]),
      ]),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'filter-type' }, 'Type'),
        h('input', {
          id: 'filter-type',
          name: 'type',
          list: 'job-types',
          value: filter.type,
          placeholder: 'Any type',
          autocomplete: 'off',
          spellcheck: 'false',
        }),
        h(
          'datalist',
          { id: 'job-types' },
          meta.types.map((type) => h('option', { value: type })),
        ),
      ),
      select('since', 'Updated', filter.since, SINCE_CHOICES),
      h(
        'div',
        { class: 'field field-actions' },
        h('button', { type: 'submit', class: 'button button-primary' }, 'Apply'),
        h('a', { class: 'button', href: '#/jobs' }, 'Reset'),
      ),
    )
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    window.location.hash = route('/jobs', {
      queue: String(data.get('queue') ?? ''),
      status: String(data.get('status') ?? ''),
      type: String(data.get('type') ?? '').trim(),
      since: String(data.get('since') ?? ''),
    });
  });
  return form;
}

function statusTabs(meta, filter) {
  const tab = (status, text) =>
    h(
      'a',
      {
        class: 'tab',
        href: route('/jobs', { ...filter, cursor: undefined, status }),
        'aria-current': filter.status === status ? 'page' : undefined,
      },
      text,
    );
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Jobs by status' },
    tab('', 'All'),
    meta.statuses.map((status) => tab(status, status.charAt(0) + status.slice(1).toLowerCase())),
  );
}

/**
 * Under tracking `minimal`, RUNNING and SUCCESSFUL records are kept but not listed: say so
 * where a list would otherwise look empty or incomplete.
 */
function unlistedNote(meta, filter) {
  const unlisted = meta.unlistedStatuses ?? [];
  if (unlisted.length === 0) return undefined;
  if (filter.status && !unlisted.includes(filter.status)) return undefined;
  const which = filter.status ? `${filter.status} jobs are` : `${unlisted.join(' and ')} jobs are`;
  return h(
    'p',
    { class: 'alert alert-info', role: 'note', 'data-note': 'unlisted' },
    `With tracking '${meta.tracking ?? 'minimal'}', ${which} kept but not listed. Open one by its id: #/jobs/ID, or lambda-jobs jobs show ID.`,
  );
}

function jobsTable(items) {
  if (items.length === 0) return h('p', { class: 'empty' }, 'No jobs match these filters.');
  return h(
    'div',
    { class: 'panel table-wrap' },
    h(
      'table',
      { class: 'data', 'aria-label': 'Jobs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'Job',
            'Type',
            'Queue',
            'Status',
            'Attempts',
            'Enqueued',
            'Updated',
            'Duration',
            'Error',
          ].map((text) =>
            h(
              'th',
              { scope: 'col', class: ['Attempts', 'Duration'].includes(text) ? 'num' : undefined },
              text,
            ),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((job) =>
          h(
            'tr',
            { 'data-job-id': job.id, 'data-status': job.status },
            h('td', {}, h('a', { class: 'mono', href: jobHref(job.id) }, job.id)),
            h('td', {}, job.type),
            h('td', {}, job.queue),
            h('td', {}, statusBadge(job.status, job.lostWillRetry)),
            h('td', { class: 'num' }, `${job.attempts} / ${job.maxAttempts}`),
            h('td', {}, timeCell(job.enqueuedAt)),
            h('td', {}, timeCell(job.updatedAt)),
            h('td', { class: 'num' }, formatDuration(job.durationMs)),
            h(
              'td',
              { class: 'error-cell' },
              job.error
                ? h(
                    'span',
                    { class: 'truncate', title: `${job.error.name}: ${job.error.message}` },
                    job.error.message,
                  )
                : '',
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {HTMLElement} main
 * @param {{ meta: any, parameters: URLSearchParams, isCurrent: () => boolean, notice?: HTMLElement, reload: (text: string) => void }} context
 */
export async function showJobs(main, context) {
  const value = (name) => context.parameters.get(name) ?? '';
  const filter = {
    queue: value('queue'),
    status: value('status'),
    type: value('type'),
    since: value('since'),
    cursor: value('cursor'),
  };
  document.title = `${filter.status ? `${filter.status} jobs` : 'Jobs'} · lambda-jobs`;
  const results = h(
    'div',
    { class: 'results', 'aria-live': 'polite' },
    h('p', { class: 'muted' }, 'Loading…'),
  );
  const bulkProblem = h('div');
  replaceContent(
    main,
    h('h1', {}, 'Jobs'),
    context.notice,
    statusTabs(context.meta, filter),
    filterForm(context.meta, filter),
    unlistedNote(context.meta, filter),
    bulkProblem,
    bulkActionButtons(context.meta, filter, bulkProblem, context.reload),
    results,
  );
  try {
    const page = await getJson('/api/jobs', { ...filter, limit: PAGE_SIZE });
    if (!context.isCurrent()) return;
    const pager = h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      filter.cursor
        ? h(
            'a',
            { class: 'button', href: route('/jobs', { ...filter, cursor: undefined }) },
            '« First page',
          )
        : undefined,
      page.cursor
        ? h(
            'a',
            {
              class: 'button',
              rel: 'next',
              href: route('/jobs', { ...filter, cursor: page.cursor }),
            },
            'Next page »',
          )
        : undefined,
    );
    replaceContent(
      results,
      h(
        'p',
        { class: 'muted small' },
        `${page.items.length} job${page.items.length === 1 ? '' : 's'} on this page`,
      ),
      jobsTable(page.items),
      pager,
    );
  } catch (error) {
    if (context.isCurrent()) replaceContent(results, errorBox(error));
  }
}
