/**
 * Overview: counts of the last 24 hours, every queue's depth and backlog level, and a chart of
 * the last hour from the monitor's samples. Refreshes itself while shown.
 */
import { getJson } from './api.js';
import { h, replaceContent } from './dom.js';
import { formatAge, formatNumber, formatTime } from './format.js';
import { lineChart } from './line-chart.js';
import { deliveryCell } from './queue-pause.js';
import { errorBox, levelBadge, route } from './widgets.js';

const HOUR_MS = 3_600_000;
const SERIES_CLASSES = ['series-0', 'series-1', 'series-2', 'series-3', 'series-4', 'series-5'];

function countCard(label, value, tone, hint, href, capped) {
  return h(
    href ? 'a' : 'div',
    { class: `card card-${tone}`, href, 'data-count': label.toLowerCase() },
    h('span', { class: 'card-label' }, label),
    h(
      'span',
      {
        class: 'card-value',
        title: capped ? 'At least this many: more records exist than were counted' : undefined,
      },
      capped ? `≥ ${formatNumber(value)}` : formatNumber(value),
    ),
    h('span', { class: 'card-hint' }, hint),
  );
}

function renderCounts(section, counts) {
  replaceContent(
    section,
    h('h2', { id: 'counts-heading' }, 'Last 24 hours'),
    h(
      'div',
      { class: 'cards' },
      countCard(
        'Successful',
        counts.successful,
        'success',
        'jobs that finished',
        route('/jobs', { status: 'SUCCESSFUL' }),
        counts.capped,
      ),
      countCard(
        'Errored',
        counts.errored,
        'error',
        'out of attempts or unrecoverable',
        route('/jobs', { status: 'ERRORED' }),
        counts.capped,
      ),
      countCard(
        'Lost',
        counts.lost,
        'lost',
        'worker stopped mid-run',
        route('/jobs', { status: 'LOST' }),
        counts.capped,
      ),
      countCard(
        'Retried',
        counts.retried,
        'retry',
        'needed more than one attempt',
        undefined,
        counts.capped,
      ),
    ),
  );
}

function thresholdText(name, pair, unit = '') {
  const parts = [];
  if (pair.warning !== undefined && pair.warning !== null)
    parts.push(`warning at ${pair.warning}${unit}`);
  if (pair.critical !== undefined && pair.critical !== null)
    parts.push(`critical at ${pair.critical}${unit}`);
  return parts.length > 0 ? `${name}: ${parts.join(', ')}` : `${name}: no thresholds`;
}

function pointsOf(samples, queue, field) {
  return samples
    .filter((sample) => sample.queue === queue)
    .map((sample) => ({ t: Date.parse(sample.at), v: sample[field] }));
}

function numberCell(value, field) {
  return h('td', { class: 'num', 'data-field': field }, formatNumber(value));
}

function renderQueues(section, queues, samples, now, updated, problem, refresh) {
  const rows = queues.map((queue) =>
    h(
      'tr',
      { 'data-queue': queue.name },
      h(
        'th',
        { scope: 'row' },
        h('a', { href: route('/jobs', { queue: queue.name }) }, queue.name),
      ),
      h(
        'td',
        { 'data-field': 'level' },
        levelBadge(
          queue.level,
          `${thresholdText('Backlog', queue.thresholds.backlog)}; ${thresholdText('Oldest message', queue.thresholds.oldestAgeSeconds, ' s')}`,
        ),
      ),
      numberCell(queue.visible, 'visible'),
      numberCell(queue.inFlight, 'inFlight'),
      numberCell(queue.delayed, 'delayed'),
      numberCell(queue.backlog, 'backlog'),
      h('td', { class: 'num', 'data-field': 'oldestAge' }, formatAge(queue.oldestAgeSeconds)),
      h(
        'td',
        { class: 'num', 'data-field': 'dlqDepth' },
        h(
          'a',
          {
            href: `#/dlq/${encodeURIComponent(queue.name)}`,
            class: queue.dlqDepth > 0 ? 'dlq-nonzero' : 'dlq-zero',
          },
          formatNumber(queue.dlqDepth),
        ),
      ),
      deliveryCell(queue, problem, refresh),
      h(
        'td',
        { class: 'spark' },
        lineChart({
          series: [
            {
              name: queue.name,
              className: 'series-0',
              points: pointsOf(samples, queue.name, 'backlog'),
            },
          ],
          from: now - HOUR_MS,
          to: now,
          width: 140,
          height: 32,
          compact: true,
          thresholds: queue.thresholds.backlog,
          label: `Backlog of ${queue.name} over the last hour`,
        }),
      ),
    ),
  );
  replaceContent(
    section,
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: 'queues-heading' }, 'Queues'),
      h('span', { class: 'muted small', 'aria-live': 'polite' }, updated),
    ),
    h(
      'div',
      { class: 'panel table-wrap' },
      h(
        'table',
        { class: 'data', 'aria-labelledby': 'queues-heading' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Queue'),
            h('th', { scope: 'col' }, 'Backlog level'),
            h('th', { scope: 'col', class: 'num' }, 'Visible'),
            h('th', { scope: 'col', class: 'num' }, 'In flight'),
            h('th', { scope: 'col', class: 'num' }, 'Delayed'),
            h('th', { scope: 'col', class: 'num' }, 'Backlog'),
            h('th', { scope: 'col', class: 'num' }, 'Oldest message'),
            h('th', { scope: 'col', class: 'num' }, 'DLQ'),
            h('th', { scope: 'col' }, 'Delivery'),
            h('th', { scope: 'col' }, 'Last hour'),
          ),
        ),
        h(
          'tbody',
          {},
          rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 10 }, 'No queues configured.')),
        ),
      ),
    ),
  );
}

function renderChart(section, queues, samples, now) {
  const series = queues.map((queue, index) => ({
    name: queue.name,
    className: SERIES_CLASSES[index % SERIES_CLASSES.length],
    points: pointsOf(samples, queue.name, 'backlog'),
  }));
  const body =
    samples.length === 0
      ? h(
          'p',
          { class: 'muted' },
          'No monitor samples in the last hour yet: the monitor records one per queue each run.',
        )
      : [
          lineChart({
            series,
            from: now - HOUR_MS,
            to: now,
            width: Math.max(480, Math.round(section.clientWidth - 34)),
            height: 220,
            label: `Backlog per queue over the last hour (${samples.length} samples)`,
          }),
          h(
            'ul',
            { class: 'legend' },
            series.map((line) => {
              const last = line.points[line.points.length - 1];
              return h(
                'li',
                {},
                h('span', { class: `swatch ${line.className}`, 'aria-hidden': 'true' }),
                line.name,
                h(
                  'span',
                  { class: 'muted' },
                  last ? ` · ${formatNumber(last.v)} now` : ' · no samples',
                ),
              );
            }),
          ),
        ];
  replaceContent(
    section,
    h('h2', { id: 'chart-heading' }, 'Backlog, last hour'),
    h('div', { class: 'panel chart-panel' }, body),
  );
}

/**
 * @param {HTMLElement} main
 * @param {{ meta: { refreshSeconds: number }, isCurrent: () => boolean, notice?: HTMLElement }} context
 */
export async function showOverview(main, context) {
  document.title = 'Overview · lambda-jobs';
  const problem = h('div');
  const counts = h('section', { class: 'section', 'aria-labelledby': 'counts-heading' });
  const queues = h('section', { class: 'section', 'aria-labelledby': 'queues-heading' });
  const chart = h('section', { class: 'section', 'aria-labelledby': 'chart-heading' });
  replaceContent(main, h('h1', {}, 'Overview'), context.notice, problem, counts, queues, chart);

  const refresh = async () => {
    try {
      const [queueAnswer, countAnswer, sampleAnswer] = await Promise.all([
        getJson('/api/queues'),
        getJson('/api/counts', { since: '24h' }),
        getJson('/api/samples', { minutes: 60 }),
      ]);
      if (!context.isCurrent()) return;
      const now = Date.now();
      const updated = `Updated ${formatTime(new Date(now).toISOString())} · refreshes every ${context.meta.refreshSeconds} s`;
      replaceContent(problem);
      renderCounts(counts, countAnswer.counts);
      renderQueues(
        queues,
        queueAnswer.queues,
        sampleAnswer.samples,
        now,
        updated,
        problem,
        refresh,
      );
      renderChart(chart, queueAnswer.queues, sampleAnswer.samples, now);
    } catch (error) {
      if (context.isCurrent()) replaceContent(problem, errorBox(error));
    }
  };
  await refresh();

  let stopped = false;
  let timer;
  const schedule = () => {
    timer = setTimeout(async () => {
      if (!document.hidden) await refresh();
      if (!stopped) schedule();
    }, context.meta.refreshSeconds * 1000);
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
