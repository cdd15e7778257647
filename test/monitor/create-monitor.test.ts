import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import {
  createMonitor,
  type MonitorDeps,
} from '../../packages/lambda-jobs/src/runtime/monitor/create-monitor.ts';
import { createEmfMetricsSink } from '../../packages/lambda-jobs/src/runtime/monitor/emf-metrics-sink.ts';
import { MONITOR_LOG_MESSAGES as MSG } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-log.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import {
  type CapturedOutput,
  captureJsonOutput,
  fakeAgeSource,
  fakeCompletions,
  fakeDepthSource,
  memoryKeys,
  memoryRescueStore,
  memoryStateStore,
  monitoredQueues,
  queueUrlsOf,
  recordingTransport,
  runningRecord,
  testLogger,
  testMetrics,
} from './monitor-test-kit.ts';

const now = new Date('2026-11-22T10:00:00.000Z');
const queues = monitoredQueues(['default', 'reports']);
const [defaultQueue, reportsQueue] = queues as [(typeof queues)[0], (typeof queues)[0]];

const config: LambdaJobsConfig = defineConfig({
  appName: 'shop',
  queues: {
    default: {},
    reports: { thresholds: { backlog: { warning: 10, critical: 20 } } },
  },
  settings: {
    JOBS_BACKLOG_WARNING: 500,
    JOBS_BACKLOG_CRITICAL: 1000,
    JOBS_OLDEST_AGE_WARNING: 300,
    JOBS_OLDEST_AGE_CRITICAL: 900,
    JOBS_MONITOR_CONCURRENCY: 1,
  },
});

const aborted: {
  id: string;
  payload: unknown;
  status: string;
  attempt?: number;
  maxAttempts?: number;
  willRetry?: boolean;
}[] = [];
const report = defineJob({
  type: 'report',
  schema: z.object({ reportId: z.string() }),
  run: () => {},
  onAborted: (payload, { record, attempt, maxAttempts, willRetry }) => {
    aborted.push({
      id: record.id,
      payload,
      status: record.status,
      attempt,
      maxAttempts,
      willRetry,
    });
  },
});
const failingHook = defineJob({
  type: 'failing-hook',
  schema: z.object({}),
  run: () => {},
  onAborted: () => {
    throw new Error('hook exploded');
  },
});
const registry = createRegistry([report, failingHook]);

let output: CapturedOutput;

function build(overrides: Partial<MonitorDeps> = {}) {
  const deps: MonitorDeps = {
    config,
    queueUrls: queueUrlsOf(queues),
    depth: fakeDepthSource(),
    oldestAge: fakeAgeSource(),
    completions: fakeCompletions(),
    state: memoryStateStore(),
    metrics: createEmfMetricsSink(testMetrics()),
    rescue: {
      store: memoryRescueStore([]),
      keys: memoryKeys(),
      registry,
      transport: recordingTransport(),
    },
    logger: testLogger(),
    now: () => now,
    ...overrides,
  };
  return createMonitor(deps);
}

beforeEach(() => {
  output = captureJsonOutput();
  aborted.length = 0;
});

describe('monitor run: stats and threshold events', () => {
  it('logs "Job queue stats" for every queue with counts, drain time and thresholds', async () => {
    const depth = fakeDepthSource({
      [reportsQueue.url]: { visible: 4, inFlight: 3, delayed: 2 },
      [reportsQueue.dlqUrl]: { visible: 0 },
    });
    const monitor = build({
      depth,
      oldestAge: fakeAgeSource({ reports: 42 }),
      completions: fakeCompletions({ reports: 600 }),
    });

    await monitor.run();

    expect(output.logs(MSG.stats)).toHaveLength(2);
    expect(output.logs(MSG.stats).find((l) => l.queue === 'reports')).toMatchObject({
      level: 'INFO',
      queue: 'reports',
      jobs_requested: 6,
      jobs_processing: 3,
      jobs_delayed: 2,
      jobs_backlog: 9,
      oldest_age_seconds: 42,
      dlq_depth: 0,
      drain_seconds: 9,
      jobs_completed: 600,
      completion_window_seconds: 600,
      backlog_level: 0,
      backlog_warning: 10,
      backlog_critical: 20,
      oldest_age_seconds_warning: 300,
      oldest_age_seconds_critical: 900,
      dlq_depth_warning: 1,
    });
    expect(output.logs().filter((l) => l.level !== 'INFO')).toEqual([]);
  });

  it('logs a warning at the warning threshold and critical at the critical one, every run', async () => {
    const depthOf = (visible: number) =>
      fakeDepthSource({ [reportsQueue.url]: { visible, inFlight: 1 } });
    const state = memoryStateStore();

    await build({ depth: depthOf(8), state }).run();
    await build({ depth: depthOf(9), state }).run();
    await build({ depth: depthOf(18), state }).run();
    await build({ depth: depthOf(19), state }).run();
    await build({ depth: depthOf(25), state }).run();

    expect(output.logs(MSG.backlogWarning)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        queue: 'reports',
        jobs_backlog: 10,
        jobs_requested: 9,
        jobs_processing: 1,
        threshold: 10,
      }),
      expect.objectContaining({ level: 'WARN', queue: 'reports', jobs_backlog: 19, threshold: 10 }),
    ]);
    expect(output.logs(MSG.backlogCritical)).toEqual([
      expect.objectContaining({
        level: 'CRITICAL',
        queue: 'reports',
        jobs_backlog: 20,
        threshold: 20,
      }),
      expect.objectContaining({
        level: 'CRITICAL',
        queue: 'reports',
        jobs_backlog: 26,
        threshold: 20,
      }),
    ]);
  });

  it('logs the oldest-age pair from the global thresholds', async () => {
    await build({ oldestAge: fakeAgeSource({ default: 300, reports: 901 }) }).run();

    expect(output.logs(MSG.oldestAgeWarning)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        queue: 'default',
        oldest_age_seconds: 300,
        threshold: 300,
      }),
    ]);
    expect(output.logs(MSG.oldestAgeCritical)).toEqual([
      expect.objectContaining({
        level: 'CRITICAL',
        queue: 'reports',
        oldest_age_seconds: 901,
        threshold: 900,
      }),
    ]);
  });

  it('logs one info line when a queue returns below its thresholds', async () => {
    const state = memoryStateStore();
    const over = fakeDepthSource({ [reportsQueue.url]: { visible: 30 } });

    await build({ depth: over, state }).run();
    await build({ state }).run();
    await build({ state }).run();

    expect(output.logs(MSG.returnedBelow)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        queue: 'reports',
        previous_level: 2,
        jobs_backlog: 0,
        oldest_age_seconds: 0,
      }),
    ]);
  });

  it('stays silent when no thresholds are configured', async () => {
    const bare = defineConfig({ appName: 'shop', queues: { default: {}, reports: {} } });
    const depth = fakeDepthSource({ [defaultQueue.url]: { visible: 1_000_000 } });

    const summary = await build({
      config: bare,
      depth,
      oldestAge: fakeAgeSource({ default: 86_400 }),
    }).run();

    expect(output.logs().filter((l) => l.level !== 'INFO')).toEqual([]);
    const stats = output.logs(MSG.stats).find((l) => l.queue === 'default');
    expect(stats).toMatchObject({
      jobs_backlog: 1_000_000,
      oldest_age_seconds: 86_400,
      backlog_level: 0,
    });
    expect(stats).not.toHaveProperty('backlog_warning');
    expect(stats).not.toHaveProperty('backlog_critical');
    expect(stats).not.toHaveProperty('oldest_age_seconds_warning');
    expect(summary.queues[0]).toMatchObject({ queue: 'default', level: 0 });
  });

  it('warns about a DLQ at its threshold, and about processing stalled for the window', async () => {
    const state = memoryStateStore({
      default: {
        backlogLevel: 0,
        oldestAgeLevel: 0,
        backlogSince: new Date(now.getTime() - 700_000).toISOString(),
        updatedAt: now.toISOString(),
      },
    });
    const depth = fakeDepthSource({
      [defaultQueue.url]: { visible: 5 },
      [defaultQueue.dlqUrl]: { visible: 2 },
    });

    await build({ depth, state }).run();

    expect(output.logs(MSG.dlqWarning)).toEqual([
      expect.objectContaining({ level: 'WARN', queue: 'default', dlq_depth: 2, threshold: 1 }),
    ]);
    expect(output.logs(MSG.stalled)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        queue: 'default',
        jobs_backlog: 5,
        backlog_for_seconds: 700,
        stalled_after_seconds: 600,
      }),
    ]);
    expect(output.metric('ProcessingStalled', 'default')).toEqual([1]);
    expect(output.metric('ProcessingStalled', 'reports')).toEqual([0]);
  });

  it('logs one info line when a stalled queue finishes jobs again and when its DLQ drops under its threshold', async () => {
    const state = memoryStateStore({
      default: {
        backlogLevel: 0,
        oldestAgeLevel: 0,
        backlogSince: new Date(now.getTime() - 700_000).toISOString(),
        updatedAt: now.toISOString(),
      },
    });
    const stuck = fakeDepthSource({
      [defaultQueue.url]: { visible: 5 },
      [defaultQueue.dlqUrl]: { visible: 2 },
    });
    const flowing = fakeDepthSource({ [defaultQueue.url]: { visible: 3 } });

    await build({ depth: stuck, state }).run();
    const whileStalled = [...output.logs(MSG.stalledCleared), ...output.logs(MSG.dlqCleared)];
    await build({ depth: flowing, state, completions: fakeCompletions({ default: 4 }) }).run();
    await build({ depth: flowing, state, completions: fakeCompletions({ default: 4 }) }).run();

    expect(whileStalled).toEqual([]);
    expect(output.logs(MSG.stalled)).toHaveLength(1);
    expect(output.logs(MSG.stalledCleared)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        queue: 'default',
        jobs_backlog: 3,
        jobs_completed: 4,
        completion_window_seconds: 600,
      }),
    ]);
    expect(output.logs(MSG.dlqCleared)).toEqual([
      expect.objectContaining({ level: 'INFO', queue: 'default', dlq_depth: 0, threshold: 1 }),
    ]);
    expect(state.items.get('default')).not.toHaveProperty('stalled');
  });

  it('does not call a paused queue stalled: it logs "Job processing paused" and publishes 0', async () => {
    const stalledState = () =>
      memoryStateStore({
        default: {
          backlogLevel: 0,
          oldestAgeLevel: 0,
          backlogSince: new Date(now.getTime() - 700_000).toISOString(),
          stalled: true,
          updatedAt: now.toISOString(),
        },
      });
    const state = stalledState();
    const depth = fakeDepthSource({ [defaultQueue.url]: { visible: 5 } });
    const paused = { pausedQueues: async () => new Set(['default']) };

    const summary = await build({ depth, state, paused }).run();

    expect(output.logs(MSG.stalled)).toEqual([]);
    expect(output.logs(MSG.stalledCleared)).toEqual([]);
    expect(output.logs(MSG.paused)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        queue: 'default',
        jobs_backlog: 5,
        resume: 'lambda-jobs queues resume default',
      }),
    ]);
    expect(output.metric('ProcessingStalled', 'default')).toEqual([0]);
    expect(summary.failedQueues).toEqual([]);
    expect(state.items.get('default')).not.toHaveProperty('stalled');
  });

  it('judges stalled as usual when the paused read fails, and counts the queues as failed', async () => {
    const depth = fakeDepthSource({ [defaultQueue.url]: { visible: 5 } });
    const paused = { pausedQueues: async () => Promise.reject(new Error('AccessDenied')) };
    const state = memoryStateStore({
      default: {
        backlogLevel: 0,
        oldestAgeLevel: 0,
        backlogSince: new Date(now.getTime() - 700_000).toISOString(),
        updatedAt: now.toISOString(),
      },
    });

    const summary = await build({ depth, state, paused }).run();

    expect(output.logs(MSG.stalled)).toHaveLength(1);
    expect(output.logs(MSG.readFailed)).toEqual([
      expect.objectContaining({ source: 'paused', queues: ['default', 'reports'] }),
    ]);
    expect(summary.failedQueues).toEqual(['default', 'reports']);
  });

  it('says nothing cleared while the completions cannot be read', async () => {
    const state = memoryStateStore({
      default: {
        backlogLevel: 0,
        oldestAgeLevel: 0,
        backlogSince: new Date(now.getTime() - 700_000).toISOString(),
        stalled: true,
        updatedAt: now.toISOString(),
      },
    });
    const failing = { completions: async () => Promise.reject(new Error('CloudWatch throttled')) };

    await build({
      depth: fakeDepthSource({ [defaultQueue.url]: { visible: 3 } }),
      state,
      completions: failing,
    }).run();

    expect(output.logs(MSG.stalledCleared)).toEqual([]);
    expect(state.items.get('default')).toMatchObject({ stalled: true });
  });
});

describe('monitor run: metrics', () => {
  it('publishes per-queue EMF metrics with service + queue, and a service-only heartbeat', async () => {
    const depth = fakeDepthSource({ [reportsQueue.url]: { visible: 20, inFlight: 2, delayed: 1 } });

    await build({
      depth,
      oldestAge: fakeAgeSource({ reports: 61 }),
      completions: fakeCompletions({ reports: 46 }),
    }).run();

    const reportsDoc = output.emf().find((doc) => doc.queue === 'reports')!;
    expect(reportsDoc._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'queue']]);
    expect(reportsDoc).toMatchObject({
      service: 'monitor-test',
      JobsBacklog: 23,
      JobsRequested: 21,
      JobsProcessing: 2,
      JobsDelayed: 1,
      OldestMessageAge: 61,
      DlqDepth: 0,
      BacklogLevel: 2,
      EstimatedDrainSeconds: 300,
      ProcessingStalled: 0,
      JobsLostRescued: 0,
    });
    const runDoc = output.emf().find((doc) => 'MonitorHeartbeat' in doc)!;
    expect(runDoc._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(runDoc).toMatchObject({ MonitorHeartbeat: 1, MonitorQueueErrors: 0 });
    expect(runDoc.queue).toBeUndefined();
  });

  it('leaves the drain time out when there is no completion rate to estimate from', async () => {
    const depth = fakeDepthSource({ [reportsQueue.url]: { visible: 3 } });

    await build({ depth }).run();

    expect(output.metric('EstimatedDrainSeconds', 'reports')).toEqual([]);
    expect(output.metric('EstimatedDrainSeconds', 'default')).toEqual([0]);
    expect(output.logs(MSG.stats).find((l) => l.queue === 'reports')).not.toHaveProperty(
      'drain_seconds',
    );
  });
});

describe('monitor run: failure isolation', () => {
  it('reports the other queues when one fails, logging and counting the failed one', async () => {
    const depth = fakeDepthSource({
      [defaultQueue.url]: new Error('AccessDenied'),
      [reportsQueue.url]: { visible: 12 },
    });

    const summary = await build({ depth, oldestAge: fakeAgeSource({ default: 400 }) }).run();

    expect(output.logs(MSG.readFailed)).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        queue: 'default',
        source: 'depth',
        error: expect.objectContaining({ message: 'AccessDenied' }),
      }),
    ]);
    expect(output.logs(MSG.backlogWarning)).toEqual([
      expect.objectContaining({ queue: 'reports' }),
    ]);
    expect(output.logs(MSG.oldestAgeWarning)).toEqual([
      expect.objectContaining({ queue: 'default' }),
    ]);
    expect(output.metric('MonitorQueueErrors')).toEqual([1]);
    expect(output.metric('OldestMessageAge', 'default')).toEqual([400]);
    expect(output.metric('DlqDepth', 'default')).toEqual([0]);
    expect(output.metric('JobsBacklog', 'default')).toEqual([]);
    expect(summary.failedQueues).toEqual(['default']);
    expect(summary.queues[1]).toMatchObject({ queue: 'reports', jobsBacklog: 12, level: 1 });
  });

  it('keeps the depths when the batched age read fails, logging it once for all queues', async () => {
    const depth = fakeDepthSource({ [reportsQueue.url]: { visible: 25 } });

    const summary = await build({
      depth,
      oldestAge: fakeAgeSource(new Error('CloudWatch down')),
    }).run();

    expect(output.logs(MSG.readFailed)).toEqual([
      expect.objectContaining({ source: 'oldest-age', queues: ['default', 'reports'] }),
    ]);
    const stats = output.logs(MSG.stats).find((l) => l.queue === 'reports');
    expect(stats).toMatchObject({ jobs_backlog: 25 });
    expect(stats).not.toHaveProperty('oldest_age_seconds');
    expect(output.logs(MSG.backlogCritical)).toHaveLength(1);
    expect(output.metric('OldestMessageAge', 'reports')).toEqual([]);
    expect(summary.failedQueues).toEqual(['default', 'reports']);
  });

  it('reads at most config.monitor.concurrency queues at once', async () => {
    const depth = fakeDepthSource();
    const many = monitoredQueues(['a', 'b', 'c', 'd', 'e', 'f']);
    const wide = defineConfig({
      appName: 'shop',
      queues: Object.fromEntries(many.map((q) => [q.name, {}])),
      settings: { JOBS_MONITOR_CONCURRENCY: 2 },
    });

    await build({ config: wide, queueUrls: queueUrlsOf(many), depth }).run();

    expect(depth.calls).toHaveLength(12);
    expect(depth.maxConcurrent).toBeLessThanOrEqual(4);
    expect(depth.maxConcurrent).toBeGreaterThan(2);
  });

  it('refuses at build time a configured queue without URLs', () => {
    expect(() => build({ queueUrls: queueUrlsOf([defaultQueue]) })).toThrow(ConfigError);
  });
});

describe('monitor run: lost jobs', () => {
  const envelope = (id: string, payload: unknown) =>
    serializeEnvelope({
      version: ENVELOPE_VERSION,
      id,
      type: 'report',
      queue: 'default',
      payload,
      enqueuedAt: now.toISOString(),
    });

  it('marks the last attempt past deadline + grace LOST, sends its message to the DLQ, releases the key and runs onAborted', async () => {
    const store = memoryRescueStore([
      runningRecord(
        {
          id: 'job-1',
          attempts: 4,
          concurrencyKey: 'report:7',
          envelope: envelope('job-1', { reportId: '7' }),
        },
        now,
      ),
      runningRecord({ id: 'job-2' }, now, 0.5),
    ]);
    const keys = memoryKeys({ 'report:7': 'job-1' });
    const transport = recordingTransport();

    const summary = await build({ rescue: { store, keys, registry, transport } }).run();

    expect(store.byId.get('job-1')).toMatchObject({
      status: 'LOST',
      deadLetteredAt: now.toISOString(),
    });
    expect(store.byId.get('job-2')?.status).toBe('RUNNING');
    expect(keys.held.has('report:7')).toBe(false);
    expect(transport.sent).toEqual([
      { url: defaultQueue.dlqUrl, body: envelope('job-1', { reportId: '7' }) },
    ]);
    expect(aborted).toEqual([
      {
        id: 'job-1',
        payload: { reportId: '7' },
        status: 'LOST',
        attempt: 4,
        maxAttempts: 4,
        willRetry: false,
      },
    ]);
    expect(output.logs(MSG.jobLost)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        job_id: 'job-1',
        job_type: 'report',
        queue: 'default',
        attempt: 4,
        will_retry: false,
      }),
    ]);
    expect(output.logs(MSG.lostRescued)).toEqual([
      expect.objectContaining({ queue: 'default', jobs_lost: 1 }),
    ]);
    expect(output.metric('JobsLostRescued', 'default')).toEqual([1]);
    expect(summary.lostRescued).toBe(1);
  });

  it('records a lost attempt with attempts left as RETRYING, runs onAborted first, sends the message again and keeps the key', async () => {
    const body = envelope('job-3', { reportId: '3' });
    const store = memoryRescueStore([
      runningRecord({ id: 'job-3', attempts: 2, concurrencyKey: 'report:3', envelope: body }, now),
    ]);
    const keys = memoryKeys({ 'report:3': 'job-3' });
    const transport = recordingTransport();
    const order: string[] = [];
    const sendAfterHook = {
      async send(url: string, sent: string) {
        order.push(`send ${aborted.length} hook(s) in`);
        return transport.send(url, sent);
      },
    };

    const summary = await build({
      rescue: { store, keys, registry, transport: sendAfterHook },
    }).run();

    expect(store.byId.get('job-3')).toMatchObject({ status: 'RETRYING', attempts: 2 });
    expect(aborted).toEqual([
      {
        id: 'job-3',
        payload: { reportId: '3' },
        status: 'RETRYING',
        attempt: 2,
        maxAttempts: 4,
        willRetry: true,
      },
    ]);
    expect(transport.sent).toEqual([{ url: defaultQueue.url, body }]);
    expect(order).toEqual(['send 1 hook(s) in']);
    expect(keys.held.get('report:3')).toBe('job-3');
    expect(output.logs(MSG.jobLost)).toEqual([
      expect.objectContaining({ job_id: 'job-3', status: 'RETRYING', will_retry: true }),
    ]);
    expect(summary.lostRescued).toBe(1);
  });

  it('rescues a job once when two runs overlap', async () => {
    const store = memoryRescueStore([
      runningRecord({ id: 'job-1', envelope: envelope('job-1', { reportId: '1' }) }, now),
    ]);
    const rescue = { store, keys: memoryKeys(), registry, transport: recordingTransport() };

    const [first, second] = await Promise.all([build({ rescue }).run(), build({ rescue }).run()]);

    expect(first.lostRescued + second.lostRescued).toBe(1);
    expect(aborted).toHaveLength(1);
  });

  it('logs a failing hook and still counts the job as rescued', async () => {
    const store = memoryRescueStore([
      runningRecord({ id: 'job-9', type: 'failing-hook', attempts: 4 }, now),
    ]);

    const summary = await build({
      rescue: { store, keys: memoryKeys(), registry, transport: recordingTransport() },
    }).run();

    expect(store.byId.get('job-9')?.status).toBe('LOST');
    expect(output.logs('onAborted hook failed')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        job_id: 'job-9',
        error: expect.objectContaining({ message: 'hook exploded' }),
      }),
    ]);
    expect(summary.lostRescued).toBe(1);
    expect(summary.failedQueues).toEqual([]);
  });

  it('isolates a queue whose rescue cannot list records', async () => {
    const broken = {
      ...memoryRescueStore([]),
      listExpiredRunning: async () => Promise.reject(new Error('table gone')),
    };

    const summary = await build({
      rescue: { store: broken, keys: memoryKeys(), registry, transport: recordingTransport() },
    }).run();

    expect(output.logs(MSG.rescueFailed)).toHaveLength(2);
    expect(output.logs(MSG.stats)).toHaveLength(2);
    expect(summary.failedQueues).toEqual(['default', 'reports']);
    expect(output.metric('JobsLostRescued', 'default')).toEqual([]);
  });
});
