import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/lambda-jobs/src/config/config-error.ts';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import {
  type CronFiring,
  type DevTimer,
  type SetDevTimer,
  startDevCronScheduler,
} from '../../packages/lambda-jobs/src/local/dev-cron-scheduler.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createWorker,
  type Worker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { parseEnvelope } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics, runs, testRegistry } from '../support/test-jobs.ts';

const { sqs } = emulatorClients();
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: Worker;

/** A clock and timers the test moves by hand: nothing waits for real time. */
function manualTime(startIso: string) {
  let nowMs = Date.parse(startIso);
  const timers: { dueMs: number; run: () => Promise<void>; cancelled: boolean }[] = [];
  const setTimer: SetDevTimer = (run, delayMs): DevTimer => {
    const timer = { dueMs: nowMs + delayMs, run, cancelled: false };
    timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  };
  return {
    now: () => new Date(nowMs),
    setTimer,
    pending: () => timers.filter((t) => !t.cancelled).length,
    /** Moves the clock to `iso` and runs every timer due by then, as the event loop would. */
    async advanceTo(iso: string): Promise<void> {
      nowMs = Date.parse(iso);
      for (;;) {
        const due = timers.find((t) => !t.cancelled && t.dueMs <= nowMs);
        if (!due) return;
        due.cancelled = true;
        await due.run();
      }
    },
  };
}

beforeAll(async () => {
  config = testConfig({
    schedules: [
      { name: 'every-minute', job: 'echo', cron: '* * * * *', payload: { n: 21 } },
      { name: 'bad-payload', job: 'echo', cron: '*/2 * * * *', payload: { n: 'twenty' } },
    ],
  });
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  });
});

describe('dev cron scheduler', () => {
  it('fires an every-minute schedule twice as two jobs with distinct ids, and each runs', async () => {
    // Prepare
    const time = manualTime('2030-01-01T00:00:30.500Z');
    const firings: CronFiring[] = [];
    const lines: string[] = [];
    const cron = startDevCronScheduler({
      schedules: config.schedules.filter((s) => s.name === 'every-minute'),
      registry: testRegistry,
      client: worker.runtime.client,
      now: time.now,
      setTimer: time.setTimer,
      say: (line) => lines.push(line),
      onFiring: (firing) => firings.push(firing),
    });
    const first = cron.nextFirings().get('every-minute');

    // Act
    await time.advanceTo('2030-01-01T00:01:00.000Z');
    await time.advanceTo('2030-01-01T00:02:00.010Z');
    const delivered = [
      ...(await deliverOnce(sqs, resources.queues.default!.url, worker.handler)).received,
    ];
    if (delivered.length < 2) {
      delivered.push(
        ...(await deliverOnce(sqs, resources.queues.default!.url, worker.handler)).received,
      );
    }
    await cron.stop();

    // Assess
    expect(first?.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    const ids = ['every-minute-2030-01-01T00:01:00Z', 'every-minute-2030-01-01T00:02:00Z'];
    expect(firings.map((f) => [f.jobId, f.outcome])).toEqual([
      [ids[0], 'enqueued'],
      [ids[1], 'enqueued'],
    ]);
    expect(delivered.map((r) => parseEnvelope(r.body).id).sort()).toEqual(ids);
    expect(delivered.map((r) => parseEnvelope(r.body).payload)).toEqual([{ n: 21 }, { n: 21 }]);
    for (const id of ids) {
      expect(runs.get(id)).toBe(1);
      expect((await worker.runtime.store.get(id))?.status).toBe(JobStatus.SUCCESSFUL);
    }
    expect(lines).toEqual([
      `Schedule "every-minute": enqueued echo as ${ids[0]}`,
      `Schedule "every-minute": enqueued echo as ${ids[1]}`,
    ]);
  });

  it('reports a fixed payload the job refuses with the schedule’s name, and keeps firing', async () => {
    // Prepare
    const time = manualTime('2030-01-01T00:00:10Z');
    const lines: string[] = [];
    const cron = startDevCronScheduler({
      schedules: config.schedules.filter((s) => s.name === 'bad-payload'),
      registry: testRegistry,
      client: worker.runtime.client,
      now: time.now,
      setTimer: time.setTimer,
      say: (line) => lines.push(line),
    });

    // Act
    await time.advanceTo('2030-01-01T00:02:00Z');
    const next = cron.nextFirings().get('bad-payload');
    await cron.stop();

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Schedule "bad-payload" \(job echo\) did not enqueue bad-payload-2030-01-01T00:02:00Z: Payload for job type "echo" is invalid: n: /,
    );
    expect(next?.toISOString()).toBe('2030-01-01T00:04:00.000Z');
  });

  it('fires in the schedule’s time zone', async () => {
    // Prepare
    const time = manualTime('2030-01-01T00:00:00Z');

    // Act
    const cron = startDevCronScheduler({
      schedules: [{ name: 'paris-9am', job: 'echo', cron: '0 9 * * *', timeZone: 'Europe/Paris' }],
      registry: testRegistry,
      client: worker.runtime.client,
      now: time.now,
      setTimer: time.setTimer,
    });
    const next = cron.nextFirings().get('paris-9am');
    await cron.stop();

    // Assess
    expect(next?.toISOString()).toBe('2030-01-01T08:00:00.000Z');
  });

  it('stops: no timer left, nothing fires afterwards', async () => {
    // Prepare
    const time = manualTime('2030-01-01T00:00:10Z');
    const firings: CronFiring[] = [];
    const cron = startDevCronScheduler({
      schedules: config.schedules.filter((s) => s.name === 'every-minute'),
      registry: testRegistry,
      client: worker.runtime.client,
      now: time.now,
      setTimer: time.setTimer,
      onFiring: (firing) => firings.push(firing),
    });

    // Act
    await cron.stop();
    await time.advanceTo('2030-01-01T00:05:00Z');

    // Assess
    expect(time.pending()).toBe(0);
    expect(firings).toEqual([]);
  });

  it('refuses a schedule whose job type is not registered, naming the schedule', () => {
    // Act
    const start = () =>
      startDevCronScheduler({
        schedules: [{ name: 'cleanup', job: 'purge-carts', cron: '@daily' }],
        registry: testRegistry,
        client: worker.runtime.client,
      });

    // Assess
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/schedules\[0\]\.job.*schedule "cleanup" names a job type/);
  });
});
