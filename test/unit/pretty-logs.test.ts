import { describe, expect, it } from 'vitest';
import { prettyLogLine } from '../../packages/lambda-jobs/src/local/pretty-logs.ts';

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
});
