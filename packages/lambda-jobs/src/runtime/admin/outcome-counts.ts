/**
 * How many jobs finished, per queue and outcome, over a recent window: the overview's cards and
 * its "processed per minute" chart. Counted from the counters the workers update as jobs finish
 * (the CloudWatch metrics they publish on AWS, the same metric events in dev mode), never from
 * job records, so a refresh costs a fixed number of reads whatever the volume.
 */
import type { JobOutcome } from '../observability/job-metrics.ts';

/** The outcomes counted, in the order the dashboard shows them. */
export const COUNTED_OUTCOMES = [
  'succeeded',
  'errored',
  'retried',
  'lost',
  'rejected',
  'deferred',
] as const satisfies readonly JobOutcome[];

export type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];

/** One number per counted outcome. */
export type OutcomeTotals = Readonly<Record<CountedOutcome, number>>;

/** Jobs of one queue that ended one way during one period. */
export interface OutcomeBucket {
  /** ISO 8601: the start of the period. */
  readonly at: string;
  readonly queue: string;
  readonly outcome: CountedOutcome;
  readonly count: number;
}

/** Counts over the last {@link OutcomeHistory.minutes} minutes. */
export interface OutcomeHistory {
  readonly minutes: number;
  /** Length of one bucket: 60 s up to 3 hours, longer beyond (see {@link outcomePeriodSeconds}). */
  readonly periodSeconds: number;
  /** ISO 8601: the window's start, at the whole minute. */
  readonly from: string;
  /** ISO 8601: the window's end (now). */
  readonly to: string;
  /** False when the target has nowhere to read counts from: every number is then 0. */
  readonly known: boolean;
  /** Exact totals per configured queue, every outcome present. */
  readonly totals: Readonly<Record<string, OutcomeTotals>>;
  /** Non-empty buckets, oldest first. */
  readonly buckets: readonly OutcomeBucket[];
}

/**
 * Where the counts come from: CloudWatch on AWS (`cloudwatch-outcome-counts.ts`), dev mode's
 * in-process counter locally (`local/dev-outcome-counter.ts`).
 *
 * @example
 * ```ts
 * const lastDay = await source.history(1440);
 * lastDay.totals.default?.succeeded; // exact, from counters
 * ```
 */
export interface OutcomeCountSource {
  history(minutes: number): Promise<OutcomeHistory>;
}

/** Windows `history` accepts, minutes. */
export const OUTCOME_MINUTES = { min: 1, max: 1440 } as const;

/** At most this many buckets per queue and outcome: the period grows with the window. */
const MAX_BUCKETS = 180;

/**
 * The bucket length for a window: 1 minute up to 3 hours, then a whole number of minutes
 * keeping under {@link MAX_BUCKETS} buckets.
 *
 * @example `outcomePeriodSeconds(60) === 60`, `outcomePeriodSeconds(1440) === 480`
 */
export function outcomePeriodSeconds(minutes: number): number {
  return Math.max(1, Math.ceil(minutes / MAX_BUCKETS)) * 60;
}

/** Every counted outcome at 0. */
export function zeroTotals(): Record<CountedOutcome, number> {
  return { succeeded: 0, errored: 0, retried: 0, lost: 0, rejected: 0, deferred: 0 };
}

/** The window's start: `minutes` before `now`, rounded down to the whole minute (as CloudWatch does). */
export function windowStart(now: Date, minutes: number): Date {
  const start = now.getTime() - minutes * 60_000;
  return new Date(start - (start % 60_000));
}

/** One counted value read from a source, before it is put into periods. */
export interface OutcomeReading {
  readonly at: number;
  readonly queue: string;
  readonly outcome: CountedOutcome;
  readonly count: number;
}

/**
 * Builds an {@link OutcomeHistory} from readings at any resolution: each reading falls in the
 * period that holds its time; readings outside the window or of unknown queues are dropped.
 *
 * @example
 * ```ts
 * outcomeHistory({ minutes: 60, now, queues: ['default'], readings: [{ at: Date.now() - 5000, queue: 'default', outcome: 'succeeded', count: 3 }] });
 * ```
 */
export function outcomeHistory(input: {
  readonly minutes: number;
  readonly now: Date;
  readonly queues: readonly string[];
  readonly readings: Iterable<OutcomeReading>;
  readonly known?: boolean;
}): OutcomeHistory {
  const { minutes, now, queues } = input;
  const periodMs = outcomePeriodSeconds(minutes) * 1000;
  const from = windowStart(now, minutes).getTime();
  const to = now.getTime();
  const totals: Record<string, Record<CountedOutcome, number>> = {};
  for (const queue of queues) totals[queue] = zeroTotals();
  const buckets = new Map<
    string,
    { at: number; queue: string; outcome: CountedOutcome; count: number }
  >();
  for (const reading of input.readings) {
    const queueTotals = totals[reading.queue];
    if (!queueTotals || reading.count <= 0 || reading.at < from || reading.at > to) continue;
    queueTotals[reading.outcome] += reading.count;
    const at = from + Math.floor((reading.at - from) / periodMs) * periodMs;
    const key = `${at}\u0000${reading.queue}\u0000${reading.outcome}`;
    const bucket = buckets.get(key);
    if (bucket) bucket.count += reading.count;
    else
      buckets.set(key, {
        at,
        queue: reading.queue,
        outcome: reading.outcome,
        count: reading.count,
      });
  }
  return {
    minutes,
    periodSeconds: periodMs / 1000,
    from: new Date(from).toISOString(),
    to: now.toISOString(),
    known: input.known ?? true,
    totals,
    buckets: [...buckets.values()]
      .sort((a, b) => a.at - b.at || a.queue.localeCompare(b.queue))
      .map((bucket) => ({ ...bucket, at: new Date(bucket.at).toISOString() })),
  };
}
