import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LambdaJobsError } from '../../runtime/errors.ts';

/** Account id the local event source puts in ARNs (the one AWS uses in its own examples). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Optional details of the function a local invocation pretends to be. */
export interface LambdaContextOptions {
  /** `memoryLimitInMB`, as the function's configuration would give it. Default 512. */
  readonly memoryLimitMb?: number;
  /** Region in `invokedFunctionArn`. Default `AWS_REGION`, then `us-east-1`. */
  readonly region?: string;
  /** Account in `invokedFunctionArn`. Default {@link LOCAL_ACCOUNT_ID}. */
  readonly accountId?: string;
  /** Request id; a fresh UUID by default, as Lambda gives every invocation. */
  readonly awsRequestId?: string;
}

/**
 * A Lambda `Context` shaped like the one the Node.js runtime passes to a handler: a fresh
 * `awsRequestId`, the function's name, ARN, memory and log names, and
 * `getRemainingTimeInMillis()` counting down from `timeoutMs` starting now (never below 0).
 * The deprecated callback methods (`done`, `succeed`, `fail`) throw: handlers here return promises.
 *
 * @example
 * ```ts
 * const context = lambdaContext('test-default-worker', 60_000);
 * await handler(event, context); // context.getRemainingTimeInMillis() ≈ 60000 at the start
 * ```
 */
export function lambdaContext(
  functionName: string,
  timeoutMs: number,
  options: LambdaContextOptions = {},
): Context {
  const deadline = Date.now() + timeoutMs;
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const unsupported = (method: string) => () => {
    throw new LambdaJobsError(
      `context.${method}() is not supported by the local event source: return a promise from the handler`,
    );
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitMb ?? 512),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: logStreamName(new Date()),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/** `2026/11/22/[$LATEST]0123…`: the form Lambda gives each execution environment's stream. */
function logStreamName(now: Date): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[$LATEST]${randomBytes(16).toString('hex')}`;
}
