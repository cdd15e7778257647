/** One year: the longest delay or `runAt` accepted. */
const MAX_DELAY_SECONDS = 31_536_000;
/** 30 days: the longest safety-net lifetime of a concurrency key beyond its job's delay. */
const MAX_CONCURRENCY_KEY_TTL_SECONDS = 2_592_000;

/** A concurrency key's safety-net lifetime when the config names none: one day. */
export const DEFAULT_CONCURRENCY_KEY_TTL_SECONDS = 86_400;

/**
 * Hard limits on what lambda-jobs accepts, each with its reason. Exceeding one is a
 * {@link JobInputError} naming the field and the limit, raised before anything is sent.
 */
export const LIMITS = {
  /** The queues' MaximumMessageSize (set by the stack): 256 KiB of UTF-8 envelope. */
  maxEnvelopeBytes: 262_144,
  /** SQS DelaySeconds ceiling: 15 minutes. Longer delays go through EventBridge Scheduler. */
  maxSqsDelaySeconds: 900,
  /** One year: the longest delay or `runAt` accepted. */
  maxDelaySeconds: MAX_DELAY_SECONDS,
  /** Characters in a concurrency key (it is part of a DynamoDB key, 2,048 bytes at most). */
  maxConcurrencyKeyLength: 512,
  /** A concurrency key's safety-net lifetime beyond its job's delay (`concurrencyKeyTtlSeconds`). */
  maxConcurrencyKeyTtlSeconds: MAX_CONCURRENCY_KEY_TTL_SECONDS,
  /**
   * The longest a concurrency key can be held: the longest delay plus the longest safety net.
   * A key item whose `expiresAt` lies further ahead was not written by an acquire (a producer
   * may write any value), and the next acquire treats it as free.
   */
  maxConcurrencyKeyLifetimeSeconds: MAX_DELAY_SECONDS + MAX_CONCURRENCY_KEY_TTL_SECONDS,
  /**
   * Job ids: 1–128 of `A-Z a-z 0-9 _ - : .` (cron firings use `<schedule>-<scheduled time>`,
   * so a retried delivery of one firing keeps its id).
   */
  jobIdPattern: /^[A-Za-z0-9_:.-]{1,128}$/,
  /** Job type names: 1–100 of letters, digits, `.`, `_`, `:`, `-`. */
  jobTypePattern: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/,
  /** Retries after the first attempt. */
  maxRetries: 100,
  /** One attempt's timeout: a Lambda function runs 900 s at most. */
  maxTimeoutSeconds: 900,
  /** SendMessageBatch takes 10 entries. */
  sqsBatchSize: 10,
  /**
   * Bytes of message bodies per SendMessageBatch request. SQS refuses a larger request
   * (BatchRequestTooLong). 256 KiB is the limit every region has enforced; SQS bills each
   * 64 KiB of a request as one request, so smaller requests cost nothing more.
   */
  sqsBatchBytes: 262_144,
  /** Job records keep error stacks and outputs up to this many bytes (then truncated). */
  maxStoredTextBytes: 8_192,
  /**
   * Records written on a failure path (a rejected message, a dead-letter intake's ERRORED
   * record) keep the original message up to this size, for retry and redrive.
   */
  maxStoredEnvelopeBytes: 65_536,
  /**
   * Records written on the common path (the QUEUED record, the claim, and so the success) keep
   * the original message only up to this size: with it, the record stays under 1 KB, so each
   * of those writes is one write unit whatever the payload (DynamoDB bills a write by the
   * larger of the item before and after). Larger messages come back from SQS instead
   * (`docs/data-model.md`, "Where the message comes from").
   */
  maxLeanEnvelopeBytes: 256,
  /**
   * A message whose payload went to S3 (`payloadRef`) is kept on the common path up to this
   * size (its reference is what `jobs show` and retries read): such a record may take 2 write
   * units instead of 1 (`docs/large-payloads.md`).
   */
  maxReferenceEnvelopeBytes: 1_536,
} as const;
