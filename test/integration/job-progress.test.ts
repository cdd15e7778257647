/**
 * `ctx.progress`: a running job's progress reaches its record, throttled, conditional on the
 * attempt; bad input is a JobInputError naming the field. Real worker against fauxqs and
 * DynamoDB Local; the write cap on the memory store.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { JobStateConflictError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import {
  createProgressReporter,
  PROGRESS_LIMITS,
} from '../../packages/lambda-jobs/src/runtime/job-progress.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/** Long enough that the first report is seen before the trailing write replaces it. */
const INTERVAL_MS = 1500;
const silent = new Logger({ logLevel: 'SILENT' });

/** Gates the test opens, so it can look at the record while the job runs. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}
let firstStep = gate();

const reporting = defineJob({
  type: 'reporting',
  schema: z.object({ fraction: z.number().optional() }),
  timeoutSeconds: 5,
  retries: 0,
  run: async (payload, ctx) => {
    if (payload.fraction !== undefined) {
      await ctx.progress(payload.fraction);
      return;
    }
    await ctx.progress(0.25, 'a quarter');
    // Within the interval: neither is written at once; the latest is written when it passes.
    await ctx.progress(0.5);
    await ctx.progress(0.75, 'three quarters');
    await firstStep.opened;
  },
});

const { sqs } = emulatorClients();
let worker: ReturnType<typeof createWorker>;
let queueUrl: string;

beforeAll(async () => {
  const config = testConfig();
  const resources = await provisionTestResources(config);
  queueUrl = resources.queues.default!.url;
  worker = createWorker({
    registry: createRegistry([reporting]),
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    logger: silent,
    deadlineMarginMs: 100,
    progressIntervalMs: INTERVAL_MS,
  });
});

afterAll(() => {
  firstStep.open();
});

/** Reads the record until `check` holds (bounded), and returns it. */
async function recordWhen(id: string, check: (record: JobRecord) => boolean): Promise<JobRecord> {
  for (let i = 0; i < 100; i++) {
    const record = await worker.runtime.store.get(id);
    if (record && check(record)) return record;
    await sleep(50);
  }
  throw new Error(`record ${id} never reached the expected state`);
}

describe('job progress', () => {
  it('records the running attempt’s progress, throttled, the latest report winning', async () => {
    firstStep = gate();
    const id = (await worker.runtime.client.enqueue(reporting, {}))!;
    const delivery = deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0 });

    const first = await recordWhen(id, (r) => r.progress !== undefined);
    expect(first).toMatchObject({
      status: 'RUNNING',
      progress: { fraction: 0.25, note: 'a quarter', attempt: 1 },
    });

    const latest = await recordWhen(id, (r) => r.progress?.fraction !== 0.25);
    expect(latest.progress).toMatchObject({ fraction: 0.75, note: 'three quarters', attempt: 1 });
    expect(latest.status).toBe('RUNNING');

    firstStep.open();
    await delivery;
    expect((await worker.runtime.store.get(id))?.status).toBe('SUCCESSFUL');
  });

  it('refuses a fraction outside 0–1 with a JobInputError naming the field', async () => {
    const id = (await worker.runtime.client.enqueue(reporting, { fraction: 1.5 }))!;
    await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0 });

    const record = await worker.runtime.store.get(id);
    expect(record).toMatchObject({ status: 'ERRORED', error: { name: 'JobInputError' } });
    expect(record?.error?.message).toContain('from 0 to 1; got 1.5');
    expect(record?.progress).toBeUndefined();
  });

  it('writes nothing once the attempt is over: the write is conditional on it', async () => {
    const id = (await worker.runtime.client.enqueue(reporting, { fraction: 0.5 }))!;
    await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0 });
    const finished = (await worker.runtime.store.get(id))!;
    expect(finished.status).toBe('SUCCESSFUL');

    const late = worker.runtime.store.recordProgress(finished, {
      fraction: 0.9,
      at: new Date().toISOString(),
      attempt: finished.attempts,
    });

    await expect(late).rejects.toBeInstanceOf(JobStateConflictError);
    expect((await worker.runtime.store.get(id))?.progress?.fraction).toBe(0.5);
  });
});

/** A memory store holding one RUNNING attempt, and its writes of progress counted. */
async function runningAttempt() {
  const store = createMemoryJobStore();
  const now = new Date('2026-12-04T10:00:00Z');
  const claim = await store.claim({
    id: 'reporting-1',
    type: 'reporting',
    queue: 'default',
    enqueuedAt: now.toISOString(),
    maxAttempts: 1,
    leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(),
    now: now.toISOString(),
  });
  if (claim.kind !== 'claimed') throw new Error('not claimed');
  const written: number[] = [];
  const counted = {
    recordProgress: (
      attempt: JobRecord,
      progress: { fraction: number; at: string; attempt: number },
    ) => {
      written.push(progress.fraction);
      return store.recordProgress(attempt, progress);
    },
  };
  return { store, attempt: claim.record, counted, written, startedAt: now.getTime() };
}

describe('progress writes per attempt', () => {
  it('writes the first report at once and only the latest of those within the interval', async () => {
    const { store, attempt, counted, written } = await runningAttempt();
    const reporter = createProgressReporter({
      store: counted,
      attempt,
      logger: silent,
      minIntervalMs: 200,
    });

    await reporter.report(0.25);
    await reporter.report(0.5);
    await reporter.report(0.75);
    expect(written).toEqual([0.25]);
    await sleep(400);
    reporter.close();

    expect(written).toEqual([0.25, 0.75]);
    expect((await store.get(attempt.id))?.progress?.fraction).toBe(0.75);
  });

  it('writes nothing after the attempt ends', async () => {
    const { attempt, counted, written } = await runningAttempt();
    const reporter = createProgressReporter({
      store: counted,
      attempt,
      logger: silent,
      minIntervalMs: 100,
    });

    await reporter.report(0.1);
    await reporter.report(0.2);
    reporter.close();
    await reporter.report(0.3);
    await sleep(250);

    expect(written).toEqual([0.1]);
  });

  it('stops at the cap, however often the job reports', async () => {
    const { store, attempt, counted, written, startedAt } = await runningAttempt();
    const clock = { at: startedAt };
    const reporter = createProgressReporter({
      store: counted,
      attempt,
      logger: silent,
      now: () => new Date(clock.at),
    });

    for (let i = 1; i <= PROGRESS_LIMITS.maxWritesPerAttempt + 5; i++) {
      clock.at += PROGRESS_LIMITS.minIntervalMs;
      await reporter.report(i / 100);
    }
    reporter.close();

    expect(written).toHaveLength(PROGRESS_LIMITS.maxWritesPerAttempt);
    expect((await store.get(attempt.id))?.progress?.fraction).toBe(
      PROGRESS_LIMITS.maxWritesPerAttempt / 100,
    );
  });
});
