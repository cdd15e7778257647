import { Logger } from '@aws-lambda-powertools/logger';
import type { QueueEndpoints } from '../config/env.ts';
import {
  bodyBytes,
  ENVELOPE_VERSION,
  type EnvelopeOptions,
  type JobEnvelope,
  leanEnvelope,
  serializeEnvelope,
  type TraceContext,
} from './envelope.ts';
import {
  JobInputError,
  JobStateConflictError,
  UnknownJobTypeError,
  UnknownQueueError,
} from './errors.ts';
import { cancelWaitingJob, type JobCancelDeps } from './job-cancel.ts';
import { RECORDING_MARGIN_SECONDS } from './job-config-checks.ts';
import {
  type AnyJobDefinition,
  DEFAULT_QUEUE,
  DEFAULT_TIMEOUT_SECONDS,
  type PayloadOf,
} from './job-definition.ts';
import { newJobId } from './job-id.ts';
import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import { DEFAULT_CONCURRENCY_KEY_TTL_SECONDS, LIMITS } from './limits.ts';
import {
  delayNeedsScheduler,
  enqueueRouting,
  isFifoQueueUrl,
  type MessageRouting,
} from './message-group.ts';
import { type SendSpan, startSendSpan } from './observability/job-tracing.ts';
import {
  type LargePayloadPolicy,
  type OffloadedPayload,
  offloadPayload,
} from './payload-offload.ts';
import { validatePayload } from './payload-schema.ts';
import type { ConcurrencyKeyStore, DelayedDelivery, JobStore, QueueTransport } from './ports.ts';
import { timeoutMisfit } from './queue-fit.ts';
import type { JobRegistry } from './registry.ts';
import { sqsSendBatches } from './sqs-send-batches.ts';

/** Per-enqueue overrides of a job type's defaults. */
export interface EnqueueOptions {
  /** Queue name from the config. */
  readonly queue?: string;
  /** Seconds before the job may run: 0–900 through SQS; longer (up to a year) through EventBridge Scheduler. */
  readonly delay?: number;
  /** Run at (or soon after) this instant; exclusive with `delay`. */
  readonly runAt?: Date;
  readonly retries?: number;
  readonly timeoutSeconds?: number;
  readonly retryDelay?: EnvelopeOptions['retryDelay'];
  /** Overrides the job type's key; `null` enqueues without one. */
  readonly concurrencyKey?: string | null;
  /** Your own id (1–128 of A-Z a-z 0-9 _ - : .); default a UUIDv7. */
  readonly id?: string;
  readonly trace?: TraceContext;
}

/** One entry's outcome in {@link JobClient.enqueueMany}. */
export type EnqueueManyOutcome =
  | { readonly index: number; readonly status: 'enqueued'; readonly id: string }
  | { readonly index: number; readonly status: 'skipped' }
  | { readonly index: number; readonly status: 'failed'; readonly error: Error };

/** Enqueues jobs from any Lambda, API handler, script or schedule. */
export interface JobClient {
  /**
   * Validates and sends one job. Returns its id, or null when a concurrency key or
   * `shouldEnqueue` skipped it (nothing was sent). Bad input throws a {@link JobInputError}
   * naming the field and the limit, before anything is sent.
   */
  enqueue<J extends AnyJobDefinition>(
    job: J,
    payload: PayloadOf<J>,
    options?: EnqueueOptions,
  ): Promise<string | null>;
  /** The same by type name, for payloads typed elsewhere (CLI, other languages' fixtures). */
  enqueueByType(type: string, payload: unknown, options?: EnqueueOptions): Promise<string | null>;
  /** Many jobs of one type through SendMessageBatch (10 per request); every entry's outcome. */
  enqueueMany<J extends AnyJobDefinition>(
    job: J,
    entries: readonly { readonly payload: PayloadOf<J>; readonly options?: EnqueueOptions }[],
  ): Promise<EnqueueManyOutcome[]>;
  /**
   * Cancels a job that has not started: QUEUED, RETRYING or DEFERRED → CANCELLED (a waiting
   * one-time schedule is deleted; a message still in SQS is skipped by the worker), then its
   * concurrency key is released and its `onAborted` hook runs. Returns the CANCELLED record.
   * A RUNNING or finished job is left as it is: JobStateConflictError with `currentStatus`.
   * Needs tracking `full` (under `minimal` a waiting job has no record: JobNotFoundError).
   */
  cancel(jobId: string): Promise<JobRecord>;
}

export interface JobClientDeps {
  readonly registry: JobRegistry;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  readonly transport: QueueTransport;
  readonly store: JobStore;
  readonly keys: ConcurrencyKeyStore;
  /** `full` writes a QUEUED record at enqueue; `minimal` leaves records to the worker. */
  readonly tracking: 'full' | 'minimal';
  /**
   * Each queue's worker function timeout, seconds (the config's `functionTimeoutSeconds`): a
   * job timeout that cannot fit in it is refused at enqueue. A queue missing here is not checked.
   */
  readonly queueTimeouts?: Readonly<Record<string, number>>;
  /** For delays beyond 900 s and `runAt`; without it those are refused with a clear error. */
  readonly delayedDelivery?: DelayedDelivery;
  /** Safety-net lifetime of a concurrency key beyond the job's delay, seconds. Default 1 day. */
  readonly concurrencyKeyTtlSeconds?: number;
  readonly now?: () => Date;
  /** Reports a failing `onAborted` hook when a job is cancelled. Default a Powertools Logger. */
  readonly logger?: Logger;
  /** Payloads too large for a message go to S3 (`largePayloads`); without it they are refused. */
  readonly largePayloads?: LargePayloadPolicy;
}

/** A validated job, ready to send. */
interface PreparedJob {
  readonly envelope: JobEnvelope;
  readonly body: string;
  readonly endpoints: QueueEndpoints;
  readonly delaySeconds: number;
  readonly concurrencyKey: string | undefined;
  /** Group and deduplication ids (runtime/message-group.ts). */
  readonly routing: MessageRouting;
  /** The enqueue's `send <queue>` span, ended once the message is sent, skipped or failed. */
  readonly span: SendSpan;
  /** A large payload's object, put before the message that names it is sent. */
  readonly payloadObject?: OffloadedPayload['object'];
}

/** The envelope's trace context: the send span's, else the caller's, and X-Ray's header. */
function envelopeTrace(span: SendSpan, given: TraceContext | undefined): TraceContext | undefined {
  const traceparent = span.traceparent ?? given?.traceparent;
  const xRayTraceId = given?.xRayTraceId ?? process.env._X_AMZN_TRACE_ID;
  if (!traceparent && !xRayTraceId) return undefined;
  return { ...(traceparent ? { traceparent } : {}), ...(xRayTraceId ? { xRayTraceId } : {}) };
}

function checkInteger(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new JobInputError(
      field,
      `${min}–${max}`,
      `${field} must be a whole number from ${min} to ${max}; got ${String(value)}`,
    );
  }
}

/**
 * Creates a client. Build it once (module scope) and reuse it.
 *
 * @example
 * ```ts
 * const jobs = createJobClient({ registry, queues, transport, store, keys, tracking: 'full' });
 * const id = await jobs.enqueue(webhook, { url: 'https://example.com/hook', body: { ok: true } });
 * const later = await jobs.enqueue(webhook, payload, { runAt: new Date('2026-12-24T18:00:00Z') });
 * await jobs.cancel(later!); // its record is CANCELLED; its schedule is deleted
 * ```
 */
export function createJobClient(deps: JobClientDeps): JobClient {
  const now = deps.now ?? (() => new Date());
  const keyTtl = deps.concurrencyKeyTtlSeconds ?? DEFAULT_CONCURRENCY_KEY_TTL_SECONDS;
  checkInteger('concurrencyKeyTtlSeconds', keyTtl, 1, LIMITS.maxConcurrencyKeyTtlSeconds);
  const knownQueues = Object.keys(deps.queues);
  let cancelDeps: JobCancelDeps | undefined;

  /** Built on first use, so clients that never cancel never create a logger. */
  function cancelDependencies(): JobCancelDeps {
    cancelDeps ??= {
      store: deps.store,
      keys: deps.keys,
      registry: deps.registry,
      tracking: deps.tracking,
      delayedDelivery: deps.delayedDelivery,
      logger: deps.logger ?? new Logger({ serviceName: 'lambda-jobs' }),
      now,
      payloads: deps.largePayloads,
    };
    return cancelDeps;
  }

  async function prepare(
    definition: AnyJobDefinition,
    payload: unknown,
    options: EnqueueOptions,
  ): Promise<PreparedJob | null> {
    if (!deps.registry.has(definition))
      throw new UnknownJobTypeError(definition.type, deps.registry.types);
    const queueName = options.queue ?? definition.queue ?? DEFAULT_QUEUE;
    const endpoints = deps.queues[queueName];
    if (!endpoints) throw new UnknownQueueError(queueName, knownQueues);
    checkInteger('retries', options.retries, 0, LIMITS.maxRetries);
    checkInteger('timeoutSeconds', options.timeoutSeconds, 1, LIMITS.maxTimeoutSeconds);
    const functionTimeoutSeconds = deps.queueTimeouts?.[queueName];
    if (functionTimeoutSeconds !== undefined) {
      const misfit = timeoutMisfit(
        'timeoutSeconds',
        options.timeoutSeconds ?? definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        {
          queueName,
          functionTimeoutMs: functionTimeoutSeconds * 1000,
          marginMs: RECORDING_MARGIN_SECONDS * 1000,
        },
      );
      if (misfit) throw misfit;
    }
    if (options.id !== undefined && !LIMITS.jobIdPattern.test(options.id)) {
      throw new JobInputError(
        'id',
        '1–128 characters of A-Z a-z 0-9 _ - : .',
        `id "${options.id}" must be 1–128 characters of A-Z a-z 0-9 _ - : .`,
      );
    }
    const at = now();
    let delaySeconds = 0;
    if (options.runAt !== undefined && options.delay !== undefined) {
      throw new JobInputError(
        'runAt',
        'either delay or runAt',
        'Give either delay or runAt, not both',
      );
    }
    if (options.runAt !== undefined) {
      if (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime())) {
        throw new JobInputError('runAt', 'a valid Date', 'runAt must be a valid Date');
      }
      delaySeconds = Math.max(0, Math.ceil((options.runAt.getTime() - at.getTime()) / 1000));
    } else if (options.delay !== undefined) {
      if (
        typeof options.delay !== 'number' ||
        !Number.isFinite(options.delay) ||
        options.delay < 0
      ) {
        throw new JobInputError(
          'delay',
          `0–${LIMITS.maxDelaySeconds} seconds`,
          `delay must be a number of seconds from 0 to ${LIMITS.maxDelaySeconds}; got ${String(options.delay)}`,
        );
      }
      delaySeconds = Math.ceil(options.delay);
    }
    if (delaySeconds > LIMITS.maxDelaySeconds) {
      throw new JobInputError(
        options.runAt ? 'runAt' : 'delay',
        `at most ${LIMITS.maxDelaySeconds} seconds (one year) ahead`,
        `${options.runAt ? 'runAt' : 'delay'} is ${delaySeconds} s ahead; the limit is ${LIMITS.maxDelaySeconds} s (one year)`,
      );
    }
    if (
      isFifoQueueUrl(endpoints.url) &&
      delaySeconds > 0 &&
      delaySeconds <= LIMITS.maxSqsDelaySeconds &&
      !deps.delayedDelivery
    ) {
      throw new JobInputError(
        options.runAt ? 'runAt' : 'delay',
        'no per-message delay on a FIFO queue without a scheduler',
        `queue "${queueName}" is FIFO: SQS takes no per-message delay there, and this client has no delayed delivery (EventBridge Scheduler) configured for a delay of ${delaySeconds} s`,
      );
    }
    if (delaySeconds > LIMITS.maxSqsDelaySeconds && !deps.delayedDelivery) {
      throw new JobInputError(
        options.runAt ? 'runAt' : 'delay',
        `${LIMITS.maxSqsDelaySeconds} seconds without a scheduler`,
        `delay of ${delaySeconds} s exceeds SQS's ${LIMITS.maxSqsDelaySeconds} s and this client has no delayed delivery (EventBridge Scheduler) configured`,
      );
    }
    await validatePayload(definition.type, definition.schema, payload);
    const concurrencyKey =
      options.concurrencyKey === null
        ? undefined
        : (options.concurrencyKey ??
          (typeof definition.concurrencyKey === 'function'
            ? definition.concurrencyKey(payload)
            : definition.concurrencyKey));
    if (concurrencyKey !== undefined) {
      if (
        typeof concurrencyKey !== 'string' ||
        concurrencyKey.length === 0 ||
        concurrencyKey.length > LIMITS.maxConcurrencyKeyLength
      ) {
        throw new JobInputError(
          'concurrencyKey',
          `1–${LIMITS.maxConcurrencyKeyLength} characters`,
          `concurrencyKey must be 1–${LIMITS.maxConcurrencyKeyLength} characters; got ${typeof concurrencyKey === 'string' ? concurrencyKey.length : typeof concurrencyKey}`,
        );
      }
    }
    if (definition.shouldEnqueue && !(await definition.shouldEnqueue(payload, { concurrencyKey })))
      return null;
    const envelopeOptions: EnvelopeOptions = {
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
      ...(options.retryDelay !== undefined ? { retryDelay: options.retryDelay } : {}),
      ...(concurrencyKey !== undefined ? { concurrencyKey } : {}),
    };
    const id = options.id ?? newJobId(at.getTime());
    const routing = enqueueRouting(endpoints.url, definition, payload, id);
    const span = startSendSpan({ id, type: definition.type, queue: queueName });
    const trace = envelopeTrace(span, options.trace);
    const envelope: JobEnvelope = {
      version: ENVELOPE_VERSION,
      id,
      type: definition.type,
      queue: queueName,
      payload,
      enqueuedAt: at.toISOString(),
      ...(Object.keys(envelopeOptions).length > 0 ? { options: envelopeOptions } : {}),
      ...(trace ? { trace } : {}),
    };
    const body = serializeEnvelope(envelope);
    const size = bodyBytes(body);
    if (deps.largePayloads && size > deps.largePayloads.thresholdBytes) {
      try {
        const offloaded = offloadPayload(envelope, size, delaySeconds, deps.largePayloads);
        const { envelope: referenced, body: referenceBody, object: payloadObject } = offloaded;
        return {
          envelope: referenced,
          body: referenceBody,
          endpoints,
          delaySeconds,
          concurrencyKey,
          routing,
          span,
          payloadObject,
        };
      } catch (error) {
        span.failed(error);
        throw error;
      }
    }
    if (size > LIMITS.maxEnvelopeBytes) {
      const tooLarge = new JobInputError(
        'payload',
        `${LIMITS.maxEnvelopeBytes} bytes per message`,
        `Job message is ${size} bytes; the limit is ${LIMITS.maxEnvelopeBytes} bytes (SQS). Store large data elsewhere (S3) and enqueue a reference.`,
      );
      span.failed(tooLarge);
      throw tooLarge;
    }
    return { envelope, body, endpoints, delaySeconds, concurrencyKey, routing, span };
  }

  /**
   * Gives back the key of a job whose message was not sent, with the PutItem producers may make
   * (they have no DeleteItem); if that fails too, the key's `expiresAt` frees it.
   */
  async function abandonKey(key: string, jobId: string): Promise<void> {
    await deps.keys.abandon(key, jobId, Math.floor(now().getTime() / 1000)).catch(() => {});
  }

  /** Takes the concurrency key; false when another live job holds it. */
  async function acquireKey(job: PreparedJob): Promise<boolean> {
    if (!job.concurrencyKey) return true;
    const nowSeconds = Math.floor(now().getTime() / 1000);
    return deps.keys.acquire(
      job.concurrencyKey,
      job.envelope.id,
      nowSeconds + job.delaySeconds + keyTtl,
      nowSeconds,
    );
  }

  async function recordQueued(job: PreparedJob): Promise<void> {
    if (deps.tracking !== 'full') return;
    const record: JobRecord = {
      id: job.envelope.id,
      type: job.envelope.type,
      queue: job.envelope.queue,
      status: JobStatus.QUEUED,
      attempts: 0,
      maxAttempts:
        (job.envelope.options?.retries ?? deps.registry.get(job.envelope.type).retries ?? 3) + 1,
      enqueuedAt: job.envelope.enqueuedAt,
      updatedAt: job.envelope.enqueuedAt,
      ...(job.concurrencyKey ? { concurrencyKey: job.concurrencyKey } : {}),
      ...(job.routing.groupId ? { messageGroup: job.routing.groupId } : {}),
      ...(job.delaySeconds > 0
        ? {
            retryAt: new Date(
              Date.parse(job.envelope.enqueuedAt) + job.delaySeconds * 1000,
            ).toISOString(),
          }
        : {}),
      ...leanEnvelope(job.body),
      expiresAt: 0,
    };
    try {
      await deps.store.putQueued(record);
    } catch (error) {
      // The message is already sent: a worker may have created the record first, or the write
      // failed; either way the worker's claim writes the record, so the job is not lost.
      if (
        !(error instanceof JobStateConflictError) &&
        (error as Error).name !== 'ConditionalCheckFailedException'
      ) {
        throw error;
      }
    }
  }

  /** A job the delayed delivery sends (a long delay, or any delay on a FIFO queue). */
  function viaScheduler(job: PreparedJob): boolean {
    return delayNeedsScheduler(job.endpoints.url, job.delaySeconds, LIMITS.maxSqsDelaySeconds);
  }

  /**
   * Sends one prepared job (SQS delay or the scheduler) and ends its span; releases its key if
   * sending fails.
   */
  async function send(job: PreparedJob): Promise<void> {
    try {
      await putPayloadObject(job);
      if (viaScheduler(job)) {
        const at = new Date(Date.parse(job.envelope.enqueuedAt) + job.delaySeconds * 1000);
        await deps.delayedDelivery!.schedule(
          job.envelope.id,
          job.endpoints.url,
          job.body,
          at,
          job.routing,
        );
        job.span.sent();
      } else {
        const { messageId } = await deps.transport.send(
          job.endpoints.url,
          job.body,
          job.delaySeconds || undefined,
          undefined,
          job.routing,
        );
        job.span.sent(messageId);
      }
    } catch (error) {
      job.span.failed(error);
      if (job.concurrencyKey) await abandonKey(job.concurrencyKey, job.envelope.id);
      throw error;
    }
  }

  /**
   * Puts a large payload's object before its message is sent: a message never names an object
   * that is not there. When the send then fails, the object stays until the bucket's lifecycle
   * expires it (`docs/large-payloads.md`); it is never deleted here, as a retry of this very
   * enqueue (same id, same payload) names the same key.
   */
  async function putPayloadObject(job: PreparedJob): Promise<void> {
    if (job.payloadObject) {
      await deps.largePayloads!.store!.put(job.payloadObject.key, job.payloadObject.body);
    }
  }

  /** Takes the job's concurrency key; a job whose key is held is skipped (its span says so). */
  async function admitted(job: PreparedJob): Promise<boolean> {
    try {
      if (await acquireKey(job)) return true;
      job.span.skipped();
      return false;
    } catch (error) {
      job.span.failed(error);
      throw error;
    }
  }

  async function enqueuePrepared(job: PreparedJob | null): Promise<string | null> {
    if (!job || !(await admitted(job))) return null;
    await send(job);
    await recordQueued(job).catch(() => {
      // Sent but not recorded as QUEUED: the worker's claim creates the record, so the job
      // is neither lost nor doubled; only waiting-job listings miss it until it starts.
    });
    return job.envelope.id;
  }

  const client: JobClient = {
    async enqueue(job, payload, options = {}) {
      return enqueuePrepared(await prepare(job, payload, options));
    },

    async enqueueByType(type, payload, options = {}) {
      return enqueuePrepared(await prepare(deps.registry.get(type), payload, options));
    },

    async enqueueMany(job, entries) {
      const outcomes: EnqueueManyOutcome[] = [];
      const ready: { index: number; job: PreparedJob }[] = [];
      for (const [index, entry] of entries.entries()) {
        try {
          const prepared = await prepare(job, entry.payload, entry.options ?? {});
          if (!prepared || !(await admitted(prepared))) {
            outcomes.push({ index, status: 'skipped' });
          } else if (viaScheduler(prepared) || prepared.payloadObject) {
            // One by one: a large payload's object is put before its message is sent.
            await send(prepared);
            await recordQueued(prepared).catch(() => {});
            outcomes.push({ index, status: 'enqueued', id: prepared.envelope.id });
          } else {
            ready.push({ index, job: prepared });
          }
        } catch (error) {
          outcomes.push({ index, status: 'failed', error: error as Error });
        }
      }
      const byQueue = new Map<string, { index: number; job: PreparedJob }[]>();
      for (const item of ready) {
        const list = byQueue.get(item.job.endpoints.url) ?? [];
        list.push(item);
        byQueue.set(item.job.endpoints.url, list);
      }
      for (const [url, items] of byQueue) {
        for (const chunk of sqsSendBatches(items, (item) => bodyBytes(item.job.body))) {
          let results: Awaited<ReturnType<QueueTransport['sendBatch']>>;
          try {
            results = await deps.transport.sendBatch(
              url,
              chunk.map(({ index, job: prepared }) => ({
                entryId: String(index),
                body: prepared.body,
                ...(prepared.delaySeconds ? { delaySeconds: prepared.delaySeconds } : {}),
                ...prepared.routing,
              })),
            );
          } catch (error) {
            results = chunk.map(({ index }) => ({
              entryId: String(index),
              ok: false as const,
              code: (error as Error).name,
              message: (error as Error).message,
            }));
          }
          for (const result of results) {
            const item = chunk.find((c) => String(c.index) === result.entryId)!;
            if (result.ok) {
              item.job.span.sent(result.messageId);
              await recordQueued(item.job).catch(() => {});
              outcomes.push({ index: item.index, status: 'enqueued', id: item.job.envelope.id });
            } else {
              item.job.span.failed(new Error(`SQS refused the message: ${result.code}`));
              if (item.job.concurrencyKey) {
                await abandonKey(item.job.concurrencyKey, item.job.envelope.id);
              }
              outcomes.push({
                index: item.index,
                status: 'failed',
                error: new Error(
                  `SQS refused entry ${item.index}: ${result.code}: ${result.message}`,
                ),
              });
            }
          }
        }
      }
      return outcomes.sort((a, b) => a.index - b.index);
    },

    cancel(jobId) {
      return cancelWaitingJob(cancelDependencies(), jobId);
    },
  };
  return client;
}
