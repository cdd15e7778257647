/** One job: status, attempts, timings, error and stack, output, payload where allowed, actions. */
import { ApiError, confirmAndPost, getJson } from './api.js';
import { h, replaceContent } from './dom.js';
import { formatDuration } from './format.js';
import { definitionList, errorBox, fullTimeCell, route, statusBadge } from './widgets.js';

function json(value) {
  return JSON.stringify(value, null, 2) ?? String(value);
}

function section(title, ...body) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h(
    'section',
    { class: 'panel detail-section', 'aria-labelledby': id },
    h('h2', { id }, title),
    body,
  );
}

function actionButtons(job, meta, context, problem) {
  const path = `/api/jobs/${encodeURIComponent(job.id)}`;
  const run = async (button, question, action, done) => {
    button.disabled = true;
    try {
      const answer = await confirmAndPost(question, `${path}/${action}`);
      if (answer) context.reload(done(answer.job));
    } catch (error) {
      replaceContent(problem, errorBox(error));
    } finally {
      button.disabled = false;
    }
  };
  const buttons = [];
  if (meta.retryableStatuses.includes(job.status)) {
    const retry = h('button', { type: 'button', class: 'button button-primary' }, 'Retry');
    retry.addEventListener('click', () =>
      run(
        retry,
        `Retry job ${job.id} (${job.type})?\n\nIts stored message is sent to queue "${job.queue}" again, with the same id.`,
        'retry',
        (updated) => `Job sent to queue ${updated.queue} again (status ${updated.status}).`,
      ),
    );
    buttons.push(retry);
  }
  if (meta.cancellableStatuses.includes(job.status)) {
    const cancel = h('button', { type: 'button', class: 'button button-danger' }, 'Cancel');
    cancel.addEventListener('click', () =>
      run(
        cancel,
        `Cancel job ${job.id} (${job.type})?\n\nIt will not run; its onAborted hook is called.`,
        'cancel',
        (updated) => `Job cancelled (status ${updated.status}).`,
      ),
    );
    buttons.push(cancel);
  }
  return buttons.length > 0 ? h('div', { class: 'actions' }, buttons) : undefined;
}

/**
 * The stack without its first line when that line repeats the error's name and message.
 * @param {{ name: string, message: string, stack?: string }} error
 */
function stackFrames(error) {
  const headline = `${error.name}: ${error.message}`;
  const stack = error.stack ?? '';
  return (stack.startsWith(headline) ? stack.slice(headline.length) : stack).replace(/^\n+/, '');
}

/**
 * The last error, shown once: its name and message, then its stack folded.
 * @param {{ name: string, message: string, stack?: string, field?: string }} error
 */
function errorSection(error) {
  const frames = stackFrames(error);
  return section(
    'Error',
    h(
      'p',
      { class: 'error-title', 'data-field': 'error' },
      h('strong', {}, error.name),
      ': ',
      error.message,
    ),
    error.field ? h('p', { class: 'muted small' }, 'Field at fault: ', error.field) : undefined,
    frames
      ? h(
          'details',
          { class: 'stack-fold' },
          h('summary', {}, 'Stack trace'),
          h('pre', { class: 'code stack', 'aria-label': 'Stack trace' }, frames),
        )
      : h('p', { class: 'muted small' }, 'No stack recorded.'),
  );
}

const OUTCOME_LABELS = {
  SUCCESSFUL: 'succeeded',
  ERRORED: 'failed',
  RETRYING: 'failed, retried',
  DEFERRED: 'deferred',
  LOST: 'lost',
};

/**
 * The record's attempt history, oldest first, as a table.
 * @param {Array<{ attempt: number, startedAt?: string, endedAt: string, durationMs?: number, outcome: string, errorName?: string, errorMessage?: string, reason?: string }> | undefined} history
 * @param {{ name: string } | undefined} lastError the record's error, shown in full above
 */
function attemptsSection(history, lastError) {
  if (!Array.isArray(history) || history.length === 0) {
    return section(
      'Attempts',
      h('p', { class: 'muted', 'data-field': 'attempt-history' }, 'No attempt has ended yet.'),
    );
  }
  const shownAbove = (entry, index) =>
    lastError !== undefined &&
    index === history.length - 1 &&
    entry.errorName !== undefined &&
    lastError.name.startsWith(entry.errorName.replace(/… \[truncated\]$/, ''));
  const rows = history.map((entry, index) =>
    h(
      'tr',
      { 'data-outcome': entry.outcome },
      h('td', { class: 'num' }, String(entry.attempt)),
      h('td', {}, OUTCOME_LABELS[entry.outcome] ?? entry.outcome),
      h('td', {}, fullTimeCell(entry.startedAt)),
      h('td', {}, fullTimeCell(entry.endedAt)),
      h('td', { class: 'num' }, formatDuration(entry.durationMs)),
      shownAbove(entry, index)
        ? h('td', { class: 'muted' }, 'the error above')
        : h(
            'td',
            {},
            entry.errorName ? h('strong', {}, entry.errorName) : '',
            entry.errorName ? ': ' : '',
            entry.errorMessage ?? entry.reason ?? '',
          ),
    ),
  );
  return section(
    'Attempts',
    h(
      'table',
      { class: 'data', 'data-field': 'attempt-history' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'Outcome', 'Started', 'Ended', 'Duration', 'Error'].map((title) =>
            h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
    h(
      'p',
      { class: 'muted small' },
      `The last ${history.length} attempt${history.length === 1 ? '' : 's'} (records keep up to 10; error messages shortened).`,
    ),
  );
}

/**
 * @param {HTMLElement} main
 * @param {{ meta: any, segments: string[], isCurrent: () => boolean, notice?: HTMLElement, reload: (text: string) => void }} context
 */

/** The running attempt's progress: a bar, the percentage and the note, and when it was reported. */
function progressCell(progress) {
  const percent = `${Math.round(progress.fraction * 100)} %`;
  return h(
    'span',
    { 'data-field': 'progress' },
    h('progress', { max: '1', value: String(progress.fraction) }),
    ` ${progress.note ? `${percent} (${progress.note})` : percent}, reported `,
    fullTimeCell(progress.at),
  );
}
export async function showJobDetail(main, context) {
  const id = context.segments[1];
  document.title = `Job ${id} · lambda-jobs`;
  const crumbs = h(
    'nav',
    { class: 'crumbs', 'aria-label': 'Breadcrumb' },
    h('a', { href: '#/jobs' }, 'Jobs'),
    ' / ',
    h('span', { class: 'mono' }, id),
  );
  let job;
  try {
    ({ job } = await getJson(`/api/jobs/${encodeURIComponent(id)}`));
  } catch (error) {
    if (!context.isCurrent()) return;
    const title =
      error instanceof ApiError && error.status === 404
        ? 'Job not found'
        : 'Could not load the job';
    replaceContent(main, crumbs, h('h1', {}, title), errorBox(error));
    return;
  }
  if (!context.isCurrent()) return;
  const problem = h('div');
  const expires = job.expiresAt ? new Date(job.expiresAt * 1000).toISOString() : undefined;

  const summary = section(
    'Summary',
    definitionList([
      ['Status', statusBadge(job.status, job.lostWillRetry)],
      ['Type', h('a', { href: route('/jobs', { type: job.type }) }, job.type)],
      ['Queue', h('a', { href: route('/jobs', { queue: job.queue }) }, job.queue)],
      [
        'Attempts',
        h('span', { 'data-field': 'attempts' }, `${job.attempts} of ${job.maxAttempts}`),
      ],
      ['Deferrals', job.deferrals],
      ['Progress', job.progress ? progressCell(job.progress) : undefined],
      [
        'Concurrency key',
        job.concurrencyKey ? h('span', { class: 'mono' }, job.concurrencyKey) : undefined,
      ],
      [
        'Message group',
        job.messageGroup
          ? h('span', { class: 'mono', 'data-field': 'messageGroup' }, job.messageGroup)
          : undefined,
      ],
      ['SQS message', job.messageId ? h('span', { class: 'mono' }, job.messageId) : undefined],
    ]),
  );
  const timings = section(
    'Timings',
    definitionList([
      ['Enqueued', fullTimeCell(job.enqueuedAt)],
      ['Started', fullTimeCell(job.startedAt)],
      ['Ended', fullTimeCell(job.endedAt)],
      ['Duration', formatDuration(job.durationMs)],
      ['Wait', formatDuration(job.waitMs)],
      ['Updated', fullTimeCell(job.updatedAt)],
      ['Retry at', job.retryAt ? fullTimeCell(job.retryAt) : undefined],
      ['Lease expires', job.leaseExpiresAt ? fullTimeCell(job.leaseExpiresAt) : undefined],
      ['Dead-lettered', job.deadLetteredAt ? fullTimeCell(job.deadLetteredAt) : undefined],
      ['Kept until', fullTimeCell(expires)],
    ]),
  );
  const error = job.error ? errorSection(job.error) : undefined;
  const attempts = attemptsSection(job.attemptHistory, job.error);
  const output =
    job.output !== undefined
      ? section(
          'Output',
          h('pre', { class: 'code' }, json(job.output)),
          job.outputTruncated
            ? h('p', { class: 'muted small' }, 'Truncated to the size job records keep.')
            : undefined,
        )
      : undefined;
  const payload = section(
    'Payload',
    'payload' in job
      ? h('pre', { class: 'code', 'data-field': 'payload' }, json(job.payload))
      : h('p', { class: 'muted', 'data-field': 'payload' }, job.payloadNote ?? 'not available'),
    job.storedPayload
      ? h(
          'p',
          { class: 'small', 'data-field': 'stored-payload' },
          `${job.storedPayload.bytes.toLocaleString('en')} bytes in `,
          h('span', { class: 'mono' }, job.storedPayload.location),
        )
      : undefined,
  );

  replaceContent(
    main,
    crumbs,
    h(
      'div',
      { class: 'detail-head' },
      h('h1', {}, 'Job ', h('span', { class: 'mono job-id' }, job.id)),
      statusBadge(job.status, job.lostWillRetry),
      actionButtons(job, context.meta, context, problem),
    ),
    context.notice,
    problem,
    h('div', { class: 'detail-grid' }, summary, timings),
    error,
    attempts,
    output,
    payload,
  );
}
