/**
 * What the worker logs on the success path: one line per batch naming its successful jobs (no
 * "started" line, no line per job), and, just before an invocation's end, that line for the
 * jobs finished so far and one warning naming the jobs still running, so a timeout can be
 * traced to its jobs. Real worker against the emulators, with a real Powertools Logger.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { TIMEOUT_WATCH_LEAD_MS } from '../../packages/lambda-jobs/src/runtime/timeout-watch.ts';
import { type CapturedOutput, captureJsonOutput, testLogger } from '../monitor/monitor-test-kit.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import {
  capturingMetrics,
  echo,
  ignoresDeadline,
  testRegistry,
  unrecoverable,
} from '../support/test-jobs.ts';

const TIMEOUT_WARNING = 'Invocation about to time out; these jobs have no outcome recorded yet';
const { sqs } = emulatorClients();
let worker: ReturnType<typeof createWorker>;
let queueUrl: string;
let output: CapturedOutput | undefined;

beforeAll(async () => {
  const config = testConfig();
  const resources = await provisionTestResources(config);
  queueUrl = resources.queues.default!.url;
  worker = createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    logger: testLogger(),
    deadlineMarginMs: 100,
  });
});

afterEach(() => {
  output = undefined;
  vi.restoreAllMocks();
});

const names = (jobs: unknown, jobId: string) =>
  Array.isArray(jobs) && jobs.some((job: { job_id?: string }) => job.job_id === jobId);

/** The Powertools lines that name `jobId`, in any field the worker uses for it. */
function linesAbout(captured: CapturedOutput, jobId: string) {
  return captured
    .logs()
    .filter(
      (line) => line.job_id === jobId || names(line.jobs, jobId) || names(line.running_jobs, jobId),
    );
}

describe('worker log lines', () => {
  it('writes one line for a successful job, and no warning once the batch is answered', async () => {
    const id = await worker.runtime.client.enqueue(echo, { n: 2 }, { timeoutSeconds: 1 });
    output = captureJsonOutput();
    const remainingMs = 3000;
    await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0, remainingMs });
    // Past the moment the watch would have fired had it not been cancelled.
    await sleep(remainingMs);

    const lines = linesAbout(output, id!);
    expect(lines.map((line) => [line.level, line.message])).toEqual([['INFO', 'Jobs succeeded']]);
    expect(lines[0]).toMatchObject({
      queue: 'default',
      jobs: [{ job_id: id, job_type: 'echo', attempt: 1, duration_ms: expect.any(Number) }],
    });
    expect(output.logs(TIMEOUT_WARNING)).toEqual([]);
  });

  it("names a batch's successful jobs in one line, and nothing of its failures", async () => {
    const client = worker.runtime.client;
    const echoes = await client.enqueueMany(
      echo,
      [1, 2, 3].map((n) => ({ payload: { n } })),
    );
    const failed = await client.enqueue(unrecoverable, {});
    output = captureJsonOutput();
    await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0 });

    const [first, second, third] = echoes.map((outcome) =>
      outcome.status === 'enqueued' ? outcome.id : '',
    );
    const succeeded = output.logs('Jobs succeeded');
    expect(succeeded).toHaveLength(1);
    const named = (succeeded[0]!.jobs as { job_id: string }[]).map((job) => job.job_id);
    expect(named.sort()).toEqual([first, second, third].sort());
    expect(linesAbout(output, failed!).map((line) => line.message)).not.toContain('Jobs succeeded');
  });

  it('names the jobs still running just before the invocation ends', async () => {
    // ignores-deadline: timeout 1 s, sleeps 3 s. The invocation has 1.3 s: the watch fires
    // at 0.8 s while the job runs; its deadline ends it at 1 s (ERRORED, no retries).
    const id = await worker.runtime.client.enqueue(ignoresDeadline, {});
    output = captureJsonOutput();
    const remainingMs = 1300;
    await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0, remainingMs });

    const warnings = output.logs(TIMEOUT_WARNING);
    expect(warnings).toHaveLength(1);
    expect(output.logs('Jobs succeeded')).toEqual([]);
    expect(warnings[0]).toMatchObject({
      level: 'WARN',
      queue: 'default',
      running_jobs: [{ job_id: id, job_type: 'ignores-deadline', attempt: 1 }],
    });
    const [running] = warnings[0]!.running_jobs as { started_at: string }[];
    expect(Date.parse(running!.started_at)).not.toBeNaN();
    expect(remainingMs - TIMEOUT_WATCH_LEAD_MS).toBeLessThan(1000);
    expect((await worker.runtime.store.get(id!))?.status).toBe('ERRORED');
  });
});
