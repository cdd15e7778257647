/**
 * "Retry all" and "Cancel all" for the jobs list's filters: the server counts the jobs first
 * (a dry run), the user confirms that number, then each job goes through the single-job path.
 */
import { confirmAndPost, post } from './api.js';
import { h, replaceContent } from './dom.js';
import { errorBox } from './widgets.js';

const ACTIONS = [
  { action: 'retry', label: 'Retry all', past: 'retried', allowed: 'retryableStatuses' },
  { action: 'cancel', label: 'Cancel all', past: 'cancelled', allowed: 'cancellableStatuses' },
];

function describe(filter) {
  return [
    `${filter.status} jobs`,
    filter.queue ? `on queue "${filter.queue}"` : 'on every queue',
    filter.type ? `of type "${filter.type}"` : undefined,
    filter.since ? `updated in the last ${filter.since}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

function summary(result, past) {
  const refused = result.refused.map((r) => `${r.jobId}: ${r.reason}`).join('; ');
  return `${result.done} job(s) ${past}${result.refused.length > 0 ? `, ${result.refused.length} refused (${refused})` : ''}${result.more ? '; more jobs match than one action takes (100): run it again' : ''}.`;
}

/**
 * The buttons for the list's filters, or undefined when its status allows neither action.
 * @param {{ retryableStatuses: string[], cancellableStatuses: string[] }} meta
 * @param {{ queue: string, status: string, type: string, since: string }} filter
 * @param {HTMLElement} problem where an error is shown
 * @param {(text: string) => void} reload shows the list again with a notice
 */
export function bulkActionButtons(meta, filter, problem, reload) {
  if (!filter.status) return undefined;
  const body = {
    status: filter.status,
    ...(filter.queue ? { queue: filter.queue } : {}),
    ...(filter.type ? { type: filter.type } : {}),
    ...(filter.since ? { since: filter.since } : {}),
  };
  const buttons = ACTIONS.filter(({ allowed }) => meta[allowed].includes(filter.status)).map(
    ({ action, label, past }) => {
      const button = h(
        'button',
        {
          type: 'button',
          class: `button ${action === 'retry' ? 'button-primary' : 'button-danger'}`,
          'data-bulk': action,
        },
        label,
      );
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          const counted = await post(`/api/bulk/${action}`, { ...body, dryRun: true });
          const count = counted.result.selected;
          if (count === 0) {
            reload(`No ${describe(filter)} to ${action}.`);
            return;
          }
          const question = `${label.replace(' all', '')} ${count}${counted.result.more ? '+' : ''} job(s): ${describe(filter)}?\n\nEach goes through the single ${action}; at most 100 per click.`;
          const answer = await confirmAndPost(question, `/api/bulk/${action}`, body);
          if (answer) reload(summary(answer.result, past));
        } catch (error) {
          replaceContent(problem, errorBox(error));
        } finally {
          button.disabled = false;
        }
      });
      return button;
    },
  );
  return buttons.length > 0
    ? h('div', { class: 'actions bulk-actions', 'aria-label': 'Act on every listed job' }, buttons)
    : undefined;
}
