/**
 * The success path's line: one per batch naming its successful jobs, written when the batch is
 * answered, or, for the jobs finished by then, just before the invocation's end and before
 * the warning that names the jobs still running. Real Powertools Logger, fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSuccessLog } from '../../packages/lambda-jobs/src/runtime/success-log.ts';
import {
  createTimeoutWatch,
  TIMEOUT_WATCH_LEAD_MS,
} from '../../packages/lambda-jobs/src/runtime/timeout-watch.ts';
import { type CapturedOutput, captureJsonOutput, testLogger } from '../monitor/monitor-test-kit.ts';

let output: CapturedOutput | undefined;
afterEach(() => {
  output = undefined;
  vi.restoreAllMocks();
  vi.useRealTimers();
});

const job = (id: string) => ({ job_id: id, job_type: 'echo', attempt: 1, duration_ms: 5 });

describe('success log', () => {
  it('writes one line for all the jobs added, and nothing when none were', () => {
    output = captureJsonOutput();
    const successLog = createSuccessLog(testLogger(), 'default');
    successLog.flush();
    successLog.add(job('a'));
    successLog.add(job('b'));
    successLog.flush();
    successLog.flush();

    const lines = output.logs();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'Jobs succeeded',
      queue: 'default',
      jobs: [job('a'), job('b')],
    });
  });

  it('names the jobs finished before the timeout warning, then only those finished after', () => {
    vi.useFakeTimers();
    output = captureJsonOutput();
    const logger = testLogger();
    const successLog = createSuccessLog(logger, 'default');
    const watch = createTimeoutWatch(logger, 'default', successLog.flush);
    watch.arm(TIMEOUT_WATCH_LEAD_MS + 100);
    successLog.add(job('done-early'));
    watch.track({ id: 'slow', type: 'echo', attempt: 1, startedAt: new Date().toISOString() });
    vi.advanceTimersByTime(100);
    successLog.add(job('done-late'));
    watch.disarm();
    successLog.flush();

    expect(output.logs().map((line) => [line.message, line.jobs ?? line.running_jobs])).toEqual([
      ['Jobs succeeded', [job('done-early')]],
      [
        'Invocation about to time out; these jobs have no outcome recorded yet',
        [expect.objectContaining({ job_id: 'slow' })],
      ],
      ['Jobs succeeded', [job('done-late')]],
    ]);
  });

  it("keeps every line of a large batch under CloudWatch Logs' 256 KiB event limit, naming every job once", () => {
    output = captureJsonOutput();
    const successLog = createSuccessLog(testLogger(), 'default');
    // A batch of 10,000 (the largest SQS batch) with trace ids: about 1.7 MB of entries.
    const ids = Array.from({ length: 10_000 }, (_, i) => `job-${String(i).padStart(5, '0')}`);
    for (const id of ids) {
      successLog.add({ ...job(id), wait_ms: 12_345, trace_id: `1-67a1b2c3-${'f'.repeat(24)}` });
    }
    successLog.flush();

    const lines = output.logs('Jobs succeeded');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(Buffer.byteLength(JSON.stringify(line), 'utf8')).toBeLessThan(262_144);
    }
    expect(
      lines.flatMap((line) => (line.jobs as { job_id: string }[]).map((j) => j.job_id)),
    ).toEqual(ids);
  });
});
