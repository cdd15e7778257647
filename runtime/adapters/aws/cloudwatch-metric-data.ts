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
