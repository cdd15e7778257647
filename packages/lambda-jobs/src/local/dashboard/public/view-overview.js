/**
 * Overview: jobs finished per queue and outcome in the last hour and day (from the workers'
 * counters, never from job records), every queue's depth and backlog level, and charts of
 * jobs processed per minute by outcome and of each queue's backlog against its thresholds over
 * a chosen range. Refreshes itself while shown.
 */
import { getJson } from './api.js';
import { renderCircuits } from './circuit-panel.js';
import { h, replaceContent } from './dom.js';
import { formatAge, formatNumber, formatTime } from './format.js';
import { lineChart } from './line-chart.js';
import { deliveryCell } from './queue-pause.js';
import { errorBox, levelBadge, route } from './widgets.js';

const SERIES_CLASSES = ['series-0', 'series-1', 'series-2', 'series-3', 'series-4', 'series-5'];

/** The chart ranges offered, minutes. */
const RANGES = [
  { minutes: 15, label: '15 min' },
  { minutes: 60, label: '1 h' },
  { minutes: 1440, label: '24 h' },
];
const DEFAULT_RANGE = 60;

/** The counted outcomes, in the server's order, as the cards name them. */
const OUTCOMES = [
  {
    name: 'succeeded',
    label: 'Succeeded',
    tone: 'success',
    hint: 'finished',
    status: 'SUCCESSFUL',
  },
  {
    name: 'errored',
    label: 'Errored',
    tone: 'error',
    hint: 'out of attempts or unrecoverable',
    status: 'ERRORED',
  },
  { name: 'retried', label: 'Retried', tone: 'retry', hint: 'attempts that failed and will retry' },
  {
    name: 'lost',
    label: 'Lost',
    tone: 'lost',
    hint: 'attempts whose worker stopped',
    status: 'LOST',
  },
  { name: 'rejected', label: 'Rejected', tone: 'error', hint: 'messages that could not run' },
  { name: 'deferred', label: 'Deferred', tone: 'retry', hint: 'waited for a concurrency key' },
];
const OUTCOME_CLASSES = {
  succeeded: 'series-1',
  errored: 'series-2',
  retried: 'series-3',
  lost: 'series-4',
  rejected: 'series-5',
  deferred: 'series-0',
};

function rangeOf(parameters) {
  const asked = Number(parameters?.get('range'));
  return RANGES.some((range) => range.minutes === asked) ? asked : DEFAULT_RANGE;
}

function sumOver(history, outcome) {
  return Object.values(history.totals).reduce((sum, totals) => sum + (totals[outcome] ?? 0), 0);
}

function windowValue(value, minutes) {
  return h('span', { 'data-window': String(minutes) }, formatNumber(value));
}

function outcomeCard(outcome, hour, day) {
  return h(
    outcome.status ? 'a' : 'div',
    {
      class: `card card-${outcome.tone}`,
      href: outcome.status ? route('/jobs', { status: outcome.status }) : undefined,
      'data-count': outcome.name,
    },
    h('span', { class: 'card-label' }, outcome.label),
    h(
      'span',
      { class: 'card-value', title: 'Last 24 hours' },
      windowValue(sumOver(day, outcome.name), 1440),
    ),
    h('span', { class: 'card-hint' }, 'last hour: ', windowValue(sumOver(hour, outcome.name), 60)),
    h('span', { class: 'card-hint' }, outcome.hint),
  );
}

function renderCounts(section, hour, day) {
  const queues = Object.keys(day.totals);
  const rows = queues.map((queue) =>
    h(
      'tr',
      { 'data-outcome-queue': queue },
      h('th', { scope: 'row' }, h('a', { href: route('/jobs', { queue }) }, queue)),
      OUTCOMES.map((outcome) =>
        h(
          'td',
          { class: 'num', 'data-outcome': outcome.name },
          windowValue(hour.totals[queue]?.[outcome.name] ?? 0, 60),
          h('span', { class: 'muted' }, ' / '),
          windowValue(day.totals[queue]?.[outcome.name] ?? 0, 1440),
        ),
      ),
    ),
  );
  replaceContent(
    section,
    h('h2', { id: 'counts-heading' }, 'Jobs finished, last 24 hours'),
    day.known
      ? undefined
      : h(
          'p',
          { class: 'muted', 'data-note': 'counts-unknown' },
          'This target has no outcome counters to read: the numbers below are 0.',
        ),
    h(
      'div',
      { class: 'cards' },
      OUTCOMES.map((outcome) => outcomeCard(outcome, hour, day)),
    ),
    h(
      'div',
      { class: 'panel table-wrap' },
      h(
        'table',
        { class: 'data', 'aria-label': 'Jobs finished per queue: last hour / last 24 hours' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Queue (1 h / 24 h)'),
            OUTCOMES.map((outcome) => h('th', { scope: 'col', class: 'num' }, outcome.label)),
          ),
        ),
        h('tbody', {}, rows),
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

function renderQueues(section, queues, samples, now, updated, minutes, problem, refresh) {
  const rangeLabel = RANGES.find((range) => range.minutes === minutes)?.label ?? `${minutes} min`;
  const rows = queues.map((queue) =>
    h(
      'tr',
      { 'data-queue': queue.name },
      h(
        'th',
        { scope: 'row' },
        h('a', { href: route('/jobs', { queue: queue.name }) }, queue.name),
        queue.fifo
          ? h(
              'span',
              {
                class: 'queue-kind',
                'data-field': 'fifo',
                title: 'FIFO queue: jobs of one group run one at a time, in order',
              },
              ' FIFO',
            )
          : null,
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
          from: now - minutes * 60_000,
          to: now,
          width: 140,
          height: 32,
          compact: true,
          thresholds: queue.thresholds.backlog,
          label: `Backlog of ${queue.name} over the last ${rangeLabel}`,
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
            h('th', { scope: 'col' }, `Last ${rangeLabel}`),
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

function rangeSelector(current) {
  return h(
    'div',
    { class: 'range-selector', role: 'group', 'aria-label': 'Time range' },
    RANGES.map((range) =>
      h(
        'a',
        {
          class: `button${range.minutes === current ? ' button-primary' : ''}`,
          href: route('/', { range: String(range.minutes) }),
          'aria-current': range.minutes === current ? 'true' : undefined,
          'data-range': String(range.minutes),
        },
        range.label,
      ),
    ),
  );
}

function legend(series, describe) {
  return h(
    'ul',
    { class: 'legend' },
    series.map((line) =>
      h(
        'li',
        {},
        h('span', { class: `swatch ${line.className}`, 'aria-hidden': 'true' }),
        line.name,
        h('span', { class: 'muted' }, describe(line)),
      ),
    ),
  );
}

/** Jobs per minute by outcome, summed over queues; a period without jobs is a 0. */
function throughputSeries(history) {
  const periodMs = history.periodSeconds * 1000;
  const from = Date.parse(history.from);
  const to = Date.parse(history.to);
  const perMinute = 60 / history.periodSeconds;
  return OUTCOMES.filter(
    (outcome) =>
      outcome.name === 'succeeded' ||
      outcome.name === 'errored' ||
      history.buckets.some((bucket) => bucket.outcome === outcome.name),
  ).map((outcome) => {
    const byTime = new Map();
    for (const bucket of history.buckets) {
      if (bucket.outcome !== outcome.name) continue;
      const t = Date.parse(bucket.at);
      byTime.set(t, (byTime.get(t) ?? 0) + bucket.count);
    }
    const points = [];
    for (let t = from; t <= to; t += periodMs) {
      points.push({ t, v: Math.round((byTime.get(t) ?? 0) * perMinute * 100) / 100 });
    }
    return {
      name: outcome.label,
      outcome: outcome.name,
      className: OUTCOME_CLASSES[outcome.name],
      points,
      total: [...byTime.values()].reduce((a, b) => a + b, 0),
    };
  });
}

function renderCharts(section, queues, samples, history, minutes, now) {
  const from = now - minutes * 60_000;
  const width = Math.max(480, Math.round(section.clientWidth - 34));
  const rangeLabel = RANGES.find((range) => range.minutes === minutes)?.label ?? `${minutes} min`;
  const throughput = throughputSeries(history);
  const per =
    history.periodSeconds === 60 ? '' : ` (averaged over ${history.periodSeconds / 60} min)`;
  const backlogCharts = queues.map((queue, index) => {
    const points = pointsOf(samples, queue.name, 'backlog');
    const line = {
      name: queue.name,
      className: SERIES_CLASSES[index % SERIES_CLASSES.length],
      points,
    };
    const limits = queue.thresholds.backlog;
    return h(
      'div',
      { class: 'panel chart-panel', 'data-backlog-chart': queue.name },
      h('h3', {}, `Backlog of ${queue.name}`),
      points.length === 0
        ? h(
            'p',
            { class: 'muted' },
            `No monitor samples in the last ${rangeLabel} yet: the monitor records one per queue each run.`,
          )
        : lineChart({
            series: [line],
            from,
            to: now,
            width,
            height: 180,
            thresholds: limits,
            label: `Backlog of ${queue.name}, last ${rangeLabel} (${points.length} samples), ${thresholdText('thresholds', limits)}`,
          }),
      h(
        'ul',
        { class: 'legend' },
        h(
          'li',
          {},
          h('span', { class: `swatch ${line.className}`, 'aria-hidden': 'true' }),
          queue.name,
          h(
            'span',
            { class: 'muted' },
            points.length > 0
              ? ` · ${formatNumber(points[points.length - 1].v)} now`
              : ' · no samples',
          ),
        ),
        ['warning', 'critical']
          .filter((level) => limits[level] !== undefined && limits[level] !== null)
          .map((level) =>
            h(
              'li',
              { 'data-threshold': level },
              h('span', { class: `swatch swatch-threshold-${level}`, 'aria-hidden': 'true' }),
              `${level} at ${formatNumber(limits[level])}`,
            ),
          ),
      ),
    );
  });
  replaceContent(
    section,
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: 'chart-heading' }, `Last ${rangeLabel}`),
      rangeSelector(minutes),
    ),
    h(
      'div',
      { class: 'panel chart-panel', 'data-chart': 'throughput' },
      h('h3', {}, `Jobs processed per minute, by outcome${per}`),
      lineChart({
        series: throughput,
        from,
        to: now,
        width,
        height: 200,
        label: `Jobs processed per minute by outcome, last ${rangeLabel}`,
      }),
      legend(throughput, (line) => ` · ${formatNumber(line.total)} in ${rangeLabel}`),
    ),
    backlogCharts,
  );
}

/**
 * @param {HTMLElement} main
 * @param {{ meta: { refreshSeconds: number }, parameters?: URLSearchParams, isCurrent: () => boolean, notice?: HTMLElement }} context
 */
export async function showOverview(main, context) {
  document.title = 'Overview · lambda-jobs';
  const minutes = rangeOf(context.parameters);
  const problem = h('div');
  const counts = h('section', { class: 'section', 'aria-labelledby': 'counts-heading' });
  const queues = h('section', { class: 'section', 'aria-labelledby': 'queues-heading' });
  const chart = h('section', { class: 'section', 'aria-labelledby': 'chart-heading' });
  const circuits = h('section', { class: 'section', 'aria-labelledby': 'circuits-heading' });
  replaceContent(
    main,
    h('h1', {}, 'Overview'),
    context.notice,
    problem,
    counts,
    queues,
    circuits,
    chart,
  );

  const outcomesOf = (window) => getJson('/api/outcomes', { minutes: window });
  const refresh = async () => {
    try {
      // A fixed number of reads per refresh: the hour, the day and the chart's range (one of
      // those two unless it is 15 minutes).
      const [queueAnswer, hourAnswer, dayAnswer, rangeAnswer, sampleAnswer, circuitAnswer] =
        await Promise.all([
          getJson('/api/queues'),
          outcomesOf(60),
          outcomesOf(1440),
          minutes === 60 || minutes === 1440 ? undefined : outcomesOf(minutes),
          getJson('/api/samples', { minutes }),
          // The circuits never hold the rest of the overview back: unreadable, the panel is left out.
          getJson('/api/circuits').catch(() => ({ circuits: [] })),
        ]);
      if (!context.isCurrent()) return;
      const history =
        minutes === 60
          ? hourAnswer.outcomes
          : minutes === 1440
            ? dayAnswer.outcomes
            : rangeAnswer.outcomes;
      const now = Date.now();
      const updated = `Updated ${formatTime(new Date(now).toISOString())} · refreshes every ${context.meta.refreshSeconds} s`;
      replaceContent(problem);
      renderCounts(counts, hourAnswer.outcomes, dayAnswer.outcomes);
      renderQueues(
        queues,
        queueAnswer.queues,
        sampleAnswer.samples,
        now,
        updated,
        minutes,
        problem,
        refresh,
      );
      renderCircuits(circuits, circuitAnswer.circuits, problem, refresh);
      renderCharts(chart, queueAnswer.queues, sampleAnswer.samples, history, minutes, now);
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
