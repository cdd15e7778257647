/**
 * Dead letters of one queue's DLQ, listed from the job records (nothing is received from SQS),
 * with Retry and Delete per job, Redrive (a background task with live progress and Cancel)
 * and Purge.
 */
import { confirmAndPost, getJson, post } from './api.js';
import { h, replaceContent } from './dom.js';
import { formatNumber } from './format.js';
import { errorBox, jobHref, timeCell } from './widgets.js';

const LIST_LIMIT = 100;
/** How often a running redrive is asked about; the server cancels one nobody asks about. */
const POLL_MS = 1000;

/**
 * Redrives this tab watches, by task id: polled for as long as the tab is open (also while
 * another view is shown), so the server knows a page still watches them.
 * @type {Map<string, { task: any, listeners: Set<(task: any) => void> }>}
 */
const watched = new Map();

/** The last redrive of each queue that ended while its view was open, to show its summary. */
const lastEnded = new Map();

function watch(task, listener) {
  let entry = watched.get(task.id);
  if (!entry) {
    entry = { task, listeners: new Set() };
    watched.set(task.id, entry);
    const poll = async () => {
      try {
        const { task: latest } = await getJson(`/api/redrives/${encodeURIComponent(task.id)}`);
        entry.task = latest;
      } catch (error) {
        entry.task = { ...entry.task, state: 'failed', error: String(error?.message ?? error) };
      }
      for (const notify of entry.listeners) notify(entry.task);
      if (entry.task.state === 'running') setTimeout(poll, POLL_MS);
      else watched.delete(task.id);
    };
    setTimeout(poll, POLL_MS);
  }
  entry.listeners.add(listener);
  listener(entry.task);
  return () => entry.listeners.delete(listener);
}

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

function errorText(error) {
  if (!error) return '—';
  return `${error.name}: ${error.message}${error.field ? ` (field ${error.field})` : ''}`;
}

function lettersTable(letters, rowActions) {
  if (letters.length === 0) {
    return h('p', { class: 'empty' }, 'No job record says its message is in this DLQ.');
  }
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
          ['Job', 'Type', 'Status', 'Attempts', 'Dead-lettered', 'Error', 'Actions'].map((text) =>
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
            { 'data-job-id': letter.jobId },
            h('td', {}, h('a', { class: 'mono', href: jobHref(letter.jobId) }, letter.jobId)),
            h('td', {}, letter.type),
            h('td', {}, letter.status),
            h('td', { class: 'num' }, `${letter.attempts}/${letter.maxAttempts}`),
            h('td', {}, timeCell(letter.deadLetteredAt)),
            h('td', { class: 'small', 'data-field': 'error' }, errorText(letter.error)),
            h('td', {}, rowActions(letter)),
          ),
        ),
      ),
    ),
  );
}

function progressText(task) {
  const { moved, skipped, left } = task.progress;
  const verb = task.dryRun ? 'would move' : 'moved';
  return `${verb} ${formatNumber(moved)}, skipped ${formatNumber(skipped)}, left ${formatNumber(left)}`;
}

function endText(task) {
  const report = task.report;
  if (task.state === 'failed') return `Redrive failed: ${task.error}`;
  if (!report) return `Redrive ${task.state}.`;
  const moved = task.dryRun
    ? `Dry run: ${formatNumber(report.jobIds.length)} would move.`
    : `Moved ${formatNumber(report.moved)} message${report.moved === 1 ? '' : 's'}.`;
  const stopped =
    task.state === 'cancelled' ? ` Cancelled (${task.cancelledBecause ?? 'stopped'}).` : '';
  const skipped =
    report.skipped.length > 0 ? ` ${formatNumber(report.skipped.length)} stayed in the DLQ.` : '';
  return `${moved}${skipped}${stopped}`;
}

/** The panel of a redrive task: live progress, Cancel, and the summary with skip reasons. */
function taskPanel(task, onEnded) {
  const status = h('p', { 'data-field': 'redrive-progress', role: 'status' });
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const skipped = h('div');
  const panel = h(
    'div',
    { class: 'panel redrive-task', 'data-task': task.id },
    h('h2', {}, task.dryRun ? 'Dry run' : 'Redrive'),
    status,
    cancel,
    skipped,
  );
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await post(`/api/redrives/${encodeURIComponent(task.id)}/cancel`);
    } catch (error) {
      replaceContent(skipped, errorBox(error));
    }
  });
  const render = (latest) => {
    if (latest.state === 'running') {
      replaceContent(status, `Running: ${progressText(latest)}`);
      return;
    }
    cancel.remove();
    replaceContent(status, `${endText(latest)} (${progressText(latest)})`);
    const reasons = latest.report?.skipped ?? [];
    if (reasons.length > 0) {
      replaceContent(
        skipped,
        h(
          'ul',
          { class: 'small', 'aria-label': 'Left in the DLQ' },
          reasons.map((skip) =>
            h(
              'li',
              {},
              `${skip.jobId ?? 'no readable id'} (${skip.type ?? 'malformed'}): ${skip.reason}`,
            ),
          ),
        ),
      );
    }
  };
  if (task.state !== 'running') {
    render(task);
    return { panel, unwatch: () => {} };
  }
  let ended = false;
  const unwatch = watch(task, (latest) => {
    render(latest);
    if (latest.state !== 'running' && !ended) {
      ended = true;
      onEnded(latest);
    }
  });
  return { panel, unwatch };
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
  const taskArea = h('div');
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replaceContent(
    main,
    h('h1', {}, 'Dead letters'),
    queueTabs(context.meta.queues, queue),
    context.notice,
    problem,
    taskArea,
    body,
  );

  let listing;
  try {
    listing = await getJson(`/api/dlq/${encodeURIComponent(queue)}`, { limit: LIST_LIMIT });
  } catch (error) {
    if (context.isCurrent()) replaceContent(body, errorBox(error));
    return;
  }
  if (!context.isCurrent()) return;
  const letters = listing.deadLetters;
  const depth = listing.depth.visible + listing.depth.inFlight + listing.depth.delayed;
  const types = [...new Set(letters.map((letter) => letter.type))].sort();
  const base = `/api/dlq/${encodeURIComponent(queue)}`;
  /** @type {(() => void) | undefined} */
  let unwatch;

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
    { type: 'button', class: 'button button-primary', disabled: depth === 0 || !!listing.redrive },
    'Redrive',
  );
  const purge = h(
    'button',
    { type: 'button', class: 'button button-danger', disabled: depth === 0 },
    'Purge',
  );

  const showTask = (task) => {
    redrive.disabled = true;
    unwatch?.();
    const shown = taskPanel(task, (ended) => {
      lastEnded.set(queue, ended);
      // The list changed: show it again, with this summary on top.
      if (context.isCurrent()) context.reload(endText(ended));
    });
    unwatch = shown.unwatch;
    replaceContent(taskArea, shown.panel);
  };

  const act = async (button, question, path, requestBody, done) => {
    button.disabled = true;
    try {
      const answer = await confirmAndPost(question, path, requestBody);
      if (answer) done(answer);
    } catch (error) {
      replaceContent(problem, errorBox(error));
    } finally {
      button.disabled = false;
    }
  };

  const rowActions = (letter) => {
    const retry = h('button', { type: 'button', class: 'button button-small' }, 'Retry');
    const remove = h(
      'button',
      { type: 'button', class: 'button button-small button-danger' },
      'Delete',
    );
    const id = encodeURIComponent(letter.jobId);
    retry.addEventListener('click', () =>
      act(
        retry,
        `Move the message of job ${letter.jobId} back to queue "${queue}"?\n\nIts record is reset and it runs again with the same id.`,
        `${base}/jobs/${id}/retry`,
        {},
        (answer) =>
          context.reload(
            answer.moved > 0
              ? `Moved job ${letter.jobId} back to queue ${queue}.`
              : `Job ${letter.jobId} stayed in the DLQ: ${answer.skipped[0]?.reason ?? 'not moved'}.`,
          ),
      ),
    );
    remove.addEventListener('click', () =>
      act(
        remove,
        `Delete the message of job ${letter.jobId} from the DLQ of "${queue}"?\n\nThis cannot be undone; the job's record stays ${letter.status}.`,
        `${base}/jobs/${id}/delete`,
        {},
        (answer) =>
          context.reload(
            answer.deleted > 0
              ? `Deleted the message of job ${letter.jobId} from the DLQ of ${queue}.`
              : `No message of job ${letter.jobId} was in the DLQ; its record no longer says so.`,
          ),
      ),
    );
    return h('div', { class: 'row-actions' }, retry, ' ', remove);
  };

  redrive.addEventListener('click', () => {
    const type = typeSelect.value;
    const what = type
      ? `the dead letters of type "${type}"`
      : `the ${formatNumber(depth)} message${depth === 1 ? '' : 's'} in the DLQ`;
    act(
      redrive,
      `Move ${what} back to queue "${queue}"?\n\nThey keep their job ids and run again; messages that cannot run stay in the DLQ. You can cancel while it runs.`,
      `${base}/redrive`,
      type ? { type } : {},
      (answer) => showTask(answer.task),
    );
  });
  purge.addEventListener('click', () =>
    act(
      purge,
      `Delete all ${formatNumber(depth)} messages in the DLQ of queue "${queue}"?\n\nThis cannot be undone.`,
      `${base}/purge`,
      {},
      (answer) =>
        context.reload(
          `Purged ${formatNumber(answer.purged)} message${answer.purged === 1 ? '' : 's'} from the DLQ of ${queue}.`,
        ),
    ),
  );

  const unlisted = depth - letters.length;
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
        listing.more ? ` (showing the newest ${letters.length})` : '',
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
    !listing.more && unlisted > 0
      ? h(
          'p',
          { class: 'muted small', 'data-note': 'unlisted' },
          `${formatNumber(unlisted)} message${unlisted === 1 ? ' has' : 's have'} no job record that says it is in the DLQ (SQS's own redrive after a worker crash, a record past its retention, a copy of a finished job). A redrive looks at every message.`,
        )
      : undefined,
    lettersTable(letters, rowActions),
  );
  const finished = lastEnded.get(queue);
  if (listing.redrive) showTask(listing.redrive);
  else if (finished) replaceContent(taskArea, taskPanel(finished, () => {}).panel);
  return () => unwatch?.();
}
