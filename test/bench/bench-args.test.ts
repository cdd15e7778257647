import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGS, parseBenchArgs } from '../../bench/args.ts';
import { formatRatio, formatTable } from '../../bench/report.ts';
import { LambdaJobsError } from '../../packages/lambda-jobs/src/runtime/errors.ts';

describe('bench arguments and report', () => {
  it('defaults to every benchmark with 10,000 cost jobs', () => {
    expect(parseBenchArgs([])).toEqual(DEFAULT_ARGS);
    expect(DEFAULT_ARGS.jobs).toBe(10_000);
  });

  it('reads --only and --jobs, in either spelling', () => {
    const args = parseBenchArgs(['--only', 'cost,monitor', '--jobs=2000', '--queues', '1,5']);
    expect(args).toMatchObject({ only: ['cost', 'monitor'], jobs: 2000, queueCounts: [1, 5] });
  });

  it('knows the store-write benchmark, run between throughput and cold start by default', () => {
    expect(parseBenchArgs(['--only', 'store-writes']).only).toEqual(['store-writes']);
    expect(parseBenchArgs([]).only).toEqual([
      'cost',
      'throughput',
      'store-writes',
      'cold-start',
      'monitor',
    ]);
  });

  it.each([
    [['--only', 'speed'], '--only'],
    [['--jobs', '0'], '--jobs'],
    [['--rounds'], '--rounds'],
    [['--verbose'], 'Unknown option --verbose'],
  ])('refuses %j naming the flag', (argv, named) => {
    expect(() => parseBenchArgs(argv)).toThrow(LambdaJobsError);
    expect(() => parseBenchArgs(argv)).toThrow(named);
  });

  it('formats a padded Markdown table and ratios', () => {
    expect(formatTable(['a', 'bb'], [['100', '2']])).toBe(
      ['| a   | bb |', '|-----|----|', '| 100 | 2  |'].join('\n'),
    );
    expect(formatRatio(3.6972)).toBe('3.70×');
  });
});
