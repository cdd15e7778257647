/** One measured rate of one contender in one round. */
export interface RoundSample {
  readonly contender: string;
  readonly round: number;
  readonly jobsPerSecond: number;
}

/**
 * The middle value (mean of the two middle values for an even count).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The median over rounds of `contender`'s rate divided by `baseline`'s rate in the same round.
 *
 * @example
 * ```ts
 * medianRoundRatio(samples, 'lambda-jobs', 'powertools'); // 0.92
 * ```
 */
export function medianRoundRatio(
  samples: readonly RoundSample[],
  contender: string,
  baseline: string,
): number {
  const rounds = [...new Set(samples.map((s) => s.round))];
  const ratios = rounds.flatMap((round) => {
    const a = samples.find((s) => s.round === round && s.contender === contender);
    const b = samples.find((s) => s.round === round && s.contender === baseline);
    return a && b ? [a.jobsPerSecond / b.jobsPerSecond] : [];
  });
  return median(ratios);
}
