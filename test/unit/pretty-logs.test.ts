import { describe, expect, it } from 'vitest';
import { prettifyStream, prettyLogLine } from '../../packages/lambda-jobs/src/local/pretty-logs.ts';
import { createJobMetrics } from '../../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';
import { testMetrics } from '../monitor/monitor-test-kit.ts';

/** What the worker's metrics recorder writes for one finished job, through `--pretty`. */
function prettyWorkerMetrics(): string {
  const written: string[] = [];
  const stream = {
    isTTY: false,
    write: (chunk: string) => {
      written.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const undo = prettifyStream(stream, false);
  const original = process.stdout.write;
  // Powertools Metrics writes EMF to stdout, as dev mode's workers do.
  process.stdout.write = ((chunk: string) => stream.write(chunk)) as typeof process.stdout.write;
  try {
    const recorder = createJobMetrics(testMetrics('shop'));
    recorder.record({ queue: 'default', type: 'echo', outcome: 'succeeded', durationMs: 12 });
    recorder.flush();
  } finally {
    process.stdout.write = original;
    undo();
  }
  return written.join('');
}

describe('pretty log lines', () => {
  it('turns a Powertools JSON line into one readable line with its fields', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'Job succeeded',
      timestamp: '2026-11-22T20:52:19.293Z',
      service: 'shop',
      sampling_rate: 0,
      job_id: 'j1',
      queue: 'default',
      duration_ms: 12,
      reason: 'two words',
    });
    expect(prettyLogLine(line, false)).toBe(
      '20:52:19.293 INFO     Job succeeded job_id=j1 queue=default duration_ms=12 reason="two words"',
    );
  });

  it("shows the batch's success line as a line per job", () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'Jobs succeeded',
      timestamp: '2026-11-22T20:52:19.293Z',
      service: 'shop',
      queue: 'default',
      jobs: [
        { job_id: 'j1', job_type: 'echo', attempt: 1, duration_ms: 12 },
        { job_id: 'j2', job_type: 'echo', attempt: 2, duration_ms: 3 },
      ],
    });
    expect(prettyLogLine(line, false)?.split('\n')).toEqual([
      '20:52:19.293 INFO     Job succeeded queue=default job_id=j1 job_type=echo attempt=1 duration_ms=12',
      '20:52:19.293 INFO     Job succeeded queue=default job_id=j2 job_type=echo attempt=2 duration_ms=3',
    ]);
  });

  it('escapes control characters in messages, keys and values, keeping only its own colours', () => {
    const hostile = '\u001b[2J\u001b[31m';
    const line = JSON.stringify({
      level: 'ERROR',
      message: `Payload invalid: ${hostile}`,
      timestamp: '2026-11-22T20:52:19.293Z',
      [hostile]: hostile,
      error: { name: 'PayloadValidationError', message: `field ${hostile}` },
    });
    const plain = prettyLogLine(line, false)!;
    expect(plain).not.toContain('\u001b');
    expect(plain).toContain('Payload invalid: \\x1b[2J\\x1b[31m');
    const coloured = prettyLogLine(line, true)!;
    expect(coloured.split('\u001b')).toHaveLength(3); // the level's colour and its reset
  });

  it('leaves anything that is not a JSON log entry alone', () => {
    expect(prettyLogLine('Ready.', false)).toBeUndefined();
    expect(prettyLogLine('{"not":"a log entry"}', false)).toBeUndefined();
    expect(prettyLogLine('{broken', false)).toBeUndefined();
  });

  it('renders the workers\u2019 EMF metric lines readably instead of printing raw JSON between log lines', () => {
    // Act
    const out = prettyWorkerMetrics();
    const lines = out.trim().split('\n');

    // Assess
    expect(lines).toHaveLength(2);
    expect(out).not.toContain('{');
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} METRIC {3}queue=default JobsSucceeded=1 JobDuration=12ms$/,
    );
    expect(lines[1]).toMatch(
      / METRIC {3}queue=default job_type=echo JobsSucceeded=1 JobDuration=12ms$/,
    );
  });

  it('escapes control characters in EMF dimension values and metric names', () => {
    const hostile = '\u001b[2J';
    const line = JSON.stringify({
      _aws: {
        Timestamp: Date.parse('2026-11-22T20:52:19.293Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'shop',
            Dimensions: [['service', 'queue']],
            Metrics: [{ Name: `Jobs${hostile}`, Unit: 'Count' }],
          },
        ],
      },
      service: 'shop',
      queue: hostile,
      [`Jobs${hostile}`]: 2,
    });
    expect(prettyLogLine(line, false)).toBe('20:52:19.293 METRIC   queue=\\x1b[2J Jobs\\x1b[2J=2');
  });
});
