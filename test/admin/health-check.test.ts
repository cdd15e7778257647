import { describe, expect, it } from 'vitest';
import {
  diagnose,
  type HealthFacts,
  needsAttention,
} from '../../packages/lambda-jobs/src/runtime/admin/health-check.ts';
import type { QueueOverview } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';
import type { QueueSettingsPair } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin-service.ts';
import { adminRegistry, adminTestConfig } from './admin-test-kit.ts';

const now = new Date('2026-11-22T10:00:00.000Z');
const config = adminTestConfig();

function overview(name: string, overrides: Partial<QueueOverview> = {}): QueueOverview {
  return {
    name,
    url: `http://sqs/${name}`,
    dlqUrl: `http://sqs/${name}-dlq`,
    fifo: false,
    visible: 0,
    inFlight: 0,
    delayed: 0,
    backlog: 0,
    dlqDepth: 0,
    oldestAgeSeconds: 0,
    level: 'ok',
    thresholds: config.queues[name]?.thresholds ?? { backlog: {}, oldestAgeSeconds: {} },
    ...overrides,
  };
}

const sound: QueueSettingsPair = {
  queue: { visibilityTimeoutSeconds: 60, messageRetentionSeconds: 345_600, maxReceiveCount: 10 },
  deadLetterQueue: { visibilityTimeoutSeconds: 30, messageRetentionSeconds: 1_209_600 },
};

function enabledSource(name: string) {
  const queue = config.queues[name]!;
  return {
    queue: name,
    functionName: `shop-${name}-worker`,
    state: 'Enabled',
    batchSize: queue.batchSize,
    batchingWindowSeconds: queue.batchingWindowSeconds,
    maxConcurrency: queue.maxConcurrency,
  };
}

function facts(overrides: Partial<HealthFacts> = {}): HealthFacts {
  return {
    config,
    registry: adminRegistry,
    targetKind: 'stack',
    overviews: [overview('default'), overview('slow')],
    settings: new Map([
      ['default', sound],
      ['slow', sound],
    ]),
    overdue: new Map(),
    monitorLastRun: new Date(now.getTime() - 30_000),
    alarms: [],
    eventSources: [enabledSource('default'), enabledSource('slow')],
    notChecked: [],
    now,
    ...overrides,
  };
}

describe('diagnose', () => {
  it('finds nothing that needs attention on a sound, idle target', () => {
    // Act
    const findings = diagnose(facts());

    // Assess
    expect(findings).toEqual([]);
    expect(needsAttention(findings)).toBe(false);
  });

  it('puts problems first: dead letters and a critical backlog before a warning backlog', () => {
    // Act
    const findings = diagnose(
      facts({
        overviews: [
          overview('default', { dlqDepth: 2 }),
          overview('slow', { visible: 3, backlog: 3, level: 'warning' }),
        ],
      }),
    );

    // Assess
    expect(findings.map((f) => [f.level, f.queue])).toEqual([
      ['problem', 'default'],
      ['warning', 'slow'],
    ]);
    expect(findings[0]!.message).toContain('2 messages in the dead-letter queue');
    expect(findings[1]!.message).toContain('at or above its warning threshold 2');
  });

  it('warns about a visibility timeout against AWS guidance and one shorter than the function timeout', () => {
    // Prepare
    const short = (seconds: number): QueueSettingsPair => ({
      ...sound,
      queue: { ...sound.queue, visibilityTimeoutSeconds: seconds },
    });

    // Act
    const findings = diagnose(
      facts({
        settings: new Map([
          ['default', short(30)],
          ['slow', short(5)],
        ]),
      }),
    );

    // Assess
    const levels = findings.filter((f) => f.level !== 'info').map((f) => [f.level, f.queue]);
    expect(levels).toEqual([
      ['problem', 'slow'],
      ['warning', 'default'],
    ]);
    expect(findings.find((f) => f.level === 'warning')!.message).toContain(
      '6 × function timeout (10 s) + batching window (0 s) = 60 s',
    );
  });

  it('reports a missing redrive policy, a deployed maxReceiveCount apart from the config (not as cutting retries short), and a short DLQ retention', () => {
    // Prepare
    const noRedrive: QueueSettingsPair = {
      queue: { visibilityTimeoutSeconds: 60, messageRetentionSeconds: 345_600 },
      deadLetterQueue: { visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600 },
    };
    const lowCount: QueueSettingsPair = {
      ...sound,
      queue: { ...sound.queue, maxReceiveCount: 4 },
    };

    // Act
    const findings = diagnose(
      facts({
        settings: new Map([
          ['default', lowCount],
          ['slow', noRedrive],
        ]),
      }),
    );

    // Assess
    const messages = findings.map((f) => f.message).join('\n');
    expect(messages).toContain('has no redrive policy');
    expect(messages).toContain('maxReceiveCount is 4 on the');
    expect(messages).not.toContain('may make 6 attempts');
    expect(messages).toContain('The DLQ keeps messages 345600 s, no longer than the queue');
  });

  it('warns when the monitor has gone quiet on a stack, but only notes it in dev mode', () => {
    // Act
    const late = diagnose(facts({ monitorLastRun: new Date(now.getTime() - 600_000) }));
    const silentStack = diagnose(facts({ monitorLastRun: undefined }));
    const silentDev = diagnose(facts({ monitorLastRun: undefined, targetKind: 'dev' }));

    // Assess
    expect(late[0]).toMatchObject({ level: 'warning' });
    expect(late[0]!.message).toContain('last ran 600 s ago');
    expect(silentStack[0]).toMatchObject({ level: 'warning' });
    expect(needsAttention(silentDev)).toBe(false);
  });

  it('reports alarms in ALARM with their summary, overdue jobs, and missing queues', () => {
    // Act
    const findings = diagnose(
      facts({
        overviews: [overview('default')],
        overdue: new Map([['default', 2]]),
        alarms: [
          {
            name: 'shop-default-dlq-not-empty',
            description: 'DLQ has messages.\nQueue: default',
            reason: 'Threshold Crossed',
            since: '2026-11-22T09:00:00.000Z',
          },
        ],
      }),
    );

    // Assess
    const messages = findings.map((f) => `${f.level}: ${f.message}`);
    expect(messages).toContain(
      'problem: Alarm shop-default-dlq-not-empty is in ALARM since 2026-11-22T09:00:00.000Z: DLQ has messages. (Threshold Crossed)',
    );
    expect(
      messages.some((m) => m.startsWith('problem: Queue "slow" is in the config but not')),
    ).toBe(true);
    expect(messages.some((m) => m.startsWith('warning: 2 jobs still RUNNING'))).toBe(true);
  });

  it('reports a disabled event source as a problem, one still settling as a warning, and drift from the config', () => {
    // Act
    const findings = diagnose(
      facts({
        eventSources: [
          { ...enabledSource('default'), state: 'Disabled', uuid: 'u-1', batchSize: 5 },
          { ...enabledSource('slow'), state: 'Creating' },
        ],
      }),
    );

    // Assess
    expect(findings).toEqual([
      {
        level: 'warning',
        queue: 'default',
        message:
          'Paused: the event source of shop-default-worker is Disabled, so its jobs wait in the queue. Resume it: lambda-jobs queues resume default (with the --stack given here)',
      },
      {
        level: 'warning',
        queue: 'default',
        message:
          'The event source runs with batch size 5, the config says 10: deploy again to apply the config.',
      },
      {
        level: 'warning',
        queue: 'slow',
        message: 'The event source of shop-slow-worker is Creating: jobs start once it is Enabled.',
      },
    ]);
  });

  it('reports a queue no event source feeds, and says nothing when the sources were not read', () => {
    // Act
    const missing = diagnose(facts({ eventSources: [enabledSource('default')] }));
    const unread = diagnose(facts({ eventSources: undefined }));

    // Assess
    expect(missing).toEqual([
      {
        level: 'problem',
        queue: 'slow',
        message:
          'No event source feeds this queue to its worker: its jobs are never run. Deploy the stack again (npx cdk deploy).',
      },
    ]);
    expect(unread).toEqual([]);
  });

  it('reports a stalled queue with its runbook, and the branch where every attempt fails fast and retries', () => {
    // Prepare
    const windowSeconds = config.monitor.stalledAfterSeconds;
    const activity = (finished: number, retried: number) => ({ finished, retried, windowSeconds });

    // Act
    const findings = diagnose(
      facts({
        overviews: [
          overview('default', { backlog: 40, visible: 40, oldestAgeSeconds: windowSeconds + 5 }),
          overview('slow', { backlog: 12, visible: 12, oldestAgeSeconds: 3 }),
        ],
        activity: new Map([
          ['default', activity(0, 0)],
          ['slow', activity(0, 57)],
        ]),
      }),
    );

    // Assess
    const window = `${windowSeconds / 60} min`;
    expect(findings.filter((f) => f.message.startsWith('Processing has stalled'))).toEqual([
      {
        level: 'problem',
        queue: 'default',
        message: `Processing has stalled: backlog 40 and no job finished (succeeded or errored) in the last ${window}. See docs/runbooks/job-processing-stalled.md.`,
      },
      {
        level: 'problem',
        queue: 'slow',
        message: `Processing has stalled: backlog 12 and no job finished in the last ${window}, while 57 attempts failed and went back to the queue. Every attempt is failing fast and retrying: see "Every attempt fails fast and retries" in docs/runbooks/job-processing-stalled.md.`,
      },
    ]);
  });

  it('does not call a queue stalled when jobs finish, when its backlog is younger than the window, or when nothing waits', () => {
    // Act
    const findings = diagnose(
      facts({
        overviews: [
          overview('default', { backlog: 40, visible: 40, oldestAgeSeconds: 10_000 }),
          overview('slow', { backlog: 12, visible: 12, oldestAgeSeconds: 30 }),
        ],
        activity: new Map([
          ['default', { finished: 1, retried: 30, windowSeconds: 600 }],
          ['slow', { finished: 0, retried: 0, windowSeconds: 600 }],
        ]),
      }),
    );
    const idle = diagnose(
      facts({ activity: new Map([['default', { finished: 0, retried: 0, windowSeconds: 600 }]]) }),
    );

    // Assess
    expect(findings.filter((f) => f.message.startsWith('Processing has stalled'))).toEqual([]);
    expect(idle).toEqual([]);
  });
});
