import type { Logger } from '@aws-lambda-powertools/logger';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JobRecord } from './job-record.ts';
import type { PayloadSchema } from './payload-schema.ts';
import type { RetryDelay } from './retry-policy.ts';

/** What `run` receives beside its payload. */
export interface JobContext {
  readonly jobId: string;
  readonly type: string;
  readonly queue: string;
  /** 1 for the first attempt; deferrals do not count. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Fires at the job's deadline (its timeout, or before the Lambda's own). Pass it to `fetch`. */
  readonly signal: AbortSignal;
  readonly deadline: Date;
  readonly enqueuedAt: Date;
  /** Powertools Logger child carrying job_id, job_type, queue and attempt. */
  readonly logger: Logger;
  /**
   * Records how far the job has got, shown on the running job by `jobs show` and the
   * dashboard: a fraction from 0 to 1 and an optional note (200 characters at most). Written
   * at most every 5 s and 20 times per attempt (the latest report wins); a failed write is
   * logged, never thrown.
   *
   * @example
   * ```ts
   * await ctx.progress(i / rows.length, `${i} of ${rows.length} rows`);
   * ```
   */
  progress(fraction: number, note?: string): Promise<void>;
}

/**
 * Why `onAborted` was called: the record as it was written. LOST: the last attempt was lost;
 * RETRYING with `willRetry`: an attempt was lost and the job runs again (plain.jobs: the hook
 * fires before any retry runs); CANCELLED: cancelled while waiting.
 */
export interface AbortInfo {
  readonly record: JobRecord;
  /** The attempt that was lost (attempts counted so far; 0 for a job cancelled before it ran). */
  readonly attempt: number;
  /** Attempts allowed (retries + 1). */
  readonly maxAttempts: number;
  /** True when the job will run again (a lost attempt with attempts left). */
  readonly willRetry: boolean;
}

/** Defaults a job type sets and every enqueue may override. */
export interface JobDefaults<Payload> {
  /** Queue name from the config. Default `default`. */
  readonly queue?: string;
  /** Retries after the first attempt fails (so `retries: 3` is up to 4 attempts). Default 3. */
  readonly retries?: number;
  /** Delay before each retry. Default exponential from 2 s to 5 min with jitter. */
  readonly retryDelay?: RetryDelay;
  /** Seconds one attempt may run; must fit in the queue's function timeout. Default 30. */
  readonly timeoutSeconds?: number;
  /**
   * While a job with this key is queued or running, another enqueue with the same key is
   * skipped (`enqueue` returns null). A value, or a function of the payload.
   */
  readonly concurrencyKey?: string | ((payload: Payload) => string | undefined);
  /**
   * On a FIFO queue: the message group of a job (`MessageGroupId`), 1–128 characters of
   * letters, digits and ASCII punctuation. Jobs of one group run one at a time, in the order
   * they were enqueued; jobs of different groups run side by side. Default: the job type (all
   * jobs of the type in one order). Not used on a standard queue.
   */
  readonly groupKey?: (payload: Payload) => string;
  /**
   * On a standard queue: the tenant a job belongs to, sent as its `MessageGroupId` so that SQS
   * fair queues keep one tenant's backlog from delaying the others' jobs
   * (`docs/fifo-and-fair-queues.md`). Same characters as `groupKey`. Not used on a FIFO queue.
   */
  readonly tenantKey?: (payload: Payload) => string;
}

/** What `defineJob` takes. */
export interface JobSpec<S extends PayloadSchema, Output>
  extends JobDefaults<StandardSchemaV1.InferInput<S>> {
  /** Stable name stored in every message; never rename a type with messages in flight. */
  readonly type: string;
  /** Validated at enqueue and again at dispatch. Any Standard Schema validator. */
  readonly schema: S;
  /** The work. Its resolved value is kept as the job's output (if small). */
  readonly run: (
    payload: StandardSchemaV1.InferOutput<S>,
    ctx: JobContext,
  ) => Promise<Output> | Output;
  /** Called before enqueue; return false to skip (enqueue returns null, nothing sent). */
  readonly shouldEnqueue?: (
    payload: StandardSchemaV1.InferInput<S>,
    info: { readonly concurrencyKey: string | undefined },
  ) => boolean | Promise<boolean>;
  /**
   * Called when the job ends without `run` being able to observe it: LOST (its worker died
   * mid-run) or CANCELLED. Errors it throws are caught and logged; they never block the record.
   * `payload` is undefined when the message was larger than the record keeps.
   */
  readonly onAborted?: (
    payload: StandardSchemaV1.InferOutput<S> | undefined,
    info: AbortInfo,
  ) => Promise<void> | void;
  /** Log payloads and show them in the CLI and dashboard. Default false (payloads may be personal data). */
  readonly exposePayload?: boolean;
}

/** A registered job type. Create with {@link defineJob}. */
export interface JobDefinition<S extends PayloadSchema = PayloadSchema, Output = unknown>
  extends JobSpec<S, Output> {
  /** Where it was defined (`file:line`), to name both sides of a duplicate type. */
  readonly definedAt: string;
}

/** Any job definition, whatever its payload. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds definitions of every payload type
export type AnyJobDefinition = JobDefinition<any, any>;

/** The payload type `enqueue` accepts for a job definition. */
export type PayloadOf<J> =
  J extends JobDefinition<infer S, unknown> ? StandardSchemaV1.InferInput<S> : never;

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_RETRIES = 3;
export const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * The `file:line` of the frame `depth` levels up from where `site` was created. Reading
 * `stack` formats it (through the source map, under --enable-source-maps), so it is read only
 * when a location is asked for, never at cold start.
 */
function locationIn(site: Error, depth: number): string {
  const line = site.stack?.split('\n')[depth + 1]?.trim() ?? '';
  const match = /\(?([^()\s]+:\d+):\d+\)?$/.exec(line);
  return match?.[1]?.replace(/^file:\/\//, '') ?? 'unknown location';
}

/**
 * Defines a job type: its stable name, payload schema, work and defaults. Payload types flow
 * from the schema to `run` and to `enqueue` with no casts.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * export const sendWelcome = defineJob({
 *   type: 'send-welcome',
 *   schema: z.object({ userId: z.string() }),
 *   retries: 5,
 *   concurrencyKey: (p) => `welcome:${p.userId}`,
 *   async run({ userId }, ctx) { ctx.logger.info('sending', { userId }); },
 * });
 * ```
 */
export function defineJob<S extends PayloadSchema, Output = void>(
  spec: JobSpec<S, Output>,
): JobDefinition<S, Output> {
  const site = new Error();
  let definedAt: string | undefined;
  return Object.freeze(
    Object.defineProperty({ ...spec } as JobDefinition<S, Output>, 'definedAt', {
      enumerable: true,
      get: () => {
        definedAt ??= locationIn(site, 1);
        return definedAt;
      },
    }),
  );
}
