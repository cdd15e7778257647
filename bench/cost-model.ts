import { type Prices, US_EAST_1_PRICES } from './prices.ts';

/** What one job consumed, on average. */
export interface JobUsage {
  /** SQS requests as billed (64 KB chunks), every caller together. */
  readonly sqsRequests: number;
  readonly lambdaInvocations: number;
  /** Billed duration × configured memory. */
  readonly lambdaGbSeconds: number;
  /** DynamoDB on-demand write request units (table and indexes). */
  readonly writeUnits: number;
  readonly readUnits: number;
}

/** US dollars per million jobs, by line item. */
export interface CostPerMillionJobs {
  readonly sqs: number;
  readonly lambdaRequests: number;
  readonly lambdaCompute: number;
  readonly dynamoDbWrites: number;
  readonly dynamoDbReads: number;
  readonly total: number;
}

/**
 * Converts per-job usage into dollars per million jobs.
 *
 * @example
 * ```ts
 * costPerMillionJobs({ sqsRequests: 0.3, lambdaInvocations: 0.1, lambdaGbSeconds: 0, writeUnits: 2, readUnits: 0 }).total;
 * // 0.12 + 0.02 + 1.25 = 1.39
 * ```
 */
export function costPerMillionJobs(
  usage: JobUsage,
  prices: Prices = US_EAST_1_PRICES,
): CostPerMillionJobs {
  const million = 1_000_000;
  const sqs = usage.sqsRequests * million * prices.sqsStandardRequest.usd;
  const lambdaRequests = usage.lambdaInvocations * million * prices.lambdaRequest.usd;
  const lambdaCompute = usage.lambdaGbSeconds * million * prices.lambdaArmGbSecond.usd;
  const dynamoDbWrites = usage.writeUnits * million * prices.dynamoDbWriteRequestUnit.usd;
  const dynamoDbReads = usage.readUnits * million * prices.dynamoDbReadRequestUnit.usd;
  return {
    sqs,
    lambdaRequests,
    lambdaCompute,
    dynamoDbWrites,
    dynamoDbReads,
    total: sqs + lambdaRequests + lambdaCompute + dynamoDbWrites + dynamoDbReads,
  };
}

/**
 * Lambda's billed duration of a set of invocations: each rounded up to the next millisecond.
 *
 * @example
 * ```ts
 * billedMilliseconds([0.2, 10.4]); // 1 + 11 = 12
 * ```
 */
export function billedMilliseconds(durationsMs: readonly number[]): number {
  return durationsMs.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)), 0);
}

/**
 * GB-seconds of `billedMs` at `memoryMb` (Lambda counts 1,024 MB as 1 GB).
 *
 * @example
 * ```ts
 * gbSeconds(1000, 512); // 0.5
 * ```
 */
export function gbSeconds(billedMs: number, memoryMb: number): number {
  return (billedMs / 1000) * (memoryMb / 1024);
}

/** Write units: an item under 1 KB; an index entry added; an index entry moved (delete + put). */
const RECORD_WRITE = 1;
const INDEX_PUT = 1;
const INDEX_MOVE = 2;

/**
 * Write units per job of the least any design can write for each tracking level's guarantees
 * (items under 1 KB; the derivation is in docs/benchmarks.md):
 *
 * - `minimal`: at-least-once delivery, a durable result and duplicate suppression need a
 *   conditional claim before running and the result after it: 2 writes on a table without
 *   indexes.
 * - `full`: the same, and every job listed by queue and status from enqueue on: the record at
 *   enqueue with its index entry (1 + 1), then two status changes that each write the record
 *   and move its index entry (1 + 2, twice): 8.
 */
export const MINIMUM_WRITE_UNITS = {
  minimal: 2 * RECORD_WRITE,
  full: RECORD_WRITE + INDEX_PUT + 2 * (RECORD_WRITE + INDEX_MOVE),
} as const;

/** What the physical minimum assumes; see docs/benchmarks.md for the derivation. */
export interface MinimumAssumptions {
  /** Messages per SendMessageBatch, ReceiveMessage, DeleteMessageBatch and invocation (≤ 10). */
  readonly batchSize: number;
  /** DynamoDB write units per job the guarantees need (see MINIMUM_WRITE_UNITS). */
  readonly writeUnitsPerJob: number;
  /** Billed milliseconds of one invocation of the least a handler can do for these guarantees. */
  readonly billedMsPerInvocation: number;
  readonly memoryMb: number;
}

/**
 * The least any SQS + Lambda + DynamoDB design can spend per job for given guarantees: one
 * send, one receive and one delete per batch, one invocation per batch, `writeUnitsPerJob`
 * write units, no reads.
 *
 * @example
 * ```ts
 * physicalMinimumUsage({ batchSize: 10, writeUnitsPerJob: 2, billedMsPerInvocation: 20, memoryMb: 512 });
 * // { sqsRequests: 0.3, lambdaInvocations: 0.1, lambdaGbSeconds: 0.001, writeUnits: 2, readUnits: 0 }
 * ```
 */
export function physicalMinimumUsage(assumptions: MinimumAssumptions): JobUsage {
  const perBatch = 1 / assumptions.batchSize;
  return {
    sqsRequests: 3 * perBatch,
    lambdaInvocations: perBatch,
    lambdaGbSeconds: gbSeconds(assumptions.billedMsPerInvocation, assumptions.memoryMb) * perBatch,
    writeUnits: assumptions.writeUnitsPerJob,
    readUnits: 0,
  };
}

/** A goal and whether a measured ratio meets it. */
export interface GoalCheck {
  readonly ratio: number;
  readonly goal: number;
  readonly direction: 'at-most' | 'at-least';
  readonly met: boolean;
}

/**
 * Compares `measured / baseline` with a goal ratio.
 *
 * @example
 * ```ts
 * checkRatio(5.1, 1.4, 'at-most', 1.15).met; // false
 * ```
 */
export function checkRatio(
  measured: number,
  baseline: number,
  direction: GoalCheck['direction'],
  goal: number,
): GoalCheck {
  const ratio = baseline === 0 ? Number.POSITIVE_INFINITY : measured / baseline;
  const met = direction === 'at-most' ? ratio <= goal : ratio >= goal;
  return { ratio, goal, direction, met };
}

/** AWS bills data in binary gigabytes. */
const BYTES_PER_GB = 1024 ** 3;

/**
 * Dollars per million jobs for log ingestion, from bytes written per job.
 *
 * @example
 * ```ts
 * logCostPerMillionJobs(1073.741824); // 1e6 jobs × 1,073.74 bytes = 1 GB → $0.50
 * ```
 */
export function logCostPerMillionJobs(
  bytesPerJob: number,
  prices: Prices = US_EAST_1_PRICES,
): number {
  return ((bytesPerJob * 1_000_000) / BYTES_PER_GB) * prices.cloudWatchLogsIngestedGb.usd;
}

/**
 * How many slices `jobs` run in: up to 5, at least 1,000 jobs each.
 *
 * @example
 * ```ts
 * costSlices(10_000); // 5
 * costSlices(2_000); // 2
 * ```
 */
export function costSlices(jobs: number): number {
  return Math.min(5, Math.max(1, Math.floor(jobs / 1000)));
}

/** What one retry or deferral costs in requests, now and with the hide it replaced. */
export interface ResendPrice {
  /**
   * SQS requests one retry or deferral adds: the re-send (SendMessage), and the new message's
   * share of a ReceiveMessage and of the DeleteMessageBatch that also deletes the old one.
   */
  readonly sqsRequests: number;
  /** The same for the hide it replaced: ChangeMessageVisibility and a share of a receive. */
  readonly sqsRequestsBefore: number;
  /** US dollars per million retries or deferrals delayed up to 900 s (SQS DelaySeconds). */
  readonly usdPerMillion: number;
  readonly usdPerMillionBefore: number;
  /** Delayed beyond 900 s: the scheduler's invocation, its SendMessage and the same shares. */
  readonly usdPerMillionScheduled: number;
}

/**
 * Prices one retry or deferral, the job's own run and record writes aside (the claim and the
 * outcome are written as before). A retry used to hide its message (ChangeMessageVisibility),
 * which spent one of the queue's `maxReceiveCount` receives; it now sends the message again:
 * one SendMessage instead, and the old message rides in a batch delete.
 *
 * @example
 * ```ts
 * resendPrice(10).sqsRequests; // 1 + 0.1 + 0.1 = 1.2 (was 1.1)
 * ```
 */
export function resendPrice(batchSize: number, prices: Prices = US_EAST_1_PRICES): ResendPrice {
  const share = 1 / batchSize;
  const sqsRequests = 1 + 2 * share;
  const sqsRequestsBefore = 1 + share;
  const perMillion = (requests: number) => requests * 1_000_000 * prices.sqsStandardRequest.usd;
  return {
    sqsRequests,
    sqsRequestsBefore,
    usdPerMillion: perMillion(sqsRequests),
    usdPerMillionBefore: perMillion(sqsRequestsBefore),
    usdPerMillionScheduled: perMillion(sqsRequests) + 1_000_000 * prices.schedulerInvocation.usd,
  };
}
