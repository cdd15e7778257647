/**
 * A small SVG line chart, drawn here (no library): one line per series over a time window, with
 * optional dashed threshold lines. `compact` draws a sparkline without axes.
 */
import { svg } from './dom.js';
import { formatNumber } from './format.js';

/** Below this, a gap between samples never breaks the line. */
const MIN_GAP_MS = 90_000;

/**
 * How far apart two samples may be and still be joined: 2.5 × the usual interval (the
 * monitor's period), so a line breaks only where the monitor was not running.
 */
function gapLimit(points) {
  const intervals = points
    .slice(1)
    .map((point, i) => point.t - points[i].t)
    .sort((a, b) => a - b);
  const median = intervals[Math.floor(intervals.length / 2)] ?? 0;
  return Math.max(MIN_GAP_MS, median * 2.5);
}

/** 0.8 → 2, 5 → 6, 13 → 20, 240 → 400: a round, even upper bound for the y axis (its middle is a whole number too). */
function niceCeiling(value) {
  if (value <= 2) return 2;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 6, 8, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

/**
 * @typedef {{ t: number, v: number }} Point
 * @typedef {{ name: string, className: string, points: Point[] }} Series
 * @typedef {{ warning?: number, critical?: number }} Thresholds
 */

/**
 * @param {{
 *   series: Series[], from: number, to: number, width: number, height: number,
 *   label: string, compact?: boolean, thresholds?: Thresholds
 * }} options
 * @returns {SVGElement}
 */
export function lineChart(options) {
  const { series, from, to, width, height, compact = false, thresholds = {} } = options;
  const pad = compact
    ? { left: 2, right: 2, top: 3, bottom: 3 }
    : { left: 44, right: 14, top: 12, bottom: 24 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const values = series.flatMap((s) => s.points.map((p) => p.v));
  // A full chart keeps its threshold lines in view; a sparkline scales to its data only.
  const limits = compact
    ? []
    : Object.values(thresholds).filter((value) => typeof value === 'number');
  const yMax = niceCeiling(Math.max(1, ...values, ...limits));
  const x = (t) => pad.left + ((t - from) / (to - from)) * plotWidth;
  const y = (v) => pad.top + plotHeight - (v / yMax) * plotHeight;

  const chart = svg('svg', {
    class: compact ? 'chart chart-compact' : 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': options.label,
  });
  chart.append(svg('title', {}, options.label));

  if (!compact) {
    for (const fraction of [0, 0.5, 1]) {
      const value = yMax * fraction;
      chart.append(
        svg('line', {
          class: 'chart-grid',
          x1: pad.left,
          x2: width - pad.right,
          y1: y(value),
          y2: y(value),
        }),
        svg(
          'text',
          { class: 'chart-axis', x: pad.left - 6, y: y(value) + 4, 'text-anchor': 'end' },
          formatNumber(value),
        ),
      );
    }
    const minutes = Math.round((to - from) / 60_000);
    for (const fraction of [0, 0.5, 1]) {
      const ago = Math.round(minutes * (1 - fraction));
      const text =
        fraction === 1 ? 'now' : minutes >= 180 ? `−${Math.round(ago / 60)} h` : `−${ago} min`;
      const anchor = fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle';
      chart.append(
        svg(
          'text',
          {
            class: 'chart-axis',
            x: x(from + fraction * (to - from)),
            y: height - 6,
            'text-anchor': anchor,
          },
          text,
        ),
      );
    }
  }

  for (const [level, value] of Object.entries(thresholds)) {
    if (value === undefined || value === null || value > yMax) continue;
    chart.append(
      svg('line', {
        class: `chart-threshold chart-threshold-${level}`,
        x1: pad.left,
        x2: width - pad.right,
        y1: y(value),
        y2: y(value),
      }),
    );
  }

  for (const line of series) {
    const points = line.points.filter((p) => p.t >= from && p.t <= to).sort((a, b) => a.t - b.t);
    if (points.length === 0) continue;
    const limit = gapLimit(points);
    const runs = [];
    for (const point of points) {
      const run = runs[runs.length - 1];
      if (run && point.t - run[run.length - 1].t <= limit) run.push(point);
      else runs.push([point]);
    }
    const path = runs
      .map((run) =>
        run
          .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`)
          .join(' '),
      )
      .join(' ');
    chart.append(svg('path', { class: `chart-line ${line.className}`, d: path }));
    for (const run of runs.slice(0, -1)) {
      if (run.length > 1) continue;
      // A lone sample between gaps: a dot, since a path of one point draws nothing.
      chart.append(
        svg('circle', {
          class: `chart-dot ${line.className}`,
          cx: x(run[0].t),
          cy: y(run[0].v),
          r: compact ? 1.2 : 2,
        }),
      );
    }
    const last = points[points.length - 1];
    chart.append(
      svg('circle', {
        class: `chart-dot ${line.className}`,
        cx: x(last.t),
        cy: y(last.v),
        r: compact ? 1.8 : 3,
      }),
    );
  }
  return chart;
}
