/**
 * Wall-clock arithmetic in IANA time zones, with nothing but `Intl.DateTimeFormat`. Used by
 * {@link nextFireTime} in `cron.ts` to read a cron expression in a schedule's time zone.
 *
 * "Wall-clock milliseconds" below are the local date and time written as if they were UTC:
 * `Date.UTC(year, month - 1, day, hour, minute, second)`. The offset of a zone at an instant is
 * `wallClockMs - instantMs` (New York in winter: -5 h).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** An IANA name such as `Europe/Paris`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5` or `UTC`. */
const IANA_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** EventBridge Scheduler's ScheduleExpressionTimezone takes 1–50 characters. */
const MAX_TIME_ZONE_LENGTH = 50;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * True when `timeZone` is an IANA time zone name this runtime knows (`UTC`, `Europe/Paris`).
 * Offsets such as `+02:00` are refused: EventBridge Scheduler takes IANA names, and a fixed
 * offset would silently ignore daylight saving time.
 *
 * @example
 * ```ts
 * isValidTimeZone('America/New_York'); // true
 * isValidTimeZone('Mars/Olympus_Mons'); // false
 * ```
 */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (
    typeof timeZone !== 'string' ||
    timeZone.length > MAX_TIME_ZONE_LENGTH ||
    !IANA_NAME_PATTERN.test(timeZone)
  ) {
    return false;
  }
  try {
    const resolved = formatterFor(timeZone).resolvedOptions().timeZone;
    // `europe/paris` works in Intl but not in EventBridge Scheduler: require the real spelling.
    return resolved === timeZone || resolved.toLowerCase() !== timeZone.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * The wall-clock time shown in `timeZone` at `instantMs`, in wall-clock milliseconds (whole
 * seconds).
 *
 * @example
 * ```ts
 * new Date(wallClockAt(Date.parse('2025-01-15T12:00:00Z'), 'America/New_York')).toISOString();
 * // '2025-01-15T07:00:00.000Z' (07:00 local)
 * ```
 */
export function wallClockAt(instantMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
}

/**
 * The zone's offset from UTC at `instantMs`, in milliseconds (New York in winter: -18,000,000).
 *
 * @example
 * ```ts
 * offsetAt(Date.parse('2025-07-01T00:00:00Z'), 'Europe/Paris'); // 7_200_000
 * ```
 */
export function offsetAt(instantMs: number, timeZone: string): number {
  return wallClockAt(instantMs, timeZone) - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The earliest instant at which `timeZone` shows the wall-clock time `wallClockMs`, or
 * `undefined` when that time does not exist there (it falls in a daylight-saving gap).
 *
 * When clocks go back, a wall-clock time happens twice; this returns the first. That is how
 * EventBridge Scheduler behaves: a time skipped by a spring-forward does not fire, and a time
 * repeated by a fall-back fires once.
 *
 * @example
 * ```ts
 * // 02:30 on 9 March 2025 does not exist in New York (clocks jump from 02:00 to 03:00).
 * instantOfWallClock(Date.UTC(2025, 2, 9, 2, 30), 'America/New_York'); // undefined
 * ```
 */
export function instantOfWallClock(wallClockMs: number, timeZone: string): number | undefined {
  // Any transition near this wall-clock time lies between these two offsets.
  const offsets = new Set([
    offsetAt(wallClockMs - DAY_MS, timeZone),
    offsetAt(wallClockMs + DAY_MS, timeZone),
  ]);
  let earliest: number | undefined;
  for (const offset of offsets) {
    const instant = wallClockMs - offset;
    if (
      wallClockAt(instant, timeZone) === wallClockMs &&
      (earliest === undefined || instant < earliest)
    ) {
      earliest = instant;
    }
  }
  return earliest;
}

/**
 * Maps the wall-clock times of one local day to instants. On a day without an offset change
 * (almost every day) this is one subtraction; on a transition day each time is resolved with
 * {@link instantOfWallClock}.
 *
 * @example
 * ```ts
 * const toInstant = dayInstants(Date.UTC(2025, 0, 15), 'Europe/Paris');
 * new Date(toInstant(Date.UTC(2025, 0, 15, 9, 0))!).toISOString(); // '2025-01-15T08:00:00.000Z'
 * ```
 */
export function dayInstants(
  dayStartWallClockMs: number,
  timeZone: string,
): (wallClockMs: number) => number | undefined {
  // Offsets lie within ±14 h, so these two instants bracket every instant of the local day.
  const before = offsetAt(dayStartWallClockMs - 14 * 60 * MINUTE_MS, timeZone);
  const after = offsetAt(dayStartWallClockMs + DAY_MS + 14 * 60 * MINUTE_MS, timeZone);
  if (before === after) return (wallClockMs) => wallClockMs - before;
  return (wallClockMs) => instantOfWallClock(wallClockMs, timeZone);
}
