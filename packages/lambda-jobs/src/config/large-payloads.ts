import type { ConfigProblem } from './config-error.ts';

/**
 * Large payloads through S3 (the claim check, `docs/large-payloads.md`): a job whose message
 * would exceed `thresholdBytes` is stored as an object in the stack's payload bucket, and its
 * message carries a reference (`payloadRef`) instead of the payload.
 */
export interface LargePayloadsConfig {
  /** Creates the payload bucket and offloads large payloads. Default false: over 256 KiB is refused. */
  readonly enabled: boolean;
  /**
   * Envelopes (UTF-8 bytes of the message body) above this go through S3. Default 261,120
   * (255 KiB): just under the queues' 256 KiB MaximumMessageSize, leaving 1 KiB for the message
   * attributes the worker adds when it sends a job on (retries, deferrals).
   */
  readonly thresholdBytes: number;
  /** The largest payload accepted, bytes of JSON. Default 16 MiB. Above it: `JobInputError`. */
  readonly maxBytes: number;
  /**
   * The longest `delay` (or `runAt`) of a job whose payload goes through S3, seconds. Default 7
   * days. The bucket keeps each object this long plus the longer of the job-record retention
   * and the DLQ's 14 days, plus a day ({@link payloadExpiryDays}); a longer delay is refused at
   * enqueue, as its object could expire before the job runs.
   */
  readonly maxDelaySeconds: number;
}

/** Defaults of {@link LargePayloadsConfig}, each with its reason. */
export const LARGE_PAYLOAD_DEFAULTS = {
  enabled: false,
  /** 256 KiB (the queues' MaximumMessageSize) minus 1 KiB for message attributes. */
  thresholdBytes: 261_120,
  /**
   * 16 MiB of JSON: the worker holds a batch's payloads in memory at once (up to 10 records at a
   * time, each parsed to objects several times its size), so a 512 MB worker stays far from its
   * limit.
   */
  maxBytes: 16_777_216,
  /** 7 days: longer waits keep every object longer (S3 storage is billed per GB-month). */
  maxDelaySeconds: 604_800,
  /** The DLQs keep messages 14 days (SQS's longest retention), and redrive may need the object. */
  deadLetterRetentionSeconds: 1_209_600,
  /** A day beyond the need: lifecycle runs once a day and rounds to midnight UTC. */
  expiryMarginDays: 1,
  /** The largest `maxBytes` a config may set: 256 MiB, a single S3 PutObject and a 10 GB worker. */
  maxBytesCeiling: 268_435_456,
  /** Messages larger than the queues' 256 KiB cannot be sent: the threshold may not exceed it. */
  thresholdCeiling: 262_144,
  /** A reference envelope is about 400 bytes: a threshold below 1 KiB would offload them too. */
  thresholdFloor: 1_024,
} as const;

/** The config's `largePayloads` with every default applied. */
export function resolveLargePayloads(
  input: Partial<LargePayloadsConfig> | undefined,
): LargePayloadsConfig {
  return {
    enabled: input?.enabled ?? LARGE_PAYLOAD_DEFAULTS.enabled,
    thresholdBytes: input?.thresholdBytes ?? LARGE_PAYLOAD_DEFAULTS.thresholdBytes,
    maxBytes: input?.maxBytes ?? LARGE_PAYLOAD_DEFAULTS.maxBytes,
    maxDelaySeconds: input?.maxDelaySeconds ?? LARGE_PAYLOAD_DEFAULTS.maxDelaySeconds,
  };
}

/**
 * Days after which the bucket's lifecycle deletes a payload object: the longest a job may wait
 * (`maxDelaySeconds`), plus the longer of the job-record retention (`jobs retry` re-sends a
 * finished job's message) and the DLQ's 14 days (`dlq redrive`), plus a day.
 *
 * @example `payloadExpiryDays(604_800, 604_800) === 22` // 7 d wait + 14 d DLQ + 1 d
 */
export function payloadExpiryDays(
  maxDelaySeconds: number,
  resultsRetentionSeconds: number,
): number {
  const kept = Math.max(resultsRetentionSeconds, LARGE_PAYLOAD_DEFAULTS.deadLetterRetentionSeconds);
  return Math.ceil((maxDelaySeconds + kept) / 86_400) + LARGE_PAYLOAD_DEFAULTS.expiryMarginDays;
}

/**
 * What is wrong with a resolved `largePayloads`, each naming the field, the value and the rule.
 *
 * @example `largePayloadProblems({ enabled: true, thresholdBytes: 300_000, maxBytes: 1 })` names both fields
 */
export function largePayloadProblems(config: LargePayloadsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (typeof config.enabled !== 'boolean') {
    problems.push({
      field: 'largePayloads.enabled',
      value: config.enabled,
      rule: 'must be true or false',
    });
  }
  const { thresholdFloor, thresholdCeiling, maxBytesCeiling } = LARGE_PAYLOAD_DEFAULTS;
  if (
    !Number.isInteger(config.thresholdBytes) ||
    config.thresholdBytes < thresholdFloor ||
    config.thresholdBytes > thresholdCeiling
  ) {
    problems.push({
      field: 'largePayloads.thresholdBytes',
      value: config.thresholdBytes,
      rule: `must be a whole number of bytes from ${thresholdFloor} to ${thresholdCeiling} (the queues' MaximumMessageSize)`,
    });
  }
  if (
    !Number.isInteger(config.maxBytes) ||
    config.maxBytes < config.thresholdBytes ||
    config.maxBytes > maxBytesCeiling
  ) {
    problems.push({
      field: 'largePayloads.maxBytes',
      value: config.maxBytes,
      rule: `must be a whole number of bytes from largePayloads.thresholdBytes to ${maxBytesCeiling}`,
    });
  }
  if (
    !Number.isInteger(config.maxDelaySeconds) ||
    config.maxDelaySeconds < 0 ||
    config.maxDelaySeconds > 31_536_000
  ) {
    problems.push({
      field: 'largePayloads.maxDelaySeconds',
      value: config.maxDelaySeconds,
      rule: 'must be a whole number of seconds from 0 to 31536000 (one year)',
    });
  }
  return problems;
}
