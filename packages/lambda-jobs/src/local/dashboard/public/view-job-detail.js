/** One job: status, attempts, timings, error and stack, output, payload where allowed, actions. */
import { ApiError, confirmAndPost, getJson } from './api.js';
import { h, replaceContent } from './dom.js';
import { formatDuration } from './format.js';
import { definitionList, errorBox, route, statusBadge, timeCell } from './widgets.js';

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
    timeCell(progress.at),
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
      ['SQS message', job.messageId ? h('span', { class: 'mono' }, job.messageId) : undefined],
    ]),
  );
  const timings = section(
    'Timings',
    definitionList([
      ['Enqueued', timeCell(job.enqueuedAt)],
      ['Started', timeCell(job.startedAt)],
      ['Ended', timeCell(job.endedAt)],
      ['Duration', formatDuration(job.durationMs)],
      ['Wait', formatDuration(job.waitMs)],
      ['Updated', timeCell(job.updatedAt)],
      ['Retry at', job.retryAt ? timeCell(job.retryAt) : undefined],
      ['Lease expires', job.leaseExpiresAt ? timeCell(job.leaseExpiresAt) : undefined],
      ['Dead-lettered', job.deadLetteredAt ? timeCell(job.deadLetteredAt) : undefined],
      ['Kept until', timeCell(expires)],
    ]),
  );
  const error = job.error
    ? section(
        'Error',
        h('p', { class: 'error-title' }, h('strong', {}, job.error.name), ': ', job.error.message),
        h(
          'pre',
          { class: 'code stack', 'aria-label': 'Stack trace' },
          job.error.stack ?? 'No stack recorded.',
        ),
      )
    : undefined;
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
    output,
    payload,
  );
}
