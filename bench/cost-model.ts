import { type Prices, US_EAST_1_PRICES } from './prices.ts';
import { billedSqsRequests } from './request-counter.ts';

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
  /**
   * Bytes ingested into CloudWatch Logs: the handler's lines and EMF documents, and the job's
   * share of the START, END and REPORT lines Lambda writes for each invocation.
   */
  readonly logBytes: number;
  /** Bytes the job's record and index entries occupy in DynamoDB while retained (with overhead). */
  readonly storedBytes: number;
}

/** How long what a job leaves behind is kept, days. */
export interface Retention {
  /** Job records (`JOBS_RESULTS_RETENTION`; the TTL deletes them, free). */
  readonly recordDays: number;
  /** The functions' log groups (the construct's `logRetention`). */
  readonly logDays: number;
}

/** US dollars per million jobs, by line item. */
export interface CostPerMillionJobs {
  readonly sqs: number;
  readonly lambdaRequests: number;
  readonly lambdaCompute: number;
  readonly dynamoDbWrites: number;
  readonly dynamoDbReads: number;
  readonly logIngestion: number;
  /** Logs and records kept for their retention period. */
  readonly storage: number;
  readonly total: number;
}

/** AWS bills data in binary gigabytes. */
const BYTES_PER_GB = 1024 ** 3;
/** Storage is billed per GB-month; a month is 365.25 / 12 days. */
const DAYS_PER_MONTH = 365.25 / 12;

/**
 * Converts per-job usage into dollars per million jobs, storage for the retention periods
 * included.
 *
 * @example
 * ```ts
 * costPerMillionJobs({ sqsRequests: 0.3, lambdaInvocations: 0.1, lambdaGbSeconds: 0, writeUnits: 2, readUnits: 0, logBytes: 0, storedBytes: 0 }, { recordDays: 7, logDays: 30 }).total;
 * // 0.12 + 0.02 + 1.25 = 1.39
 * ```
 */
export function costPerMillionJobs(
  usage: JobUsage,
  retention: Retention,
  prices: Prices = US_EAST_1_PRICES,
): CostPerMillionJobs {
  const million = 1_000_000;
  const gigabytes = (bytesPerJob: number) => (bytesPerJob * million) / BYTES_PER_GB;
  const sqs = usage.sqsRequests * million * prices.sqsStandardRequest.usd;
  const lambdaRequests = usage.lambdaInvocations * million * prices.lambdaRequest.usd;
  const lambdaCompute = usage.lambdaGbSeconds * million * prices.lambdaArmGbSecond.usd;
  const dynamoDbWrites = usage.writeUnits * million * prices.dynamoDbWriteRequestUnit.usd;
  const dynamoDbReads = usage.readUnits * million * prices.dynamoDbReadRequestUnit.usd;
  const logIngestion = gigabytes(usage.logBytes) * prices.cloudWatchLogsIngestedGb.usd;
  const storage =
    gigabytes(usage.logBytes) *
      (retention.logDays / DAYS_PER_MONTH) *
      prices.cloudWatchLogsStoredGbMonth.usd +
    gigabytes(usage.storedBytes) *
      (retention.recordDays / DAYS_PER_MONTH) *
      prices.dynamoDbStoredGbMonth.usd;
  return {
    sqs,
    lambdaRequests,
    lambdaCompute,
    dynamoDbWrites,
    dynamoDbReads,
    logIngestion,
    storage,
    total:
      sqs +
      lambdaRequests +
      lambdaCompute +
      dynamoDbWrites +
      dynamoDbReads +
      logIngestion +
      storage,
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
 * (records without the payload, so under 1 KB whatever its size; docs/benchmarks.md):
 *
 * - `minimal`: at-least-once delivery, a job never run twice and its outcome recorded need a
 *   conditional claim before running and the outcome after it: 2 writes, no index.
 * - `full`: the same, and every job listed by queue and status from enqueue on, at one write
 *   unit per index entry: the record at enqueue with its index entry (1 + 1), then two status
 *   changes that each write the record and move its index entry (1 + 2, twice): 8.
 */
export const MINIMUM_WRITE_UNITS = {
  minimal: 2 * RECORD_WRITE,
  full: RECORD_WRITE + INDEX_PUT + 2 * (RECORD_WRITE + INDEX_MOVE),
} as const;

/** DynamoDB counts this many bytes more for each item and each index entry it stores. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;

/** A request id as Lambda writes it in its platform lines. */
const SAMPLE_REQUEST_ID = '8f5e2c3a-1b4d-4e6f-9a0b-7c8d9e0f1a2b';

/**
 * Bytes of the START, END and REPORT lines Lambda writes to the function's log group for each
 * invocation (text log format, as the construct deploys), with typical figures in REPORT.
 */
export const LAMBDA_PLATFORM_LOG_BYTES = Buffer.byteLength(
  [
    `START RequestId: ${SAMPLE_REQUEST_ID} Version: $LATEST\n`,
    `END RequestId: ${SAMPLE_REQUEST_ID}\n`,
    `REPORT RequestId: ${SAMPLE_REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 98 MB\t\n`,
  ].join(''),
);

/** What the floor assumes; see docs/benchmarks.md for the derivation. */
export interface MinimumAssumptions {
  /** Messages per SendMessageBatch, ReceiveMessage, DeleteMessageBatch and invocation (≤ 10). */
  readonly batchSize: number;
  /** Bytes of one message: the job's payload with its id and type. */
  readonly messageBytes: number;
  /** DynamoDB write units per job the guarantees need (see MINIMUM_WRITE_UNITS). */
  readonly writeUnitsPerJob: number;
  /** Billed milliseconds of one invocation of the least a handler can do for these guarantees. */
  readonly billedMsPerInvocation: number;
  readonly memoryMb: number;
  /** Bytes stored per job: the records and index entries the guarantees need, with overhead. */
  readonly storedBytes: number;
}

/**
 * The least any SQS + Lambda + DynamoDB design can spend per job for given guarantees: its
 * share of one send, one receive and one delete per batch (sends and receives billed by 64 KB
 * chunk), its share of one invocation and of Lambda's own log lines, `writeUnitsPerJob` write
 * units, no reads, no log line of its own, and what its records occupy while retained.
 *
 * @example
 * ```ts
 * physicalMinimumUsage({ batchSize: 10, messageBytes: 200, writeUnitsPerJob: 2, billedMsPerInvocation: 20, memoryMb: 512, storedBytes: 180 });
 * // { sqsRequests: 0.3, lambdaInvocations: 0.1, lambdaGbSeconds: 0.001, writeUnits: 2, … }
 * ```
 */
export function physicalMinimumUsage(assumptions: MinimumAssumptions): JobUsage {
  const perBatch = 1 / assumptions.batchSize;
  const carried = billedSqsRequests(assumptions.batchSize * assumptions.messageBytes);
  return {
    sqsRequests: (2 * carried + 1) * perBatch,
    lambdaInvocations: perBatch,
    lambdaGbSeconds: gbSeconds(assumptions.billedMsPerInvocation, assumptions.memoryMb) * perBatch,
    writeUnits: assumptions.writeUnitsPerJob,
    readUnits: 0,
    logBytes: LAMBDA_PLATFORM_LOG_BYTES * perBatch,
    storedBytes: assumptions.storedBytes,
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

/** What a job whose payload goes through S3 (`largePayloads`) adds, per million such jobs. */
export interface LargePayloadPrice {
  /** Bytes of payload JSON priced. */
  readonly payloadBytes: number;
  /** Days the object is kept (the bucket's lifecycle, `payloadExpiryDays`). */
  readonly expiryDays: number;
  /** US dollars per million jobs: one PutObject, one GetObject, storage until expiry. */
  readonly usdPerMillion: number;
  /** Each further delivery that reads it (a retry, a deferral, a redrive): one GetObject. */
  readonly usdPerMillionExtraRead: number;
}

/**
 * Prices the claim check for one payload size: zero when the job's message stays under
 * `thresholdBytes` (or `largePayloads` is off: pass `thresholdBytes` Infinity), else one PUT at
 * enqueue, one GET per delivery and the object stored for `expiryDays` (it is never deleted
 * earlier: a retry or redrive may need it).
 *
 * @example
 * ```ts
 * largePayloadPrice(1_048_576, 22, 261_120).usdPerMillion; // 5 + 0.4 + 16.6 ≈ 22.0
 * largePayloadPrice(2_048, 22, 261_120).usdPerMillion; // 0
 * ```
 */
export function largePayloadPrice(
  payloadBytes: number,
  expiryDays: number,
  thresholdBytes: number,
  prices: Prices = US_EAST_1_PRICES,
): LargePayloadPrice {
  const million = 1_000_000;
  if (payloadBytes <= thresholdBytes) {
    return { payloadBytes, expiryDays, usdPerMillion: 0, usdPerMillionExtraRead: 0 };
  }
  const storage =
    ((payloadBytes * million) / BYTES_PER_GB) *
    (expiryDays / DAYS_PER_MONTH) *
    prices.s3StoredGbMonth.usd;
  const get = million * prices.s3GetRequest.usd;
  return {
    payloadBytes,
    expiryDays,
    usdPerMillion: million * prices.s3PutRequest.usd + get + storage,
    usdPerMillionExtraRead: get,
  };
}
/** What a queue's kind adds per job: a FIFO queue, and a tenant key on a standard queue. */
export interface GroupingPrice {
  /** SQS requests per job the figure is priced on (the `full` contender's, measured). */
  readonly sqsRequestsPerJob: number;
  /**
   * US dollars per million jobs a FIFO queue adds: the same requests at the FIFO price. Its
   * retries keep their message (a hide instead of a re-send), which costs no more. 0 when off.
   */
  readonly fifoUsdPerMillion: number;
  /**
   * US dollars per million jobs a `tenantKey` adds on a standard queue: 0 (a MessageGroupId is
   * free; fair queues cost nothing more), and 0 when off.
   */
  readonly tenantUsdPerMillion: number;
}

/**
 * Prices FIFO queues and fair-queue tenants per million jobs, from the SQS requests a job took.
 *
 * @example
 * ```ts
 * groupingPrice(0.31).fifoUsdPerMillion; // 0.31 × 1,000,000 × (0.50 − 0.40) / 1,000,000 = 0.031
 * ```
 */
export function groupingPrice(
  sqsRequestsPerJob: number,
  prices: Prices = US_EAST_1_PRICES,
): GroupingPrice {
  const extraPerRequest = prices.sqsFifoRequest.usd - prices.sqsStandardRequest.usd;
  return {
    sqsRequestsPerJob,
    fifoUsdPerMillion: sqsRequestsPerJob * 1_000_000 * extraPerRequest,
    tenantUsdPerMillion: 0,
  };
}
