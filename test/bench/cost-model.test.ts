import { describe, expect, it } from 'vitest';
import {
  billedMilliseconds,
  checkRatio,
  costPerMillionJobs,
  costSlices,
  gbSeconds,
  groupingPrice,
  LAMBDA_PLATFORM_LOG_BYTES,
  largePayloadPrice,
  physicalMinimumUsage,
  resendPrice,
} from '../../bench/cost-model.ts';

describe('bench cost model', () => {
  it('prices one million jobs at the published us-east-1 rates', () => {
    // Prepare: 3 SQS requests, 1 invocation of 0.5 GB-s per 10 jobs, 2 writes and 1 read per job
    const usage = {
      sqsRequests: 0.3,
      lambdaInvocations: 0.1,
      lambdaGbSeconds: 0.05,
      writeUnits: 2,
      readUnits: 1,
      logBytes: 0,
      storedBytes: 0,
    };

    // Act
    const cost = costPerMillionJobs(usage, { recordDays: 7, logDays: 30 });

    // Assess
    expect(cost.sqs).toBeCloseTo(0.12, 10);
    expect(cost.lambdaRequests).toBeCloseTo(0.02, 10);
    expect(cost.lambdaCompute).toBeCloseTo(50_000 * 0.0000133334, 10);
    expect(cost.dynamoDbWrites).toBeCloseTo(1.25, 10);
    expect(cost.dynamoDbReads).toBeCloseTo(0.125, 10);
    expect(cost.total).toBeCloseTo(0.12 + 0.02 + 0.66667 + 1.25 + 0.125, 4);
  });

  it('bills each invocation by whole milliseconds, at least one, and counts 1,024 MB as 1 GB', () => {
    expect(billedMilliseconds([0.2, 10.4, 3])).toBe(1 + 11 + 3);
    expect(gbSeconds(2000, 512)).toBe(1);
  });

  it('derives the physical minimum from one send, receive, delete and invocation per batch', () => {
    const usage = physicalMinimumUsage({
      batchSize: 10,
      messageBytes: 250,
      writeUnitsPerJob: 2,
      billedMsPerInvocation: 40,
      memoryMb: 1024,
      storedBytes: 180,
    });

    expect(usage.sqsRequests).toBeCloseTo(0.3, 10);
    expect(usage.lambdaInvocations).toBeCloseTo(0.1, 10);
    expect(usage.lambdaGbSeconds).toBeCloseTo(0.004, 10);
    expect(usage.writeUnits).toBe(2);
    expect(usage.readUnits).toBe(0);
    expect(usage.logBytes).toBeCloseTo(LAMBDA_PLATFORM_LOG_BYTES / 10, 10);
    expect(usage.storedBytes).toBe(180);
  });

  it("bills the floor's send and receive per 64 KB chunk of a batch of large messages", () => {
    // 10 messages of 32 KB: 320 KB, 5 chunks for the send and 5 for the receive, 1 delete.
    const usage = physicalMinimumUsage({
      batchSize: 10,
      messageBytes: 32_768,
      writeUnitsPerJob: 2,
      billedMsPerInvocation: 40,
      memoryMb: 1024,
      storedBytes: 180,
    });

    expect(usage.sqsRequests).toBeCloseTo(1.1, 10);
  });

  it('checks ratios against at-most and at-least goals', () => {
    expect(checkRatio(1.6, 1.4, 'at-most', 1.15)).toMatchObject({ met: true });
    expect(checkRatio(1.7, 1.4, 'at-most', 1.15).met).toBe(false);
    expect(checkRatio(300, 1000, 'at-least', 0.5).met).toBe(false);
    expect(checkRatio(500, 1000, 'at-least', 0.5)).toMatchObject({ ratio: 0.5, met: true });
  });

  it('prices log ingestion per binary gigabyte, and logs and records kept for their retention', () => {
    const nothing = {
      sqsRequests: 0,
      lambdaInvocations: 0,
      lambdaGbSeconds: 0,
      writeUnits: 0,
      readUnits: 0,
    };
    const gigabyteOverMillion = 1024 ** 3 / 1_000_000;
    const month = 365.25 / 12;

    const logs = costPerMillionJobs(
      { ...nothing, logBytes: gigabyteOverMillion, storedBytes: 0 },
      { recordDays: 7, logDays: month },
    );
    const records = costPerMillionJobs(
      { ...nothing, logBytes: 0, storedBytes: gigabyteOverMillion },
      { recordDays: month / 2, logDays: 30 },
    );

    expect(logs.logIngestion).toBeCloseTo(0.5, 10);
    expect(logs.storage).toBeCloseTo(0.03, 10);
    expect(logs.total).toBeCloseTo(0.53, 10);
    expect(records.storage).toBeCloseTo(0.125, 10);
  });

  it('runs the cost jobs in up to five slices of at least 1,000', () => {
    expect([costSlices(10_000), costSlices(2_500), costSlices(300)]).toEqual([5, 2, 1]);
  });
});

describe('the price of a retry or deferral', () => {
  it('counts the re-send (one SendMessage instead of one ChangeMessageVisibility) and the shares of its batches', () => {
    // Act
    const price = resendPrice(10);

    // Assess: 1 SendMessage + 1/10 receive + 1/10 batch delete; before: 1 hide + 1/10 receive.
    expect(price.sqsRequests).toBeCloseTo(1.2, 10);
    expect(price.sqsRequestsBefore).toBeCloseTo(1.1, 10);
    expect(price.usdPerMillion).toBeCloseTo(0.48, 10);
    expect(price.usdPerMillionBefore).toBeCloseTo(0.44, 10);
    expect(price.usdPerMillionScheduled).toBeCloseTo(1.48, 10);
  });
});

describe('large payloads through S3, priced', () => {
  it('costs nothing under the threshold or with largePayloads off', () => {
    expect(largePayloadPrice(2_048, 22, 261_120).usdPerMillion).toBe(0);
    expect(largePayloadPrice(1_048_576, 22, Number.POSITIVE_INFINITY).usdPerMillion).toBe(0);
  });

  it('prices one PUT, one GET and the storage until expiry above it', () => {
    const price = largePayloadPrice(1_048_576, 22, 261_120);
    // 1 MiB × 1e6 = 976.5625 GB kept 22 days at $0.023 per GB-month, plus $5 + $0.40.
    const storage = 976.5625 * (22 / (365.25 / 12)) * 0.023;
    expect(price.usdPerMillion).toBeCloseTo(5 + 0.4 + storage, 6);
    expect(price.usdPerMillionExtraRead).toBeCloseTo(0.4, 9);
  });
});
describe('the price of a FIFO queue and of a fair-queue tenant', () => {
  it('prices FIFO as the measured requests at the FIFO price less the standard one, a tenant key at zero', () => {
    const price = groupingPrice(0.3);
    // 0.3 requests per job × (0.50 − 0.40) $ per million requests.
    expect(price.fifoUsdPerMillion).toBeCloseTo(0.03, 10);
    expect(price.tenantUsdPerMillion).toBe(0);
  });

  it('is zero when no request is made (the feature off adds nothing)', () => {
    expect(groupingPrice(0).fifoUsdPerMillion).toBe(0);
  });
});
