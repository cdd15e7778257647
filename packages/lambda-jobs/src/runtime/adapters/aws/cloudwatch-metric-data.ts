import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { LambdaJobsError } from '../../errors.ts';
import { retryOnThrottling, type ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';

/** GetMetricData accepts at most this many queries (metrics and expressions) per request. */
export const MAX_QUERIES_PER_REQUEST = 500;

/** Pages followed per request batch before giving up (a guard against a looping NextToken). */
const MAX_PAGES_PER_BATCH = 100;

/** One query's datapoints, newest first. */
export interface MetricSeries {
  readonly timestamps: Date[];
  readonly values: number[];
}

/** The time range and retry behaviour of {@link getMetricDataInBatches}. */
export interface MetricDataRange {
  readonly start: Date;
  readonly end: Date;
  readonly retry?: ThrottleRetryOptions;
}

/**
 * Runs any number of GetMetricData queries in as few requests as the 500-query limit allows
 * (`ceil(queries / 500)` requests, plus one per extra page when CloudWatch paginates by
 * NextToken), one request at a time to stay clear of the API's rate limit. Throttling is
 * retried with backoff; a query CloudWatch answers with `InternalError` or `Forbidden` fails
 * the call. A query with no datapoints gets an empty series.
 *
 * @example
 * ```ts
 * const series = await getMetricDataInBatches(cloudwatch, queries, { start, end });
 * series.get('a0')?.values[0]; // newest value of query a0
 * ```
 */
export async function getMetricDataInBatches(
  client: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  range: MetricDataRange,
): Promise<Map<string, MetricSeries>> {
  const series = new Map<string, MetricSeries>();
  for (const query of queries) series.set(query.Id!, { timestamps: [], values: [] });
  for (let offset = 0; offset < queries.length; offset += MAX_QUERIES_PER_REQUEST) {
    const batch = queries.slice(offset, offset + MAX_QUERIES_PER_REQUEST);
    let nextToken: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_PAGES_PER_BATCH) {
        throw new LambdaJobsError(
          `CloudWatch GetMetricData kept paginating after ${MAX_PAGES_PER_BATCH} pages`,
        );
      }
      const token = nextToken;
      const page = await retryOnThrottling(
        () =>
          client.send(
            new GetMetricDataCommand({
              MetricDataQueries: batch,
              StartTime: range.start,
              EndTime: range.end,
              ScanBy: 'TimestampDescending',
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        range.retry,
      );
      for (const result of page.MetricDataResults ?? []) {
        if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
          const detail = (result.Messages ?? []).map((m) => m.Value).join('; ');
          throw new LambdaJobsError(
            `CloudWatch GetMetricData answered ${result.StatusCode} for query ${result.Id}${detail ? `: ${detail}` : ''}`,
          );
        }
        const target = result.Id ? series.get(result.Id) : undefined;
        if (!target) continue;
        target.timestamps.push(...(result.Timestamps ?? []));
        target.values.push(...(result.Values ?? []));
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return series;
}

/**
 * The value at the newest timestamp of a series, or undefined when it has no datapoints.
 *
 * @example
 * ```ts
 * newestValue({ timestamps: [t2, t1], values: [5, 9] }); // 5
 * ```
 */
export function newestValue(series: MetricSeries | undefined): number | undefined {
  if (!series || series.values.length === 0) return undefined;
  let newest = 0;
  for (let i = 1; i < series.values.length; i++) {
    const at = series.timestamps[i]?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (at > (series.timestamps[newest]?.getTime() ?? Number.NEGATIVE_INFINITY)) newest = i;
  }
  return series.values[newest];
}

/** Reads GetMetricData queries; see {@link createSharedMetricDataReader}. */
export interface MetricDataReader {
  read(
    queries: readonly MetricDataQuery[],
    range: Omit<MetricDataRange, 'retry'>,
  ): Promise<Map<string, MetricSeries>>;
}

interface PendingRead {
  readonly queries: readonly MetricDataQuery[];
  readonly range: Omit<MetricDataRange, 'retry'>;
  readonly resolve: (series: Map<string, MetricSeries>) => void;
  readonly reject: (error: unknown) => void;
}

function within(
  series: MetricSeries | undefined,
  range: Omit<MetricDataRange, 'retry'>,
): MetricSeries {
  const timestamps: Date[] = [];
  const values: number[] = [];
  series?.timestamps.forEach((at, i) => {
    // The merged request ends at the latest end asked for; only the start differs per read.
    if (at.getTime() >= range.start.getTime()) {
      timestamps.push(at);
      values.push(series.values[i]!);
    }
  });
  return { timestamps, values };
}

/** Splits reads into groups whose query ids do not collide, keeping their order. */
function disjointGroups(reads: readonly PendingRead[]): PendingRead[][] {
  const groups: { ids: Set<string>; reads: PendingRead[] }[] = [];
  for (const read of reads) {
    const ids = read.queries.map((query) => query.Id!);
    let group = groups.find((g) => ids.every((id) => !g.ids.has(id)));
    if (!group) {
      group = { ids: new Set(), reads: [] };
      groups.push(group);
    }
    for (const id of ids) group.ids.add(id);
    group.reads.push(read);
  }
  return groups.map((g) => g.reads);
}

/**
 * A reader that merges the reads asked for in the same turn of the event loop into one
 * {@link getMetricDataInBatches} call over the union of their time ranges, and hands each
 * read its own queries' datapoints, cut back to its own range. The monitor's oldest-age and
 * completion reads thus share `ceil(all queries / 500)` requests instead of each rounding up.
 * Reads whose query ids collide are not merged.
 *
 * @example
 * ```ts
 * const reader = createSharedMetricDataReader(cloudwatch);
 * const [ages, done] = await Promise.all([reader.read(ageQueries, r1), reader.read(doneQueries, r2)]);
 * ```
 */
export function createSharedMetricDataReader(
  client: CloudWatchClient,
  retry?: ThrottleRetryOptions,
): MetricDataReader {
  let pending: PendingRead[] | undefined;
  async function flush(reads: PendingRead[]): Promise<void> {
    const start = new Date(Math.min(...reads.map((read) => read.range.start.getTime())));
    const end = new Date(Math.max(...reads.map((read) => read.range.end.getTime())));
    try {
      const all = await getMetricDataInBatches(
        client,
        reads.flatMap((read) => read.queries),
        { start, end, ...(retry ? { retry } : {}) },
      );
      for (const read of reads) {
        read.resolve(
          new Map(read.queries.map((query) => [query.Id!, within(all.get(query.Id!), read.range)])),
        );
      }
    } catch (error) {
      for (const read of reads) read.reject(error);
    }
  }
  return {
    read(queries, range) {
      return new Promise((resolve, reject) => {
        if (!pending) {
          const reads: PendingRead[] = [];
          pending = reads;
          setImmediate(() => {
            pending = undefined;
            for (const group of disjointGroups(reads)) void flush(group);
          });
        }
        pending.push({ queries, range, resolve, reject });
      });
    },
  };
}
