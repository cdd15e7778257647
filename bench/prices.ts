/**
 * Published us-east-1 prices the cost benchmark converts usage with (free tiers ignored).
 * Each carries where it was read; `docs/benchmarks.md` lists the same sources.
 */
export interface Price {
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

/** The prices, checked 2026-11-22 (storage and the Lambda logs tiers 2026-12-04). */
export const US_EAST_1_PRICES = {
  sqsStandardRequest: {
    usd: 0.4 / 1_000_000,
    unit: 'request (each 64 KB chunk of payload is one request)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  sqsFifoRequest: {
    usd: 0.5 / 1_000_000,
    unit: 'FIFO queue request (each 64 KB chunk of payload is one request)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    unit: 'invocation',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second on Arm (Graviton), first pricing tier',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  dynamoDbWriteRequestUnit: {
    usd: 0.625 / 1_000_000,
    unit: 'on-demand write request unit (1 KB; since the 2024-11-01 price cut)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125 / 1_000_000,
    unit: 'on-demand read request unit (4 KB strongly consistent)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  schedulerInvocation: {
    usd: 1 / 1_000_000,
    unit: 'EventBridge Scheduler invocation (one-time schedule firing)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  cloudWatchLogsIngestedGb: {
    usd: 0.5,
    unit: 'GB of Lambda logs ingested (standard class, first tier: $0.50 up to 10 TB a month, then $0.25, $0.10 and $0.05 per GB)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  cloudWatchLogsStoredGbMonth: {
    usd: 0.03,
    unit: 'GB-month of logs stored (billed compressed; the benchmark counts the uncompressed bytes, an upper bound)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  dynamoDbStoredGbMonth: {
    usd: 0.25,
    unit: 'GB-month of table storage (standard table class; each item and index entry counts 100 bytes more)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  s3PutRequest: {
    usd: 0.005 / 1_000,
    unit: 'S3 Standard PUT request (a large payload stored, largePayloads)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3GetRequest: {
    usd: 0.0004 / 1_000,
    unit: 'S3 Standard GET request (a large payload read, once per delivery that reads it)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3StoredGbMonth: {
    usd: 0.023,
    unit: 'GB-month of S3 Standard storage (first 50 TB)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
} as const satisfies Readonly<Record<string, Price>>;

/** A price list shaped like {@link US_EAST_1_PRICES} (tests and other regions pass their own). */
export type Prices = { readonly [K in keyof typeof US_EAST_1_PRICES]: Price };
