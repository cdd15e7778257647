/**
 * The dashboard's single page: hash routes to views. Every view renders into <main>, reads the
 * JSON API, and may return a function that stops its timers when the route changes.
 */
import { ApiError, adoptTokenFromAddress, getJson } from './api.js';
import { h, replaceContent } from './dom.js';
import { showDeadLetters } from './view-dead-letters.js';
import { showJobDetail } from './view-job-detail.js';
import { showJobs } from './view-jobs.js';
import { showOverview } from './view-overview.js';
import { errorBox, notice } from './widgets.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
let meta;
let stopView;
let generation = 0;
let flash;

function currentRoute() {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  let segments;
  try {
    segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    segments = ['not-found'];
  }
  return { segments, parameters: new URLSearchParams(query) };
}

function pickView(segments) {
  const [first, second] = segments;
  if (first === undefined) return { name: 'overview', show: showOverview };
  if (first === 'jobs' && segments.length === 1) return { name: 'jobs', show: showJobs };
  if (first === 'jobs' && second !== undefined && segments.length === 2) {
    return { name: 'jobs', show: showJobDetail };
  }
  if (first === 'dlq' && segments.length <= 2) return { name: 'dlq', show: showDeadLetters };
  return undefined;
}

async function render() {
  stopView?.();
  stopView = undefined;
  const mine = ++generation;
  const { segments, parameters } = currentRoute();
  const view = pickView(segments);
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.getAttribute('data-nav') === view?.name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!view) {
    replaceContent(
      main,
      h('h1', {}, 'Not found'),
      h('p', {}, h('a', { href: '#/' }, 'Back to the overview')),
    );
    return;
  }
  const message = flash;
  flash = undefined;
  try {
    meta ??= await getJson('/api/meta');
    const context = {
      meta,
      segments,
      parameters,
      isCurrent: () => mine === generation,
      notice: message ? notice(message) : undefined,
      /** Shows the view again, with a notice on top. */
      reload: (text) => {
        flash = text;
        void render();
      },
    };
    const stop = /** @type {(() => void) | undefined} */ (await view.show(main, context));
    if (mine === generation) stopView = stop;
    else stop?.();
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ApiError && error.status === 401) {
      replaceContent(
        main,
        h('h1', {}, 'Session token needed'),
        h('p', { 'data-note': 'token' }, error.message),
      );
    } else replaceContent(main, h('h1', {}, 'Something went wrong'), errorBox(error));
  }
}

adoptTokenFromAddress();
window.addEventListener('hashchange', () => {
  // A new address with a token pasted into this tab (a restarted dashboard) is adopted too.
  adoptTokenFromAddress();
  void render();
});
void render();
