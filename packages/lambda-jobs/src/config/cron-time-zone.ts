/**
 * Time-zone questions of cron schedules: whether a name is one EventBridge Scheduler takes, and
 * whether an instant shows a wall-clock time its zone already showed (clocks went back). The
 * zone's local time comes from croner's `CronDate`.
 */
import { CronDate } from 'croner';

/** An IANA name such as `Europe/Paris`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5` or `UTC`. */
const IANA_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** EventBridge Scheduler's ScheduleExpressionTimezone takes 1–50 characters. */
const MAX_TIME_ZONE_LENGTH = 50;

/**
 * The canonical zone names this runtime knows, read once. Looking a name up here spares the
 * first `Intl.DateTimeFormat` of the process, which loads ICU's locale data (about 25 ms of CPU
 * measured on a loaded 2-core machine): a deployed function's cold-start config check would
 * otherwise pay that for every schedule's `timeZone`, though it never fires a schedule.
 */
let knownTimeZones: ReadonlySet<string> | undefined;

/** Longer than any backward clock change (two hours at most, as in Antarctica/Troll). */
const CLOCK_CHANGE_LOOK_BACK_MS = 3 * 3_600_000;

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
  knownTimeZones ??= new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  if (knownTimeZones.has(timeZone)) return true;
  // Not a canonical name (an alias such as US/Eastern, or Etc/GMT+5): ask Intl about it.
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    // `europe/paris` works in Intl but not in EventBridge Scheduler: require the real spelling.
    return resolved === timeZone || resolved.toLowerCase() !== timeZone.toLowerCase();
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instantMs` (whole seconds), in milliseconds. */
function offsetAt(instantMs: number, timeZone: string): number {
  const local = new CronDate(new Date(instantMs), timeZone);
  const wallClock = Date.UTC(
    local.year,
    local.month,
    local.day,
    local.hour,
    local.minute,
    local.second,
  );
  return wallClock - Math.floor(instantMs / 1000) * 1000;
}

/**
 * True when `timeZone` showed the wall-clock time of `instantMs` once before: the instant lies
 * in the hour (or the half hour, or two) repeated after clocks went back. EventBridge Scheduler
 * fires a repeated time once, at its first occurrence.
 *
 * @example
 * ```ts
 * // New York fell back at 06:00Z on 2 November 2025: 01:30 happened at 05:30Z, then at 06:30Z.
 * isRepeatedWallClockTime(Date.parse('2025-11-02T05:30:00Z'), 'America/New_York'); // false
 * isRepeatedWallClockTime(Date.parse('2025-11-02T06:30:00Z'), 'America/New_York'); // true
 * ```
 */
export function isRepeatedWallClockTime(instantMs: number, timeZone: string): boolean {
  const offset = offsetAt(instantMs, timeZone);
  const earlierOffset = offsetAt(instantMs - CLOCK_CHANGE_LOOK_BACK_MS, timeZone);
  const wentBackBy = earlierOffset - offset;
  // The same wall-clock time, `wentBackBy` earlier, still under the earlier offset?
  return wentBackBy > 0 && offsetAt(instantMs - wentBackBy, timeZone) === earlierOffset;
}
