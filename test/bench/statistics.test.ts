import { describe, expect, it } from 'vitest';
import { median, medianRoundRatio } from '../../bench/statistics.ts';

describe('bench statistics', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('compares contenders round by round, so a slow round slows both sides', () => {
    // Prepare: round 2 ran on a busy machine, both contenders at a fifth of their speed
    const samples = [
      { contender: 'a', round: 1, jobsPerSecond: 900 },
      { contender: 'b', round: 1, jobsPerSecond: 1000 },
      { contender: 'a', round: 2, jobsPerSecond: 180 },
      { contender: 'b', round: 2, jobsPerSecond: 200 },
      { contender: 'a', round: 3, jobsPerSecond: 800 },
      { contender: 'b', round: 3, jobsPerSecond: 1000 },
    ];

    // Act
    const ratio = medianRoundRatio(samples, 'a', 'b');

    // Assess
    expect(ratio).toBeCloseTo(0.9, 10);
  });
});
