import { describe, expect, it } from 'vitest';
import type { QueueThresholds } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import {
  backlogCounts,
  estimateDrainSeconds,
  evaluateQueue,
  levelFor,
} from '../../packages/lambda-jobs/src/runtime/monitor/backlog-evaluation.ts';
import { BacklogLevel } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-ports.ts';

const now = new Date('2026-11-22T10:00:00.000Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const thresholds: QueueThresholds = {
  backlog: { warning: 500, critical: 1000 },
  oldestAgeSeconds: { warning: 300, critical: 900 },
  dlqDepth: 1,
};
const context = {
  thresholds,
  previous: undefined,
  previousKnown: true,
  stalledAfterSeconds: 600,
  now,
};

describe('levelFor', () => {
  it('is critical at or above critical, warning at or above warning, ok below', () => {
    const pair = { warning: 500, critical: 1000 };
    expect(levelFor(499, pair)).toBe(BacklogLevel.ok);
    expect(levelFor(500, pair)).toBe(BacklogLevel.warning);
    expect(levelFor(999, pair)).toBe(BacklogLevel.warning);
    expect(levelFor(1000, pair)).toBe(BacklogLevel.critical);
  });

  it('never fires for an unset threshold (opt-in)', () => {
    expect(levelFor(1_000_000, {})).toBe(BacklogLevel.ok);
    expect(levelFor(1_000_000, { warning: 10 })).toBe(BacklogLevel.warning);
    expect(levelFor(5, { critical: 10 })).toBe(BacklogLevel.ok);
    expect(levelFor(10, { critical: 10 })).toBe(BacklogLevel.critical);
  });
});

describe('threshold precedence', () => {
  it('takes a queue override over the global settings, per value, and falls back to them', () => {
    const config = defineConfig({
      appName: 'shop',
      queues: {
        default: {},
        reports: {
          thresholds: {
            backlog: { warning: 50 },
            oldestAgeSeconds: { critical: 120 },
            dlqDepth: 5,
          },
        },
      },
      settings: {
        JOBS_BACKLOG_WARNING: 40,
        JOBS_BACKLOG_CRITICAL: 1000,
        JOBS_OLDEST_AGE_WARNING: 60,
        JOBS_OLDEST_AGE_CRITICAL: 600,
      },
    });

    expect(config.queues.default?.thresholds).toEqual({
      backlog: { warning: 40, critical: 1000 },
      oldestAgeSeconds: { warning: 60, critical: 600 },
      dlqDepth: 1,
    });
    expect(config.queues.reports?.thresholds).toEqual({
      backlog: { warning: 50, critical: 1000 },
      oldestAgeSeconds: { warning: 60, critical: 120 },
      dlqDepth: 5,
    });
    const reading = { queue: 'reports', depth: { visible: 45, inFlight: 0, delayed: 0 } };
    expect(
      evaluateQueue(reading, { ...context, thresholds: config.queues.reports!.thresholds })
        .backlogLevel,
    ).toBe(BacklogLevel.ok);
    expect(
      evaluateQueue(reading, { ...context, thresholds: config.queues.default!.thresholds })
        .backlogLevel,
    ).toBe(BacklogLevel.warning);
  });

  it('leaves every backlog and age threshold off when nothing is configured', () => {
    const config = defineConfig({ appName: 'shop', queues: { default: {} } });
    const verdict = evaluateQueue(
      {
        queue: 'default',
        depth: { visible: 1_000_000, inFlight: 5, delayed: 0 },
        oldestAgeSeconds: 86_400,
      },
      { ...context, thresholds: config.queues.default!.thresholds },
    );

    expect(config.queues.default?.thresholds.backlog).toEqual({
      warning: undefined,
      critical: undefined,
    });
    expect(verdict).toMatchObject({ backlogLevel: 0, oldestAgeLevel: 0, level: 0 });
  });
});

describe('backlogCounts', () => {
  it('counts requested = visible + delayed, processing = in flight, backlog = both', () => {
    expect(backlogCounts({ visible: 90, inFlight: 10, delayed: 5 })).toEqual({
      jobsRequested: 95,
      jobsProcessing: 10,
      jobsDelayed: 5,
      jobsBacklog: 105,
    });
  });
});

describe('estimateDrainSeconds', () => {
  it('extrapolates the completion rate, and is unknown without completions', () => {
    expect(estimateDrainSeconds(1200, 600, 600)).toBe(1200);
    expect(estimateDrainSeconds(10, 3, 600)).toBe(2000);
    expect(estimateDrainSeconds(0, 0, 600)).toBe(0);
    expect(estimateDrainSeconds(10, 0, 600)).toBeUndefined();
  });
});

describe('evaluateQueue', () => {
  it('takes the worst of the backlog and oldest-age levels', () => {
    const verdict = evaluateQueue(
      { queue: 'q', depth: { visible: 600, inFlight: 0, delayed: 0 }, oldestAgeSeconds: 901 },
      context,
    );

    expect(verdict).toMatchObject({ backlogLevel: 1, oldestAgeLevel: 2, level: 2 });
  });

  it('leaves what was not measured unknown and still judges the rest', () => {
    const verdict = evaluateQueue({ queue: 'q', oldestAgeSeconds: 400 }, context);

    expect(verdict.counts).toBeUndefined();
    expect(verdict.backlogLevel).toBeUndefined();
    expect(verdict).toMatchObject({ oldestAgeLevel: 1, level: 1 });
    expect(verdict.stalled).toBeUndefined();
    expect(verdict.drainSeconds).toBeUndefined();
  });

  it('flags the DLQ at or above its threshold', () => {
    expect(evaluateQueue({ queue: 'q', dlqDepth: 0 }, context).dlqOverThreshold).toBe(false);
    expect(evaluateQueue({ queue: 'q', dlqDepth: 1 }, context).dlqOverThreshold).toBe(true);
  });

  it('starts a backlog streak on first sight and is not stalled yet', () => {
    const verdict = evaluateQueue(
      { queue: 'q', depth: { visible: 3, inFlight: 0, delayed: 0 }, completions: 0 },
      context,
    );

    expect(verdict.stalled).toBe(false);
    expect(verdict.nextState).toMatchObject({ backlogSince: now.toISOString() });
  });

  it('is stalled when the backlog has lasted the whole window with no completions', () => {
    const previous = {
      backlogLevel: 0,
      oldestAgeLevel: 0,
      backlogSince: minutesAgo(11),
      updatedAt: minutesAgo(11),
    } as const;
    const reading = { queue: 'q', depth: { visible: 3, inFlight: 0, delayed: 0 } };

    const stalled = evaluateQueue({ ...reading, completions: 0 }, { ...context, previous });
    const moving = evaluateQueue({ ...reading, completions: 1 }, { ...context, previous });

    expect(stalled).toMatchObject({ stalled: true, backlogForSeconds: 660 });
    expect(stalled.drainSeconds).toBeUndefined();
    expect(moving).toMatchObject({ stalled: false, drainSeconds: 1800 });
  });

  it('reports a return below thresholds once, and saves state only on change', () => {
    const over = {
      backlogLevel: 2,
      oldestAgeLevel: 0,
      backlogSince: minutesAgo(3),
      updatedAt: minutesAgo(3),
    } as const;
    const quiet = {
      queue: 'q',
      depth: { visible: 0, inFlight: 0, delayed: 0 },
      oldestAgeSeconds: 0,
    };

    const back = evaluateQueue(quiet, { ...context, previous: over });
    const again = evaluateQueue(quiet, { ...context, previous: back.nextState });

    expect(back).toMatchObject({ returnedBelow: true, previousLevel: 2 });
    expect(back.nextState).toEqual({
      backlogLevel: 0,
      oldestAgeLevel: 0,
      updatedAt: now.toISOString(),
    });
    expect(again.returnedBelow).toBe(false);
    expect(again.nextState).toBeUndefined();
  });

  it('neither compares with nor saves a state it could not read', () => {
    const verdict = evaluateQueue(
      { queue: 'q', depth: { visible: 2000, inFlight: 0, delayed: 0 }, oldestAgeSeconds: 0 },
      { ...context, previousKnown: false },
    );

    expect(verdict.level).toBe(BacklogLevel.critical);
    expect(verdict.returnedBelow).toBe(false);
    expect(verdict.nextState).toBeUndefined();
  });

  it('does not call a queue back below thresholds while one level is unknown', () => {
    const over = { backlogLevel: 0, oldestAgeLevel: 1, updatedAt: minutesAgo(1) } as const;

    const verdict = evaluateQueue(
      { queue: 'q', depth: { visible: 0, inFlight: 0, delayed: 0 } },
      { ...context, previous: over },
    );

    expect(verdict.returnedBelow).toBe(false);
    expect(verdict.nextState).toBeUndefined();
  });
});
