import { describe, expect, it } from 'vitest';
import type { QueueThresholds } from '../../packages/lambda-jobs/src/config/config-types.ts';
import {
  type EvaluationContext,
  evaluateQueue,
  thresholdFor,
} from '../../packages/lambda-jobs/src/runtime/monitor/backlog-evaluation.ts';
import { BacklogLevel } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-ports.ts';

/**
 * Whole verdicts of evaluateQueue, field for field: what the monitor logs, alarms on and
 * saves follows from them, so a field that appears, vanishes or changes is a different alert.
 */

const now = new Date('2026-11-22T10:00:00.000Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
const thresholds: QueueThresholds = {
  backlog: { warning: 500, critical: 1000 },
  oldestAgeSeconds: { warning: 300, critical: 900 },
  dlqDepth: 3,
};
const context: EvaluationContext = {
  thresholds,
  previous: undefined,
  previousKnown: true,
  stalledAfterSeconds: 600,
  now,
};

describe('thresholdFor', () => {
  it('names the threshold the level was reached against, and none for ok', () => {
    const pair = { warning: 500, critical: 1000 };
    expect(thresholdFor(BacklogLevel.critical, pair)).toBe(1000);
    expect(thresholdFor(BacklogLevel.warning, pair)).toBe(500);
    expect(thresholdFor(BacklogLevel.ok, pair)).toBeUndefined();
  });
});

describe('evaluateQueue verdicts', () => {
  it('a fully measured queue: every field', () => {
    const verdict = evaluateQueue(
      {
        queue: 'default',
        depth: { visible: 590, inFlight: 10, delayed: 5 },
        oldestAgeSeconds: 950,
        dlqDepth: 3,
        completions: 300,
      },
      {
        ...context,
        previous: {
          backlogLevel: 1,
          oldestAgeLevel: 2,
          backlogSince: secondsAgo(120),
          updatedAt: secondsAgo(60),
        },
      },
    );
    expect(verdict).toStrictEqual({
      queue: 'default',
      counts: { jobsRequested: 595, jobsProcessing: 10, jobsDelayed: 5, jobsBacklog: 605 },
      oldestAgeSeconds: 950,
      dlqDepth: 3,
      completions: 300,
      drainSeconds: 1210,
      backlogLevel: BacklogLevel.warning,
      oldestAgeLevel: BacklogLevel.critical,
      level: BacklogLevel.critical,
      dlqOverThreshold: true,
      stalled: false,
      backlogForSeconds: 120,
      returnedBelow: false,
      previousLevel: BacklogLevel.critical,
      stalledCleared: false,
      dlqCleared: false,
      // The DLQ reached its threshold: remembered, so the run that finds it under says so.
      nextState: {
        backlogLevel: BacklogLevel.warning,
        oldestAgeLevel: BacklogLevel.critical,
        backlogSince: secondsAgo(120),
        dlqOverThreshold: true,
        updatedAt: now.toISOString(),
      },
    });
  });

  it('nothing measured: no levels, no counts, nothing saved but the time', () => {
    const verdict = evaluateQueue({ queue: 'default' }, context);
    expect(verdict).toStrictEqual({
      queue: 'default',
      dlqOverThreshold: false,
      returnedBelow: false,
      previousLevel: BacklogLevel.ok,
      stalledCleared: false,
      dlqCleared: false,
    });
  });

  it('an empty queue: no streak, no drain time, not stalled', () => {
    const verdict = evaluateQueue(
      { queue: 'default', depth: { visible: 0, inFlight: 0, delayed: 0 }, completions: 0 },
      {
        ...context,
        previous: {
          backlogLevel: 0,
          oldestAgeLevel: 0,
          backlogSince: secondsAgo(900),
          updatedAt: secondsAgo(60),
        },
      },
    );
    expect(verdict).toStrictEqual({
      queue: 'default',
      counts: { jobsRequested: 0, jobsProcessing: 0, jobsDelayed: 0, jobsBacklog: 0 },
      completions: 0,
      drainSeconds: 0,
      backlogLevel: BacklogLevel.ok,
      level: BacklogLevel.ok,
      dlqOverThreshold: false,
      stalled: false,
      returnedBelow: false,
      previousLevel: BacklogLevel.ok,
      stalledCleared: false,
      dlqCleared: false,
      nextState: { backlogLevel: 0, oldestAgeLevel: 0, updatedAt: now.toISOString() },
    });
  });

  it('stalled exactly when the backlog has lasted the window', () => {
    const reading = {
      queue: 'default',
      depth: { visible: 4, inFlight: 0, delayed: 0 },
      completions: 0,
    };
    const since = (s: number) => ({
      ...context,
      previous: {
        backlogLevel: 0,
        oldestAgeLevel: 0,
        backlogSince: secondsAgo(s),
        updatedAt: secondsAgo(60),
      } as const,
    });
    expect(evaluateQueue(reading, since(600)).stalled).toBe(true);
    expect(evaluateQueue(reading, since(599)).stalled).toBe(false);
    expect(evaluateQueue({ ...reading, completions: 1 }, since(900)).stalled).toBe(false);
  });

  it('depth unknown: the saved streak and levels are kept, stalled and drain time unknown', () => {
    const previous = {
      backlogLevel: 2,
      oldestAgeLevel: 1,
      backlogSince: secondsAgo(300),
      updatedAt: secondsAgo(60),
    } as const;
    const verdict = evaluateQueue(
      { queue: 'default', oldestAgeSeconds: 10, completions: 0 },
      { ...context, previous },
    );
    expect(verdict).toStrictEqual({
      queue: 'default',
      oldestAgeSeconds: 10,
      completions: 0,
      oldestAgeLevel: BacklogLevel.ok,
      level: BacklogLevel.ok,
      dlqOverThreshold: false,
      returnedBelow: false,
      previousLevel: BacklogLevel.critical,
      stalledCleared: false,
      dlqCleared: false,
      nextState: {
        backlogLevel: 2,
        oldestAgeLevel: 0,
        backlogSince: previous.backlogSince,
        updatedAt: now.toISOString(),
      },
    });
  });

  it('completions unknown: stalled and drain time unknown', () => {
    const verdict = evaluateQueue(
      { queue: 'default', depth: { visible: 1, inFlight: 0, delayed: 0 } },
      context,
    );
    expect(verdict.stalled).toBeUndefined();
    expect(verdict.drainSeconds).toBeUndefined();
    expect(verdict.backlogForSeconds).toBe(0);
  });

  it('saves the state when only the streak start changed, and not when nothing did', () => {
    const reading = {
      queue: 'default',
      depth: { visible: 1, inFlight: 0, delayed: 0 },
      oldestAgeSeconds: 5,
    };
    const unchanged = {
      backlogLevel: 0,
      oldestAgeLevel: 0,
      backlogSince: secondsAgo(30),
      updatedAt: secondsAgo(30),
    } as const;
    expect(evaluateQueue(reading, { ...context, previous: unchanged }).nextState).toBeUndefined();
    const { backlogSince: _since, ...noStreak } = unchanged;
    expect(evaluateQueue(reading, { ...context, previous: noStreak }).nextState).toStrictEqual({
      backlogLevel: 0,
      oldestAgeLevel: 0,
      backlogSince: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    expect(
      evaluateQueue(reading, { ...context, previous: { ...unchanged, oldestAgeLevel: 1 } })
        .nextState,
    ).toBeDefined();
    expect(
      evaluateQueue(reading, { ...context, previous: { ...unchanged, backlogLevel: 1 } }).nextState,
    ).toBeDefined();
  });

  it('does not call a queue back below thresholds when the previous state is unknown', () => {
    const reading = {
      queue: 'default',
      depth: { visible: 1, inFlight: 0, delayed: 0 },
      oldestAgeSeconds: 5,
    };
    const previous = { backlogLevel: 2, oldestAgeLevel: 0, updatedAt: secondsAgo(60) } as const;
    expect(
      evaluateQueue(reading, { ...context, previous, previousKnown: true }).returnedBelow,
    ).toBe(true);
    const unknown = evaluateQueue(reading, { ...context, previous, previousKnown: false });
    expect(unknown.returnedBelow).toBe(false);
    expect(unknown.nextState).toBeUndefined();
  });

  it('flags the DLQ only when both its threshold and its depth are known', () => {
    const reading = { queue: 'default', dlqDepth: 7 };
    expect(evaluateQueue(reading, context).dlqOverThreshold).toBe(true);
    expect(evaluateQueue({ queue: 'default', dlqDepth: 2 }, context).dlqOverThreshold).toBe(false);
    const { dlqDepth: _off, ...noDlqThreshold } = thresholds;
    expect(
      evaluateQueue(reading, { ...context, thresholds: noDlqThreshold }).dlqOverThreshold,
    ).toBe(false);
    expect(evaluateQueue({ queue: 'default' }, context).dlqOverThreshold).toBe(false);
  });
});

describe('evaluateQueue state between runs', () => {
  const backlogSince = secondsAgo(700);
  const busy = { visible: 20, inFlight: 0, delayed: 0 };
  const stalledBefore = {
    backlogLevel: BacklogLevel.ok,
    oldestAgeLevel: BacklogLevel.ok,
    backlogSince,
    stalled: true,
    updatedAt: secondsAgo(60),
  } as const;
  const dlqOverBefore = {
    backlogLevel: BacklogLevel.ok,
    oldestAgeLevel: BacklogLevel.ok,
    dlqOverThreshold: true,
    updatedAt: secondsAgo(60),
  } as const;

  it('a paused queue is never stalled, says so in the verdict, and writes no "recovered" line', () => {
    const verdict = evaluateQueue(
      { queue: 'default', depth: busy, completions: 0, paused: true },
      { ...context, previous: stalledBefore },
    );
    expect(verdict).toMatchObject({ stalled: false, paused: true, stalledCleared: false });
    // The stalled condition is gone from the saved state, so resuming starts afresh.
    expect(verdict.nextState).toStrictEqual({
      backlogLevel: BacklogLevel.ok,
      oldestAgeLevel: BacklogLevel.ok,
      backlogSince,
      updatedAt: now.toISOString(),
    });
    const running = evaluateQueue({ queue: 'default', depth: busy, completions: 0 }, context);
    expect('paused' in running).toBe(false);
  });

  it('saves stalled when a run first finds it, and keeps it while it lasts', () => {
    const previous = { ...stalledBefore, stalled: undefined };
    const first = evaluateQueue(
      { queue: 'default', depth: busy, completions: 0 },
      { ...context, previous },
    );
    expect(first.stalled).toBe(true);
    expect(first.nextState).toStrictEqual({
      backlogLevel: BacklogLevel.ok,
      oldestAgeLevel: BacklogLevel.ok,
      backlogSince,
      stalled: true,
      updatedAt: now.toISOString(),
    });
    const again = evaluateQueue(
      { queue: 'default', depth: busy, completions: 0 },
      { ...context, previous: first.nextState },
    );
    expect(again).toMatchObject({ stalled: true, stalledCleared: false });
    expect(again.nextState).toBeUndefined();
  });

  it('says "recovered" once, when a measured run finds completions again', () => {
    const recovered = evaluateQueue(
      { queue: 'default', depth: busy, completions: 4 },
      { ...context, previous: stalledBefore },
    );
    expect(recovered).toMatchObject({ stalled: false, stalledCleared: true });
    expect(recovered.nextState).toStrictEqual({
      backlogLevel: BacklogLevel.ok,
      oldestAgeLevel: BacklogLevel.ok,
      backlogSince,
      updatedAt: now.toISOString(),
    });
    // Never stalled before: nothing recovered.
    const flowing = evaluateQueue(
      { queue: 'default', depth: busy, completions: 4 },
      { ...context, previous: { ...stalledBefore, stalled: false } },
    );
    expect(flowing.stalledCleared).toBe(false);
    // Previous state unknown: no line either.
    const unknown = evaluateQueue(
      { queue: 'default', depth: busy, completions: 4 },
      { ...context, previous: stalledBefore, previousKnown: false },
    );
    expect(unknown.stalledCleared).toBe(false);
  });

  it('a run that could not read completions keeps the stalled state and clears nothing', () => {
    const verdict = evaluateQueue(
      { queue: 'default', depth: busy },
      { ...context, previous: stalledBefore },
    );
    expect(verdict.stalled).toBeUndefined();
    expect(verdict.stalledCleared).toBe(false);
    expect(verdict.nextState).toBeUndefined();
  });

  it('an empty queue is never stalled, even with a zero window', () => {
    const verdict = evaluateQueue(
      { queue: 'default', depth: { visible: 0, inFlight: 0, delayed: 0 }, completions: 0 },
      { ...context, stalledAfterSeconds: 0 },
    );
    expect(verdict.stalled).toBe(false);
    expect(verdict.backlogForSeconds).toBeUndefined();
  });

  it('says the DLQ is back under its threshold once, when a run measures it under', () => {
    const cleared = evaluateQueue(
      { queue: 'default', dlqDepth: 1 },
      { ...context, previous: dlqOverBefore },
    );
    expect(cleared).toMatchObject({ dlqOverThreshold: false, dlqCleared: true });
    expect(cleared.nextState).toStrictEqual({
      backlogLevel: BacklogLevel.ok,
      oldestAgeLevel: BacklogLevel.ok,
      updatedAt: now.toISOString(),
    });
    // Never over before: nothing cleared.
    const under = evaluateQueue(
      { queue: 'default', dlqDepth: 1 },
      { ...context, previous: { ...dlqOverBefore, dlqOverThreshold: false } },
    );
    expect(under.dlqCleared).toBe(false);
    // Previous state unknown: no line either.
    const unknown = evaluateQueue(
      { queue: 'default', dlqDepth: 1 },
      { ...context, previous: dlqOverBefore, previousKnown: false },
    );
    expect(unknown.dlqCleared).toBe(false);
  });

  it('a run that could not read the DLQ keeps its over-threshold state and clears nothing', () => {
    const verdict = evaluateQueue({ queue: 'default' }, { ...context, previous: dlqOverBefore });
    expect(verdict).toMatchObject({ dlqOverThreshold: false, dlqCleared: false });
    expect(verdict.nextState).toBeUndefined();
    const changed = evaluateQueue(
      { queue: 'default', oldestAgeSeconds: 400 },
      { ...context, previous: dlqOverBefore },
    );
    expect(changed.nextState).toStrictEqual({
      backlogLevel: BacklogLevel.ok,
      oldestAgeLevel: BacklogLevel.warning,
      dlqOverThreshold: true,
      updatedAt: now.toISOString(),
    });
  });
});
