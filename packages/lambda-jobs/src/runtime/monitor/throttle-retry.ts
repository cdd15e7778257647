/**
 * Bounded retry with backoff for throttled AWS calls. The SDK retries too, but a monitor that
 * reads hundreds of queues a minute can outlast its retry budget in a burst; one more bounded
 * layer per call keeps a brief throttle from costing a queue's report.
 */

/** How {@link retryOnThrottling} waits and how often it tries. */
export interface ThrottleRetryOptions {
  /** Tries in all, the first included. Default 4. */
  readonly attempts?: number;
  /** First backoff ceiling, milliseconds; doubles each retry. Default 200. */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling, milliseconds. Default 3,000. */
  readonly maxDelayMs?: number;
  /** Waits `ms` (tests pass a fake). Default `setTimeout`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1, for full jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** Error names AWS services use for "slow down" (SQS, CloudWatch, DynamoDB, STS, …). */
const THROTTLING_ERROR_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

/**
 * True when an AWS SDK error says the caller is being throttled: by name, by the SDK's own
 * `$retryable.throttling` flag, or by HTTP 429.
 *
 * @example
 * ```ts
 * isThrottlingError(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })); // true
 * ```
 */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as {
    name?: unknown;
    $retryable?: { throttling?: unknown };
    $metadata?: { httpStatusCode?: unknown };
  };
  return (
    (typeof candidate.name === 'string' && THROTTLING_ERROR_NAMES.has(candidate.name)) ||
    candidate.$retryable?.throttling === true ||
    candidate.$metadata?.httpStatusCode === 429
  );
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation`, retrying only throttling errors, with exponential backoff and full jitter,
 * at most `attempts` times in all. Any other error, or the last throttle, is thrown as is.
 *
 * @example
 * ```ts
 * const out = await retryOnThrottling(() => sqs.send(new GetQueueAttributesCommand(input)));
 * ```
 */
export async function retryOnThrottling<T>(
  operation: () => Promise<T>,
  options: ThrottleRetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 3000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isThrottlingError(error)) throw error;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * ceiling));
    }
  }
}
