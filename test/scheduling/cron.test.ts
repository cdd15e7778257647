import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import {
  CronExpressionError,
  isValidTimeZone,
  nextFireTime,
  parseCron,
  toSchedulerExpression,
} from '../../packages/lambda-jobs/src/config/cron.ts';
import { isRepeatedWallClockTime } from '../../packages/lambda-jobs/src/config/cron-time-zone.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';

function cronErrorOf(act: () => unknown): CronExpressionError {
  try {
    act();
  } catch (error) {
    if (error instanceof CronExpressionError) return error;
    throw error;
  }
  throw new Error('expected a CronExpressionError');
}

describe('parseCron gives the allowed values of each field', () => {
  it('reads names, ranges and flags', () => {
    // Prepare / Act
    const cron = parseCron('30 9 * jan-Mar MON-FRI');

    // Assess
    expect([...cron.minutes]).toEqual([30]);
    expect([...cron.hours]).toEqual([9]);
    expect(cron.daysOfMonth.size).toBe(31);
    expect([...cron.months]).toEqual([1, 2, 3]);
    expect([...cron.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(cron.dayOfMonthRestricted).toBe(false);
    expect(cron.dayOfWeekRestricted).toBe(true);
  });

  it.each([
    ['*/20 * * * *', 'minutes', [0, 20, 40]],
    ['10/20 * * * *', 'minutes', [10, 30, 50]],
    ['0-10/5,50 * * * *', 'minutes', [0, 5, 10, 50]],
    ['0 0 * * 7', 'daysOfWeek', [0]],
    ['0 0 * * 5-7', 'daysOfWeek', [0, 5, 6]],
    ['0 0 * * */2', 'daysOfWeek', [0, 2, 4, 6]],
    ['0 0 * * 1/2', 'daysOfWeek', [1, 3, 5]],
  ] as const)('%s → %s %j', (expression, field, values) => {
    // Act
    const cron = parseCron(expression);

    // Assess
    expect([...cron[field]]).toEqual(values);
  });

  it('treats a field starting with * as unrestricted, whatever its step', () => {
    // Act
    const cron = parseCron('0 0 */2 * 1-5');

    // Assess
    expect(cron.dayOfMonthRestricted).toBe(false);
    expect(cron.dayOfWeekRestricted).toBe(true);
    expect(cron.fields).toBe('0 0 */2 * 1-5');
  });

  it('expands a name to its five fields', () => {
    // Act
    const cron = parseCron('@weekly');

    // Assess
    expect(cron.expression).toBe('@weekly');
    expect(cron.fields).toBe('0 0 * * 0');
  });
});

describe('toSchedulerExpression converts exactly to EventBridge Scheduler cron(...)', () => {
  it.each([
    // every @name
    ['@yearly', 'cron(0 0 1 1 ? *)'],
    ['@annually', 'cron(0 0 1 1 ? *)'],
    ['@monthly', 'cron(0 0 1 * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@midnight', 'cron(0 0 * * ? *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['  @Daily ', 'cron(0 0 * * ? *)'],
    // names become numbers, in any case
    ['0 9 * JAN,jul *', 'cron(0 9 * 1,7 ? *)'],
    ['0 9 * * mon-fri', 'cron(0 9 ? * 2-6 *)'],
    ['0 9 * * SUN,Sat', 'cron(0 9 ? * 1,7 *)'],
    ['0 9 * DEC SUN', 'cron(0 9 ? 12 1 *)'],
    // ranges
    ['0 9-17 * * *', 'cron(0 9-17 * * ? *)'],
    ['0 0 1-15 * *', 'cron(0 0 1-15 * ? *)'],
    ['0 0 * MAR-MAY *', 'cron(0 0 * 3-5 ? *)'],
    ['0 0 * * 1-3', 'cron(0 0 ? * 2-4 *)'],
    // steps: a/n when the run reaches the end of the field, else the list it stands for
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['5/20 * * * *', 'cron(5/20 * * * ? *)'],
    ['0-59/2 * * * *', 'cron(0/2 * * * ? *)'],
    ['0-30/10 * * * *', 'cron(0,10,20,30 * * * ? *)'],
    ['*/1 * * * *', 'cron(* * * * ? *)'],
    ['*/30 * * * *', 'cron(0,30 * * * ? *)'],
    ['0 */6 * * *', 'cron(0 0/6 * * ? *)'],
    ['0 0 */10 * *', 'cron(0 0 1/10 * ? *)'],
    ['0 0 */2 * *', 'cron(0 0 1/2 * ? *)'],
    ['0 0 1 */3 *', 'cron(0 0 1 1/3 ? *)'],
    ['5-50/10 */5 1 JAN-MAR/2 *', 'cron(5,15,25,35,45 0/5 1 1,3 ? *)'],
    // no steps in EventBridge's day-of-week: expanded to a list
    ['0 0 * * */2', 'cron(0 0 ? * 1,3,5,7 *)'],
    ['0 0 * * 1-5/2', 'cron(0 0 ? * 2,4,6 *)'],
    ['0 0 * * MON/2', 'cron(0 0 ? * 2,4,6 *)'],
    // lists
    ['0,30 * * * *', 'cron(0,30 * * * ? *)'],
    ['1,2,3,10 * * * *', 'cron(1-3,10 * * * ? *)'],
    ['0 0 1,15,28-31 * *', 'cron(0 0 1,15,28-31 * ? *)'],
    // 0 and 7 are Sunday; EventBridge counts 1 = SUN … 7 = SAT
    ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 7', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 0,7', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 6', 'cron(0 0 ? * 7 *)'],
    ['0 0 * * 5-7', 'cron(0 0 ? * 1,6,7 *)'],
    ['0 0 * * 0-7', 'cron(0 0 * * ? *)'],
    // the ? goes in the field that does not restrict days
    ['0 0 15 * *', 'cron(0 0 15 * ? *)'],
    ['0 0 * * MON', 'cron(0 0 ? * 2 *)'],
    ['0 0 * * *', 'cron(0 0 * * ? *)'],
    // both restricted means EITHER: a full field makes it every day
    ['0 0 1-31 * MON', 'cron(0 0 * * ? *)'],
    ['0 0 1 * 0-6', 'cron(0 0 * * ? *)'],
  ])('%s → %s', (expression, expected) => {
    // Act
    const converted = toSchedulerExpression(expression);

    // Assess
    expect(converted).toBe(expected);
  });

  it('accepts an expression parsed before', () => {
    // Prepare
    const cron = parseCron('0 6 * * SAT,SUN');

    // Act
    const converted = toSchedulerExpression(cron);

    // Assess
    expect(converted).toBe('cron(0 6 ? * 1,7 *)');
  });

  it('refuses both day fields restricted (standard cron: either matches), suggesting two schedules', () => {
    // Act
    const error = cronErrorOf(() => toSchedulerExpression('0 0 1 * MON'));

    // Assess
    expect(error.field).toBe('day-of-week');
    expect(error.message).toContain('EITHER');
    expect(error.message).toContain('"0 0 1 * *" and "0 0 * * MON"');
  });

  it('refuses a *-prefixed day-of-month narrowing days together with a day-of-week (both must match)', () => {
    // Act
    const error = cronErrorOf(() => toSchedulerExpression('0 0 */2 * MON'));

    // Assess
    expect(error.field).toBe('day-of-week');
    expect(error.message).toContain('BOTH');
  });
});

describe('bad expressions are refused with the field and the allowed values', () => {
  it('words an out-of-range hour as documented', () => {
    // Act
    const error = cronErrorOf(() => parseCron('0 25 * * *'));

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CronExpressionError');
    expect(error.expression).toBe('0 25 * * *');
    expect(error.field).toBe('hour');
    expect(error.message).toBe('Cron "0 25 * * *": hour 25 is out of range 0–23');
  });

  it.each([
    ['60 * * * *', 'minute', 'minute 60 is out of range 0–59'],
    ['0 24 * * *', 'hour', 'hour 24 is out of range 0–23'],
    ['0 0 0 * *', 'day-of-month', 'day-of-month 0 is out of range 1–31'],
    ['0 0 32 * *', 'day-of-month', 'day-of-month 32 is out of range 1–31'],
    ['0 0 * 0 *', 'month', 'month 0 is out of range 1–12'],
    ['0 0 * 13 *', 'month', 'month 13 is out of range 1–12'],
    ['0 0 * * 8', 'day-of-week', 'day-of-week 8 is out of range 0–7'],
    ['0 0-24 * * *', 'hour', 'hour 24 is out of range 0–23'],
  ])('%s: %s', (expression, field, reason) => {
    // Act
    const error = cronErrorOf(() => toSchedulerExpression(expression));

    // Assess
    expect(error.field).toBe(field);
    expect(error.reason).toBe(reason);
  });

  it.each([
    ['', 'expression', 'is empty'],
    ['   ', 'expression', 'is empty'],
    ['lol', 'expression', 'expected 5 fields'],
    ['* * * *', 'expression', 'got 4'],
    ['0 * * * * *', 'expression', 'seconds and year fields'],
    ['@reboot', 'expression', 'not a schedule name'],
    ['@every 5m', 'expression', 'not a schedule name'],
    ['*/0 * * * *', 'minute', 'at least 1'],
    ['*/x * * * *', 'minute', 'at least 1'],
    ['1/2/3 * * * *', 'minute', 'more than one "/"'],
    ['1-2-3 * * * *', 'minute', 'not a range'],
    ['-1 * * * *', 'minute', 'not a range'],
    ['5,,6 * * * *', 'minute', 'empty list item'],
    ['a * * * *', 'minute', '"a" is not a value; use 0–59'],
    ['0 0 * FOO *', 'month', 'use 1–12 or JAN–DEC'],
    ['0 0 * * MONDAY', 'day-of-week', 'use 0–7 or SUN–SAT'],
    ['0 0 * MON *', 'month', '"MON" is not a value'],
    ['0 0 L * *', 'day-of-month', 'not standard cron'],
    ['0 0 15W * *', 'day-of-month', 'not standard cron'],
    ['0 0 ? * MON', 'day-of-month', 'not standard cron'],
    ['0 0 * * MON#2', 'day-of-week', 'not standard cron'],
    ['0 0 * * FRI-MON', 'day-of-week', 'write FRI-SAT,SUN-MON'],
    ['50-10 * * * *', 'minute', 'write 50-59,0-10'],
    ['0 0 * NOV-FEB *', 'month', 'write NOV-DEC,JAN-FEB'],
    ['0 0 30 2 *', 'day-of-month', 'never fire'],
    ['0 0 31 4,6,9,11 *', 'day-of-month', 'never fire'],
    // croner's own extension for "both day fields must match" is not standard cron
    ['0 0 1 * +MON', 'day-of-week', '"+MON" is not a value'],
  ])('%j: %s, %s', (expression, field, reasonPart) => {
    // Act
    const error = cronErrorOf(() => toSchedulerExpression(expression));

    // Assess
    expect(error.field).toBe(field);
    expect(error.reason).toContain(reasonPart);
  });
});

describe('nextFireTime finds the next firing strictly after a given instant', () => {
  it.each([
    // strictly after, minutes and steps
    ['* * * * *', '2025-01-01T00:00:00Z', 'UTC', '2025-01-01T00:01:00.000Z'],
    ['* * * * *', '2025-01-01T00:00:30Z', 'UTC', '2025-01-01T00:01:00.000Z'],
    ['*/15 * * * *', '2025-01-01T10:07:00Z', 'UTC', '2025-01-01T10:15:00.000Z'],
    ['@hourly', '2025-01-01T23:00:00Z', 'UTC', '2025-01-02T00:00:00.000Z'],
    // month and year ends
    ['0 0 1 * *', '2025-01-31T12:00:00Z', 'UTC', '2025-02-01T00:00:00.000Z'],
    ['0 0 31 * *', '2025-01-31T00:00:00Z', 'UTC', '2025-03-31T00:00:00.000Z'],
    ['0 0 30 * *', '2025-01-30T00:00:00Z', 'UTC', '2025-03-30T00:00:00.000Z'],
    ['59 23 31 12 *', '2025-12-31T23:59:00Z', 'UTC', '2026-12-31T23:59:00.000Z'],
    ['@yearly', '2025-06-01T00:00:00Z', 'UTC', '2026-01-01T00:00:00.000Z'],
    // leap years (2100 is not one)
    ['0 0 29 2 *', '2024-01-01T00:00:00Z', 'UTC', '2024-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2024-03-01T00:00:00Z', 'UTC', '2028-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2096-03-01T00:00:00Z', 'UTC', '2104-02-29T00:00:00.000Z'],
    // day of week; both day fields restricted → either; a *-prefixed one → both
    ['0 9 * * MON', '2025-01-01T00:00:00Z', 'UTC', '2025-01-06T09:00:00.000Z'],
    ['0 9 * * 7', '2025-01-01T00:00:00Z', 'UTC', '2025-01-05T09:00:00.000Z'],
    ['0 0 13 * 1', '2025-06-10T00:00:00Z', 'UTC', '2025-06-13T00:00:00.000Z'],
    ['0 0 13 * 1', '2025-06-13T01:00:00Z', 'UTC', '2025-06-16T00:00:00.000Z'],
    ['0 0 */2 * 1', '2025-06-01T00:00:00Z', 'UTC', '2025-06-09T00:00:00.000Z'],
    // time zones
    ['0 9 * * *', '2025-01-15T00:00:00Z', 'Europe/Paris', '2025-01-15T08:00:00.000Z'],
    ['0 9 * * *', '2025-07-15T00:00:00Z', 'Europe/Paris', '2025-07-15T07:00:00.000Z'],
    ['0 9 * * *', '2025-01-15T00:00:00Z', 'Asia/Kolkata', '2025-01-15T03:30:00.000Z'],
    ['0 0 * * *', '2025-01-15T07:59:00Z', 'America/Los_Angeles', '2025-01-15T08:00:00.000Z'],
    ['0 0 1 1 *', '2025-06-01T00:00:00Z', 'Pacific/Kiritimati', '2025-12-31T10:00:00.000Z'],
    ['0 9 * * MON', '2025-01-05T20:00:00Z', 'Pacific/Auckland', '2025-01-12T20:00:00.000Z'],
    // New York springs forward on 2025-03-09: 02:00 EST → 03:00 EDT; 02:xx is skipped
    ['30 2 * * *', '2025-03-08T08:00:00Z', 'America/New_York', '2025-03-10T06:30:00.000Z'],
    ['0 3 * * *', '2025-03-09T06:00:00Z', 'America/New_York', '2025-03-09T07:00:00.000Z'],
    ['0 * * * *', '2025-03-09T06:30:00Z', 'America/New_York', '2025-03-09T07:00:00.000Z'],
    // New York falls back on 2025-11-02: 01:xx happens twice and fires once, the first time
    ['30 1 * * *', '2025-11-02T04:00:00Z', 'America/New_York', '2025-11-02T05:30:00.000Z'],
    ['30 1 * * *', '2025-11-02T05:30:00Z', 'America/New_York', '2025-11-03T06:30:00.000Z'],
    ['0 2 * * *', '2025-11-02T05:30:00Z', 'America/New_York', '2025-11-02T07:00:00.000Z'],
    // London springs forward on 2025-03-30 (01:00 → 02:00); Sydney falls back on 2025-04-06
    ['30 1 * * *', '2025-03-29T12:00:00Z', 'Europe/London', '2025-03-31T00:30:00.000Z'],
    ['30 2 * * *', '2025-04-05T12:00:00Z', 'Australia/Sydney', '2025-04-05T15:30:00.000Z'],
  ])('%s after %s in %s → %s', (expression, after, timeZone, expected) => {
    // Act
    const next = nextFireTime(expression, new Date(after), timeZone);

    // Assess
    expect(next.toISOString()).toBe(expected);
  });

  it('defaults to UTC and accepts a parsed expression', () => {
    // Prepare
    const cron = parseCron('0 12 * * *');

    // Act
    const next = nextFireTime(cron, new Date('2025-01-01T12:00:00Z'));

    // Assess
    expect(next.toISOString()).toBe('2025-01-02T12:00:00.000Z');
  });

  it('refuses a time zone that is not an IANA name', () => {
    // Act
    const error = cronErrorOf(() => nextFireTime('* * * * *', new Date(), 'Mars/Olympus_Mons'));

    // Assess
    expect(error.field).toBe('timeZone');
    expect(error.reason).toContain('not an IANA time zone');
  });
});

describe('nextFireTime around daylight-saving changes fires as EventBridge Scheduler does', () => {
  it.each([
    // Berlin springs forward on 2025-03-30: 02:00 CET → 03:00 CEST; 02:xx does not exist that day.
    ['30 2 * * *', '2025-03-29T12:00:00Z', 'Europe/Berlin', '2025-03-31T00:30:00.000Z'],
    ['0 2 * * *', '2025-03-29T12:00:00Z', 'Europe/Berlin', '2025-03-31T00:00:00.000Z'],
    ['*/30 * * * *', '2025-03-30T00:30:00Z', 'Europe/Berlin', '2025-03-30T01:00:00.000Z'],
    ['0 3 * * *', '2025-03-29T12:00:00Z', 'Europe/Berlin', '2025-03-30T01:00:00.000Z'],
    // Berlin falls back on 2025-10-26: 03:00 CEST → 02:00 CET; 02:xx happens twice, fires once.
    ['30 2 * * *', '2025-10-25T12:00:00Z', 'Europe/Berlin', '2025-10-26T00:30:00.000Z'],
    ['30 2 * * *', '2025-10-26T00:30:00Z', 'Europe/Berlin', '2025-10-27T01:30:00.000Z'],
    ['15,45 2 * * *', '2025-10-26T00:15:00Z', 'Europe/Berlin', '2025-10-26T00:45:00.000Z'],
    ['15,45 2 * * *', '2025-10-26T00:45:00Z', 'Europe/Berlin', '2025-10-27T01:15:00.000Z'],
    ['0 * * * *', '2025-10-26T00:00:00Z', 'Europe/Berlin', '2025-10-26T02:00:00.000Z'],
    // New York falls back on 2025-11-02 (02:00 EDT → 01:00 EST): every minute of 01:xx once.
    ['0 * * * *', '2025-11-02T05:00:00Z', 'America/New_York', '2025-11-02T07:00:00.000Z'],
    ['*/30 1 * * *', '2025-11-02T05:30:00Z', 'America/New_York', '2025-11-03T06:00:00.000Z'],
    ['* * * * *', '2025-11-02T05:59:00Z', 'America/New_York', '2025-11-02T07:00:00.000Z'],
    // ... and springs forward on 2025-03-09 (02:00 EST → 03:00 EDT): 02:xx is skipped.
    ['*/15 2 * * *', '2025-03-09T06:45:00Z', 'America/New_York', '2025-03-10T06:00:00.000Z'],
    ['59 1 * * *', '2025-03-09T06:00:00Z', 'America/New_York', '2025-03-09T06:59:00.000Z'],
    // Lord Howe Island goes back half an hour on 2025-04-06 (02:00 +11 → 01:30 +10:30): 01:45
    // happens at 14:45Z and again at 15:15Z, and fires at the first only.
    ['45 1 * * *', '2025-04-05T14:00:00Z', 'Australia/Lord_Howe', '2025-04-05T14:45:00.000Z'],
    ['45 1 * * *', '2025-04-05T14:45:00Z', 'Australia/Lord_Howe', '2025-04-06T15:15:00.000Z'],
  ])('%s after %s in %s → %s', (expression, after, timeZone, expected) => {
    // Act
    const next = nextFireTime(expression, new Date(after), timeZone);

    // Assess
    expect(next.toISOString()).toBe(expected);
  });

  it('fires an hourly schedule 23 times on the spring-forward day and 24 on the 25-hour fall-back day in Berlin: each local hour once', () => {
    // Prepare
    const firingsOn = (from: string, to: string): Date[] => {
      const firings: Date[] = [];
      for (
        let at = nextFireTime('0 * * * *', new Date(from), 'Europe/Berlin');
        at < new Date(to);
      ) {
        firings.push(at);
        at = nextFireTime('0 * * * *', at, 'Europe/Berlin');
      }
      return firings;
    };

    // Act (local midnight to midnight: 23 h and 25 h of real time)
    const spring = firingsOn('2025-03-29T22:59:00Z', '2025-03-30T22:00:00Z');
    const autumn = firingsOn('2025-10-25T21:59:00Z', '2025-10-26T23:00:00Z');

    // Assess: 02:00 does not exist in spring; in autumn 02:00 fires once, at its first occurrence
    expect(spring).toHaveLength(23);
    expect(autumn).toHaveLength(24);
    expect(autumn.map((at) => at.toISOString())).toContain('2025-10-26T00:00:00.000Z');
    expect(autumn.map((at) => at.toISOString())).not.toContain('2025-10-26T01:00:00.000Z');
  });
});

describe('isRepeatedWallClockTime', () => {
  it.each([
    ['2025-11-02T05:30:00Z', 'America/New_York', false],
    ['2025-11-02T06:00:00Z', 'America/New_York', true],
    ['2025-11-02T06:59:00Z', 'America/New_York', true],
    ['2025-11-02T07:00:00Z', 'America/New_York', false],
    ['2025-10-26T00:30:00Z', 'Europe/Berlin', false],
    ['2025-10-26T01:30:00Z', 'Europe/Berlin', true],
    ['2025-03-30T01:30:00Z', 'Europe/Berlin', false],
    ['2025-10-26T01:30:00Z', 'UTC', false],
  ] as const)('%s in %s → %s', (instant, timeZone, repeated) => {
    // Act / Assess
    expect(isRepeatedWallClockTime(Date.parse(instant), timeZone)).toBe(repeated);
  });
});

describe('a schedule with a bad expression fails config validation, naming the schedule field', () => {
  it.each([
    ['0 9 * * MON#2', 'day-of-week', 'not standard cron'],
    ['0 25 * * *', 'hour', 'hour 25 is out of range 0–23'],
    ['0 9 1 * MON', 'day-of-week', 'Use two schedules'],
  ])('%s', (cron, field, rulePart) => {
    // Act
    let problems: ConfigError['problems'] = [];
    try {
      defineConfig({
        appName: 'shop',
        queues: { default: {} },
        schedules: [{ name: 'nightly', job: 'report', cron }],
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]?.field).toBe('schedules[0].cron');
    expect(problems[0]?.rule).toContain(rulePart);
    expect(problems[0]?.rule).toContain(field);
  });
});

describe('isValidTimeZone', () => {
  it('answers for a canonical zone name without building an Intl.DateTimeFormat (ICU locale data at cold start)', () => {
    // Prepare
    const formats = vi.spyOn(Intl, 'DateTimeFormat');

    // Act
    const valid = isValidTimeZone('Europe/Berlin') && isValidTimeZone('UTC');

    // Assess
    expect(valid).toBe(true);
    expect(formats).not.toHaveBeenCalled();
    formats.mockRestore();
  });

  it('answers for every zone name the runtime lists as Intl.DateTimeFormat does', () => {
    // Prepare
    const byFormat = (timeZone: string) => {
      const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
      return resolved === timeZone || resolved.toLowerCase() !== timeZone.toLowerCase();
    };

    // Act
    const disagreeing = Intl.supportedValuesOf('timeZone').filter(
      (timeZone) => isValidTimeZone(timeZone) !== byFormat(timeZone),
    );

    // Assess
    expect(disagreeing).toEqual([]);
  });

  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Etc/GMT+5', true],
    ['Mars/Olympus_Mons', false],
    ['+02:00', false],
    ['europe/paris', false],
    ['', false],
    [42, false],
  ])('%j → %s', (timeZone, valid) => {
    // Act / Assess
    expect(isValidTimeZone(timeZone)).toBe(valid);
  });
});
