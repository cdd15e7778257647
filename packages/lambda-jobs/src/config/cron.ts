/**
 * Standard 5-field cron: parsing, conversion to EventBridge Scheduler's 6-field `cron(...)` form,
 * and the next firing time in an IANA time zone (dev mode fires schedules with it, through
 * `croner`).
 *
 * Semantics follow Vixie cron (cronie, the `crontab(5)` page):
 * - fields `minute hour day-of-month month day-of-week`, each a comma-separated list of `*`,
 *   `a`, `a-b`, and steps: `*` or `a-b` followed by `/n`, or `a/n` (from `a` to the field's end,
 *   every `n`);
 * - months `1-12` or `JAN-DEC`, days of the week `0-7` (0 and 7 are Sunday) or `SUN-SAT`, names
 *   in any case; a `*` or `a/n` in the day-of-week field covers `0-6`;
 * - day-of-month and day-of-week: when both are restricted (neither starts with `*`), a day
 *   matches if EITHER matches; otherwise it must match both (so `*` in one leaves the other);
 * - `@yearly @annually @monthly @weekly @daily @midnight @hourly`.
 *
 * Ranges must not wrap (`FRI-MON` is refused: write `FRI-SAT,SUN-MON`).
 */
import { Cron } from 'croner';
import { isRepeatedWallClockTime, isValidTimeZone } from './cron-time-zone.ts';

export { isValidTimeZone } from './cron-time-zone.ts';

/** The five fields of a standard cron expression. */
export type CronField = 'minute' | 'hour' | 'day-of-month' | 'month' | 'day-of-week';

/**
 * A cron expression that cannot be parsed, cannot be converted to EventBridge Scheduler's form,
 * or never fires. Names the field and the allowed values.
 *
 * @example
 * ```ts
 * try { parseCron('0 25 * * *'); } catch (e) {
 *   if (e instanceof CronExpressionError) console.error(e.field, e.reason);
 *   // 'hour', 'hour 25 is out of range 0–23'
 * }
 * ```
 */
export class CronExpressionError extends Error {
  override readonly name = 'CronExpressionError';
  constructor(
    /** The expression as given. */
    readonly expression: string,
    /** The field at fault, `expression` for the whole, or `timeZone`. */
    readonly field: CronField | 'expression' | 'timeZone',
    /** What is wrong and what is allowed. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Cron "${expression}": ${reason}`, options);
  }
}

/** A parsed cron expression: the allowed values of each field, sorted ascending. */
export interface ParsedCron {
  /** The expression as given (e.g. `@daily`). */
  readonly expression: string;
  /** Its five fields (e.g. `0 0 * * *` for `@daily`). */
  readonly fields: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0–6, 0 = Sunday (a 7 in the expression is stored as 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** The day-of-month field does not start with `*`. */
  readonly dayOfMonthRestricted: boolean;
  /** The day-of-week field does not start with `*`. */
  readonly dayOfWeekRestricted: boolean;
}

/** The named schedules and the five fields each stands for. */
export const CRON_NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldSpec {
  readonly field: CronField;
  readonly min: number;
  /** Largest value written in the expression (7 for day-of-week). */
  readonly max: number;
  /** Where `*` and `a/n` end (6 for day-of-week, so a step never lands on the second Sunday). */
  readonly starMax: number;
  readonly names?: readonly string[];
  /** Offset of names[0]: JAN is 1, SUN is 0. */
  readonly firstNameValue?: number;
}

const MONTH_NAMES = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SPECS: readonly FieldSpec[] = [
  { field: 'minute', min: 0, max: 59, starMax: 59 },
  { field: 'hour', min: 0, max: 23, starMax: 23 },
  { field: 'day-of-month', min: 1, max: 31, starMax: 31 },
  { field: 'month', min: 1, max: 12, starMax: 12, names: MONTH_NAMES, firstNameValue: 1 },
  { field: 'day-of-week', min: 0, max: 7, starMax: 6, names: DAY_NAMES, firstNameValue: 0 },
];

/** Days in each month of a leap year: a day that exists in some year. */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function allowedText(spec: FieldSpec): string {
  const names = spec.names ? ` or ${spec.names[0]}–${spec.names[spec.names.length - 1]}` : '';
  return `${spec.min}–${spec.max}${names}`;
}

interface ParsedField {
  readonly values: ReadonlySet<number>;
  readonly restricted: boolean;
}

function parseField(expression: string, spec: FieldSpec, text: string): ParsedField {
  const fail = (reason: string): never => {
    throw new CronExpressionError(expression, spec.field, reason);
  };
  const quartz = text.includes('?')
    ? '?'
    : text.includes('#')
      ? '#'
      : text.split(/[,/-]/).some((token) => /^(\d*L|\d+W|LW)$/i.test(token))
        ? 'L/W'
        : undefined;
  if (quartz) {
    fail(
      `${spec.field} "${text}" uses ${quartz}, which is EventBridge/Quartz syntax, not standard cron; use ${allowedText(spec)} with * , - /`,
    );
  }

  const valueOfToken = (token: string): number => {
    if (/^\d+$/.test(token)) {
      const value = Number(token);
      if (value < spec.min || value > spec.max) {
        fail(`${spec.field} ${value} is out of range ${spec.min}–${spec.max}`);
      }
      return value;
    }
    const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
    if (index < 0) fail(`${spec.field} "${token}" is not a value; use ${allowedText(spec)}`);
    return index + (spec.firstNameValue ?? 0);
  };

  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(`${spec.field} "${text}" has an empty list item`);
    const parts = item.split('/');
    if (parts.length > 2) fail(`${spec.field} "${item}" has more than one "/"`);
    const [rangeText = '', stepText] = parts;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        fail(`${spec.field} step "${stepText}" in "${item}" must be a whole number of at least 1`);
      }
      step = Number(stepText);
    }
    let start: number;
    let end: number;
    if (rangeText === '*') {
      start = spec.min;
      end = spec.starMax;
    } else if (rangeText.includes('-')) {
      const [fromText = '', toText = '', ...rest] = rangeText.split('-');
      if (rest.length > 0 || fromText === '' || toText === '') {
        fail(`${spec.field} "${item}" is not a range; write a-b with a ≤ b`);
      }
      start = valueOfToken(fromText);
      end = valueOfToken(toText);
      if (start > end) {
        const useNames = !/^\d+$/.test(fromText) && spec.names !== undefined;
        const first = useNames ? (spec.names?.[0] ?? '') : String(spec.min);
        const last = useNames ? (spec.names?.[spec.names.length - 1] ?? '') : String(spec.starMax);
        fail(
          `${spec.field} range ${rangeText} wraps around (its start is after its end), which standard cron does not allow; write ${fromText}-${last},${first}-${toText}`,
        );
      }
    } else {
      start = valueOfToken(rangeText);
      // `a/n` runs from a to the end of the field; a lone value is just itself.
      end = stepText === undefined ? start : Math.max(start, spec.starMax);
    }
    for (let value = start; value <= end; value += step) {
      values.add(spec.field === 'day-of-week' && value === 7 ? 0 : value);
    }
  }
  return {
    values: new Set([...values].sort((a, b) => a - b)),
    restricted: !text.startsWith('*'),
  };
}

/**
 * Parses a standard 5-field cron expression or a `@daily`-style name.
 *
 * @throws CronExpressionError naming the field and the allowed values, e.g.
 *   `Cron "0 25 * * *": hour 25 is out of range 0–23`.
 * @example
 * ```ts
 * const cron = parseCron('30 9 * * MON-FRI');
 * cron.hours; // Set {9}
 * cron.daysOfWeek; // Set {1, 2, 3, 4, 5}
 * ```
 */
export function parseCron(expression: string): ParsedCron {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw new CronExpressionError(
      String(expression),
      'expression',
      'is empty; write 5 fields (minute hour day-of-month month day-of-week) or a name such as @daily',
    );
  }
  const trimmed = expression.trim();
  let fields = trimmed;
  if (trimmed.startsWith('@')) {
    const nickname = CRON_NICKNAMES[trimmed.toLowerCase()];
    if (nickname === undefined) {
      throw new CronExpressionError(
        expression,
        'expression',
        `${trimmed} is not a schedule name; use one of ${Object.keys(CRON_NICKNAMES).join(' ')}`,
      );
    }
    fields = nickname;
  }
  const parts = fields.split(/\s+/);
  if (parts.length !== SPECS.length) {
    const hint =
      parts.length === 6
        ? " (seconds and year fields are not standard cron; EventBridge's 6-field form is produced from the 5 fields)"
        : '';
    throw new CronExpressionError(
      expression,
      'expression',
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${hint}`,
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = SPECS.map((spec, index) =>
    parseField(expression, spec, parts[index] ?? ''),
  ) as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];

  const parsed: ParsedCron = {
    expression,
    fields: parts.join(' '),
    minutes: minute.values,
    hours: hour.values,
    daysOfMonth: dayOfMonth.values,
    months: month.values,
    daysOfWeek: dayOfWeek.values,
    dayOfMonthRestricted: dayOfMonth.restricted,
    dayOfWeekRestricted: dayOfWeek.restricted,
  };
  assertSomeDayExists(parsed);
  return parsed;
}

/** Refuses expressions such as `0 0 30 2 *` whose day-of-month never occurs in their months. */
function assertSomeDayExists(cron: ParsedCron): void {
  // When both day fields are restricted a day matches on either; every weekday occurs in
  // every month, so only the day-of-month alone can make a schedule impossible.
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) return;
  for (const month of cron.months) {
    for (const day of cron.daysOfMonth) {
      if (day <= (MAX_DAYS_IN_MONTH[month - 1] ?? 0)) return;
    }
  }
  throw new CronExpressionError(
    cron.expression,
    'day-of-month',
    `day-of-month ${[...cron.daysOfMonth].join(',')} never occurs in month ${[...cron.months].join(',')}; the schedule would never fire`,
  );
}

// ── EventBridge Scheduler ────────────────────────────────────────────────────────────────────

/** EventBridge Scheduler's ScheduleExpression is 1–256 characters. */
const MAX_SCHEDULE_EXPRESSION_LENGTH = 256;

/**
 * Writes sorted values compactly: `*` for all, `a/n` for an arithmetic run to the end of the
 * field (when steps are allowed), otherwise a list of values and `a-b` runs.
 */
function schedulerField(
  values: readonly number[],
  min: number,
  max: number,
  steps: boolean,
): string {
  if (values.length === max - min + 1) return '*';
  const [first = min, second = min] = values;
  const step = second - first;
  const last = values[values.length - 1] ?? min;
  if (
    steps &&
    values.length >= 3 &&
    step > 1 &&
    last + step > max &&
    values.every((value, index) => value === first + index * step)
  ) {
    return `${first}/${step}`;
  }
  const items: string[] = [];
  for (let index = 0; index < values.length; ) {
    let end = index;
    while (end + 1 < values.length && (values[end + 1] ?? 0) === (values[end] ?? 0) + 1) end += 1;
    const from = values[index] ?? 0;
    const to = values[end] ?? 0;
    if (end - index >= 2) items.push(`${from}-${to}`);
    else for (let i = index; i <= end; i += 1) items.push(String(values[i]));
    index = end + 1;
  }
  return items.join(',');
}

/**
 * Converts a standard cron expression to EventBridge Scheduler's
 * `cron(minutes hours day-of-month month day-of-week year)`, exactly:
 * - values are written as numbers (names become numbers), lists and ranges compactly, and a
 *   step as `a/n` when it runs to the end of the field, otherwise as the list it stands for;
 * - day-of-week becomes 1–7 with 1 = Sunday (standard 0 and 7 → 1, 1 → 2, … 6 → 7), never with
 *   a step (EventBridge does not take steps there);
 * - one of day-of-month and day-of-week is `?`: the one that does not restrict days. When both
 *   restrict days, standard cron's meaning (either one, or both for `*`-prefixed fields) cannot
 *   be written for EventBridge, and this throws, suggesting two schedules;
 * - the year is `*`.
 *
 * The schedule's time zone goes in ScheduleExpressionTimezone, not in the expression.
 *
 * @throws CronExpressionError when the expression is invalid or EventBridge cannot express it.
 * @example
 * ```ts
 * toSchedulerExpression('30 9 * * MON-FRI'); // 'cron(30 9 ? * 2-6 *)'
 * toSchedulerExpression('@monthly'); // 'cron(0 0 1 * ? *)'
 * ```
 */
export function toSchedulerExpression(expression: string | ParsedCron): string {
  const cron = typeof expression === 'string' ? parseCron(expression) : expression;
  const daysOfMonth = [...cron.daysOfMonth];
  const daysOfWeek = [...new Set([...cron.daysOfWeek].map((day) => day + 1))].sort((a, b) => a - b);
  const everyDayOfMonth = daysOfMonth.length === 31;
  const everyDayOfWeek = daysOfWeek.length === 7;
  const [, , domText = '', , dowText = ''] = cron.fields.split(' ');

  let dayOfMonthField: string;
  let dayOfWeekField: string;
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) {
    // Standard cron fires on days matching EITHER field.
    if (!everyDayOfMonth && !everyDayOfWeek) {
      throw new CronExpressionError(
        cron.expression,
        'day-of-week',
        `day-of-month "${domText}" and day-of-week "${dowText}" are both restricted, so standard cron fires on days matching EITHER; EventBridge Scheduler takes only one of the two (the other must be "?") and cannot express that. Use two schedules: "${cron.fields.replace(/ \S+$/, ' *')}" and "${cron.fields.replace(/^(\S+ \S+ )\S+/, '$1*')}"`,
      );
    }
    dayOfMonthField = '*';
    dayOfWeekField = '?';
  } else if (everyDayOfWeek) {
    // Otherwise days must match BOTH fields; here day-of-week allows every day.
    dayOfMonthField = schedulerField(daysOfMonth, 1, 31, true);
    dayOfWeekField = '?';
  } else if (everyDayOfMonth) {
    dayOfMonthField = '?';
    dayOfWeekField = schedulerField(daysOfWeek, 1, 7, false);
  } else {
    throw new CronExpressionError(
      cron.expression,
      'day-of-week',
      `day-of-month "${domText}" and day-of-week "${dowText}" both narrow the days and one starts with "*", so standard cron fires only on days matching BOTH; EventBridge Scheduler takes only one of the two (the other must be "?") and cannot express that. Restrict days in one field only`,
    );
  }

  const result = `cron(${[
    schedulerField([...cron.minutes], 0, 59, true),
    schedulerField([...cron.hours], 0, 23, true),
    dayOfMonthField,
    schedulerField([...cron.months], 1, 12, true),
    dayOfWeekField,
    '*',
  ].join(' ')})`;
  if (result.length > MAX_SCHEDULE_EXPRESSION_LENGTH) {
    throw new CronExpressionError(
      cron.expression,
      'expression',
      `converts to ${result.length} characters; EventBridge Scheduler takes at most ${MAX_SCHEDULE_EXPRESSION_LENGTH}`,
    );
  }
  return result;
}

// ── Next firing time ─────────────────────────────────────────────────────────────────────────

/**
 * How many of croner's candidates one search may set aside: a repeated hour of `* * * * *` sets
 * aside 60 (120 where clocks go back two hours), a skipped time one per day.
 */
const MAX_CANDIDATES_SET_ASIDE = 1_000;

/**
 * The first instant strictly after `after` at which the expression fires, reading it as wall-
 * clock time in `timeZone` (an IANA name; default UTC). Dev mode fires schedules with it.
 *
 * Daylight saving time is handled as EventBridge Scheduler does: a wall-clock time skipped when
 * clocks go forward does not fire that day (`30 2 * * *` in New York skips the spring-forward
 * day), and a wall-clock time repeated when clocks go back fires once, at its first occurrence.
 * croner follows Vixie cron there instead (a skipped fixed time fires when clocks have jumped,
 * a repeated time of `0 * * * *` fires twice), so its candidates that EventBridge would not fire
 * are set aside.
 *
 * @throws CronExpressionError for an invalid expression or time zone, or when it never fires.
 * @example
 * ```ts
 * nextFireTime('0 9 * * MON', new Date('2025-01-01T00:00:00Z'), 'Europe/Paris');
 * // 2025-01-06T08:00:00.000Z (09:00 in Paris, UTC+1 in winter)
 * ```
 */
export function nextFireTime(expression: string | ParsedCron, after: Date, timeZone = 'UTC'): Date {
  const cron = typeof expression === 'string' ? parseCron(expression) : expression;
  if (!isValidTimeZone(timeZone)) {
    throw new CronExpressionError(
      cron.expression,
      'timeZone',
      `time zone "${String(timeZone)}" is not an IANA time zone name (e.g. UTC, Europe/Paris)`,
    );
  }
  if (Number.isNaN(after.getTime()))
    throw new RangeError('nextFireTime: `after` is not a valid Date');

  // croner gets the values parseCron found, so both read the expression alike.
  const values = [cron.minutes, cron.hours, cron.daysOfMonth, cron.months, cron.daysOfWeek];
  const schedule = new Cron(values.map((set) => [...set].join(',')).join(' '), {
    mode: '5-part',
    // Vixie cron: both day fields restricted → either matches; a `*`-prefixed one → both must.
    domAndDow: !(cron.dayOfMonthRestricted && cron.dayOfWeekRestricted),
    timezone: timeZone,
  });
  let from = after;
  for (let setAside = 0; setAside <= MAX_CANDIDATES_SET_ASIDE; setAside += 1) {
    const candidate = schedule.nextRun(from);
    if (candidate === null) break;
    // A time croner moved out of a spring-forward gap no longer matches; a repeated one is later.
    if (schedule.match(candidate) && !isRepeatedWallClockTime(candidate.getTime(), timeZone)) {
      return candidate;
    }
    from = candidate;
  }
  throw new CronExpressionError(cron.expression, 'expression', 'never fires');
}
