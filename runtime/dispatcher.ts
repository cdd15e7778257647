import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse } from 'aws-lambda';
import { runAbortHook } from './abort-hook.ts';
import {
  type JobEnvelope,
  parseEnvelope,
  salvageConcurrencyKey,
  salvageJobId,
} from './envelope.ts';
import {
  DeferJobError,
  JobInputError,
  JobStateConflictError,
  MalformedEnvelopeError,
  RetryJobError,
  UnknownJobTypeError,
  UnrecoverableJobError,
} from './errors.ts';
import { createGroupCommit, type GroupCommit } from './group-commit.ts';
import type { AnyJobDefinition, JobContext } from './job-definition.ts';
import type { JobRecord } from './job-record.ts';
import { JobStatus } from './job-status.ts';
import { effectiveSettings } from './job-timing.ts';
import { LIMITS } from './limits.ts';
import type { JobMetricsRecorder } from './observability/job-metrics.ts';
import { validatePayload } from './payload-schema.ts';
import type { ConcurrencyKeyStore, JobStore, QueueTransport, SuccessfulAttempt } from './ports.ts';
import type { JobRegistry } from './registry.ts';
import { MAX_VISIBILITY_SECONDS, retryDelaySeconds } from './retry-policy.ts';
import {
  OUTCOME_WRITE_TRIES,
  REDELIVERY_AFTER_FAILURE_SECONDS,
  retryTransient,
} from './retry-transient.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import { boundOutput, toStoredError } from './stored-error.ts';

/** The fields of an SQS record the dispatcher reads (Lambda's SQSRecord fits). */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS's count of deliveries so far ("1" the first time); absent counts as a first delivery. */
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

/** How much time the invocation has left (Lambda's Context fits). */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

/** Everything the dispatcher needs, built once per cold start. */
export interface DispatcherDeps {
  readonly registry: JobRegistry;
  /** The queue this worker serves. */
  readonly queue: { readonly name: string; readonly url: string; readonly dlqUrl: string };
  readonly transport: QueueTransport;
  readonly store: JobStore;
  readonly keys: ConcurrencyKeyStore;
  readonly logger: Logger;
  readonly metrics: JobMetricsRecorder;
  /** Records kept back from the Lambda deadline to record outcomes. Default 2,000 ms. */
  readonly deadlineMarginMs?: number;
  /** Grace past a RUNNING record's deadline before it is considered lost. Default 60,000 ms. */
  readonly lostGraceMs?: number;
  /**
   * Longest a successful outcome waits for the rest of its batch to finish before it is
   * written, ms (the outcomes written together take one batch write). Default 50.
   */
  readonly outcomeLingerMs?: number;
  /** Records of one batch run at once. Default 10. */
  readonly recordConcurrency?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** The worker's core: runs one SQS batch and answers with a partial batch response. */
export interface Dispatcher {
  dispatchBatch(
    messages: readonly QueueMessage[],
    clock?: InvocationClock,
  ): Promise<SQSBatchResponse>;
}

type Delivery = 'delete' | 'keep';

/** Most successful outcomes written by one batch write (BatchWriteItem takes 25). */
const RESULT_GROUP_MAX = 25;

/**
 * Creates the dispatcher. For every message: parse and validate (malformed → ERRORED + DLQ),
 * claim with one conditional write, run with a deadline, record the outcome, and either let
 * the message be deleted or return it as a batch item failure (retry, defer, deadline guard).
 * The successful outcomes of a batch are written together (one batch write, see
 * `writeSuccesses`); every other outcome is one conditional write. One message's trouble never
 * affects the others in its batch.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher({ registry, queue, transport, store, keys, logger, metrics });
 * export const handler = (event: SQSEvent, context: Context) => dispatcher.dispatchBatch(event.Records, context);
 * ```
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const marginMs = deps.deadlineMarginMs ?? 2000;
  const lostGraceMs = deps.lostGraceMs ?? 60_000;
  /** How long a batch write of outcomes may take: half the lost grace, at least a second. */
  const batchWriteAllowanceMs = Math.max(lostGraceMs / 2, 1000);
  const { logger, metrics, store, transport, queue } = deps;
  /** The rescue's rule: a RUNNING attempt is over once its lease expired before this instant. */
  const leaseExpiredBefore = (at: Date) => new Date(at.getTime() - lostGraceMs).toISOString();

  async function releaseKey(key: string | undefined, jobId: string): Promise<void> {
    if (!key) return;
    try {
      await retryTransient(() => deps.keys.release(key, jobId));
    } catch (error) {
      logger.warn('Concurrency key not released; its TTL will free it', {
        job_id: jobId,
        concurrency_key: key,
        error,
      });
    }
  }

  async function hide(message: QueueMessage, seconds: number, jobId: string): Promise<void> {
    const clamped = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds)));
    try {
      await transport.changeVisibility(queue.url, message.receiptHandle, clamped);
    } catch (error) {
      logger.warn('ChangeMessageVisibility failed; the queue visibility timeout applies', {
        job_id: jobId,
        queue: queue.name,
        seconds: clamped,
        error,
      });
    }
  }

  /** A message that can never run: DLQ first (nothing lost), then an ERRORED record. */
  async function reject(
    message: QueueMessage,
    reason: Error,
    envelope: JobEnvelope | undefined,
  ): Promise<Delivery> {
    const id = envelope?.id ?? salvageJobId(message.body) ?? `msg-${message.messageId}`;
    const type = envelope?.type ?? 'unknown';
    const concurrencyKey = envelope
      ? envelope.options?.concurrencyKey
      : salvageConcurrencyKey(message.body);
    try {
      await transport.send(queue.dlqUrl, message.body);
    } catch (error) {
      logger.error('Could not move a rejected message to the DLQ; it will be delivered again', {
        job_id: id,
        queue: queue.name,
        error,
      });
      return 'keep';
    }
    const atDate = now();
    const at = atDate.toISOString();
    const field =
      reason instanceof MalformedEnvelopeError || reason instanceof JobInputError
        ? reason.field
        : undefined;
    logger.error('Job rejected', {
      job_id: id,
      job_type: type,
      queue: queue.name,
      status: JobStatus.ERRORED,
      reason: reason.message,
      field,
      message_id: message.messageId,
    });
    metrics.record({ queue: queue.name, type, outcome: 'rejected' });
    try {
      await retryTransient(() =>
        store.recordRejected(
          {
            id,
            type,
            queue: queue.name,
            status: JobStatus.ERRORED,
            attempts: 0,
            maxAttempts: 0,
            enqueuedAt: envelope?.enqueuedAt ?? at,
            updatedAt: at,
            endedAt: at,
            deadLetteredAt: at,
            error: toStoredError(reason),
            messageId: message.messageId,
            ...(Buffer.byteLength(message.body) <= LIMITS.maxStoredEnvelopeBytes
              ? { envelope: message.body }
              : {}),
            ...(concurrencyKey ? { concurrencyKey } : {}),
            expiresAt: 0,
          },
          leaseExpiredBefore(atDate),
        ),
      );
    } catch (error) {
      if (error instanceof JobStateConflictError && error.currentStatus === JobStatus.RUNNING) {
        // An attempt that is still live writes its own outcome; judge this message after it.
        logger.warn(
          'Rejected message names a job that is running elsewhere; it will be delivered again',
          {
            job_id: id,
            queue: queue.name,
          },
        );
        return 'keep';
      }
      if (error instanceof JobStateConflictError) {
        logger.warn('Rejected message names a job that already succeeded; record kept', {
          job_id: id,
          queue: queue.name,
        });
        return 'delete';
      }
      logger.error(
        'Rejected message is in the DLQ but its ERRORED record was not written; it will be delivered again',
        {
          job_id: id,
          queue: queue.name,
          error,
        },
      );
      return 'keep';
    }
    // The job will never run: the key its enqueue took must not block the next enqueue.
    await releaseKey(concurrencyKey, id);
    return 'delete';
  }

  /**
   * A record whose attempt is over but whose message is not in the DLQ yet (the delivery that
   * ended it stopped before the move, or a LOST job whose envelope was not kept): move this
   * message there, note it, release the key.
   */
  async function finishDeadLetter(message: QueueMessage, current: JobRecord): Promise<Delivery> {
    await retryTransient(() => transport.send(queue.dlqUrl, message.body));
    await retryTransient(() => store.markDeadLettered(current.id, now().toISOString()));
    await releaseKey(current.concurrencyKey, current.id);
    return 'delete';
  }

  /**
   * The claim was refused: decide from the record as it stands. An attempt found lost (RUNNING
   * past its lease plus the grace) is recorded as such and `onAborted` runs; with attempts
   * left the answer is `claim-again`: this very delivery continues as the retry.
   */
  async function onConflict(
    message: QueueMessage,
    current: JobRecord,
    definition: AnyJobDefinition,
  ): Promise<Delivery | 'claim-again'> {
    const keys = {
      job_id: current.id,
      job_type: current.type,
      queue: queue.name,
      status: current.status,
    };
    if (current.status === JobStatus.RUNNING) {
      const leaseEnd = Date.parse(current.leaseExpiresAt ?? '') || 0;
      const at = now();
      if (leaseEnd + lostGraceMs > at.getTime()) {
        logger.info('Job is running elsewhere; delivery postponed', keys);
        await hide(message, (leaseEnd + lostGraceMs - at.getTime()) / 1000, current.id);
        return 'keep';
      }
      const retry =
        current.attempts < current.maxAttempts ? { retryAt: at.toISOString() } : undefined;
      const lost = await retryTransient(() =>
        store.markLost(current, leaseExpiredBefore(at), at.toISOString(), retry),
      );
      if (!lost) return 'keep';
      logger.warn('Job lost', {
        ...keys,
        status: lost.status,
        attempt: current.attempts,
        max_attempts: current.maxAttempts,
        will_retry: lost.status === JobStatus.RETRYING,
        lease_expired_at: current.leaseExpiresAt,
      });
      metrics.record({ queue: queue.name, type: current.type, outcome: 'lost' });
      // plain.jobs: onAborted fires when the attempt is lost, before any retry runs.
      await runAbortHook(definition, lost, logger);
      if (lost.status === JobStatus.RETRYING) return 'claim-again';
      return finishDeadLetter(message, lost);
    }
    if (
      (current.status === JobStatus.ERRORED || current.status === JobStatus.LOST) &&
      !current.deadLetteredAt
    ) {
      return finishDeadLetter(message, current);
    }
    // A terminal record whose key is still held (its release was lost): release it now.
    await releaseKey(current.concurrencyKey, current.id);
    logger.info('Duplicate delivery skipped', keys);
    metrics.record({ queue: queue.name, type: current.type, outcome: 'duplicate' });
    return 'delete';
  }

  /**
   * Writes a group of successful outcomes with one batch write, answering which were written.
   * The batch write has no condition, so it takes only attempts nobody else can have moved on:
   * a RUNNING record changes only by its claimer, or by `markLost` once the lease has been
   * over for the lost grace. An attempt is batched only if that moment is more than
   * `batchWriteAllowanceMs` away, and the request is abandoned once the allowance is spent.
   * Everything else (a lone outcome, a late attempt, a failed or abandoned batch write) is
   * left to the conditional write, which recognises an outcome the batch did write.
   */
  async function writeSuccesses(attempts: readonly SuccessfulAttempt[]): Promise<boolean[]> {
    const latestLease = now().getTime() + batchWriteAllowanceMs - lostGraceMs;
    const safe = new Set(
      attempts.filter((a) => (Date.parse(a.claimed.leaseExpiresAt ?? '') || 0) > latestLease),
    );
    if (safe.size < 2) return attempts.map(() => false);
    let unwritten: ReadonlySet<string>;
    try {
      unwritten = await store.recordSuccesses(
        [...safe],
        AbortSignal.timeout(batchWriteAllowanceMs),
      );
    } catch (error) {
      logger.warn('Batch write of job outcomes failed; writing them one by one', {
        queue: queue.name,
        jobs: safe.size,
        error,
      });
      return attempts.map(() => false);
    }
    return attempts.map((a) => safe.has(a) && !unwritten.has(a.claimed.id));
  }

  async function runClaimed(
    message: QueueMessage,
    claimed: JobRecord,
    definition: AnyJobDefinition,
    payload: unknown,
    envelope: JobEnvelope,
    deadlineMs: number,
    settings: ReturnType<typeof effectiveSettings>,
    successes: GroupCommit<SuccessfulAttempt>,
  ): Promise<Delivery> {
    const startedAt = Date.parse(claimed.startedAt ?? '') || now().getTime();
    const attempt = claimed.attempts;
    const keys = { job_id: claimed.id, job_type: claimed.type, queue: queue.name, attempt };
    logger.info('Job started', {
      ...keys,
      status: JobStatus.RUNNING,
      wait_ms: claimed.waitMs,
      ...(definition.exposePayload ? { payload } : {}),
    });
    let output: unknown;
    let failure: unknown;
    let failed = false;
    try {
      // The lease (and ctx.deadline) were set before the claim: a slow claim shortens the run.
      const runBudgetMs = Math.max(0, startedAt + deadlineMs - now().getTime());
      output = await runWithDeadline(claimed.id, runBudgetMs, (signal) => {
        let child: Logger | undefined;
        const ctx: JobContext = {
          jobId: claimed.id,
          type: claimed.type,
          queue: queue.name,
          attempt,
          maxAttempts: settings.maxAttempts,
          signal,
          deadline: new Date(startedAt + deadlineMs),
          enqueuedAt: new Date(envelope.enqueuedAt),
          get logger() {
            child ??= logger.createChild({ persistentKeys: keys });
            return child;
          },
        };
        return definition.run(payload, ctx);
      });
    } catch (error) {
      failed = true;
      failure = error;
    }
    const endedAt = now();
    const durationMs = Math.max(0, endedAt.getTime() - startedAt);
    const at = endedAt.toISOString();
    const timing = { duration_ms: durationMs, wait_ms: claimed.waitMs };
    const recordOutcome = async (result: Parameters<JobStore['finishAttempt']>[1]) => {
      try {
        await retryTransient(() => store.finishAttempt(claimed, result, at), OUTCOME_WRITE_TRIES);
        return true;
      } catch (error) {
        if (error instanceof JobStateConflictError) {
          // Another delivery (or the monitor) moved the record on; that delivery may be this very
          // message, so it is kept: its next delivery decides from the record (onConflict).
          logger.warn('Job record changed while it ran; outcome not recorded', { ...keys, error });
          return false;
        }
        throw error;
      }
    };

    if (!failed) {
      const result = { status: JobStatus.SUCCESSFUL, durationMs, ...boundOutput(output) };
      const recorded =
        (await successes.commit({ claimed, result, now: at })) || (await recordOutcome(result));
      if (!recorded) return 'keep';
      logger.info('Job succeeded', { ...keys, status: JobStatus.SUCCESSFUL, ...timing });
      metrics.record({
        queue: queue.name,
        type: claimed.type,
        outcome: 'succeeded',
        durationMs,
        waitMs: claimed.waitMs,
      });
      await releaseKey(claimed.concurrencyKey, claimed.id);
      return 'delete';
    }

    if (failure instanceof DeferJobError) {
      const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, failure.delaySeconds));
      const retryAt = new Date(endedAt.getTime() + seconds * 1000).toISOString();
      if (
        !(await recordOutcome({
          status: JobStatus.DEFERRED,
          durationMs,
          retryAt,
          reason: failure.message,
        }))
      ) {
        return 'keep';
      }
      logger.info('Job deferred', {
        ...keys,
        status: JobStatus.DEFERRED,
        delay_seconds: seconds,
        reason: failure.message,
        ...timing,
      });
      metrics.record({ queue: queue.name, type: claimed.type, outcome: 'deferred' });
      await hide(message, seconds, claimed.id);
      return 'keep';
    }

    const error = toStoredError(failure);
    const exhausted = attempt >= settings.maxAttempts;
    if (failure instanceof UnrecoverableJobError || exhausted) {
      if (!(await recordOutcome({ status: JobStatus.ERRORED, durationMs, error }))) return 'keep';
      logger.error('Job errored', {
        ...keys,
        status: JobStatus.ERRORED,
        error_name: error.name,
        error_message: error.message,
        reason: exhausted
          ? `attempts exhausted (${attempt} of ${settings.maxAttempts})`
          : 'unrecoverable',
        ...timing,
      });
      metrics.record({ queue: queue.name, type: claimed.type, outcome: 'errored', durationMs });
      await releaseKey(claimed.concurrencyKey, claimed.id);
      try {
        await transport.send(queue.dlqUrl, message.body);
        await store.markDeadLettered(claimed.id, now().toISOString());
      } catch (dlqError) {
        logger.error('Errored job not yet in the DLQ; it will be delivered again to finish', {
          ...keys,
          error: dlqError,
        });
        return 'keep';
      }
      return 'delete';
    }

    const delay =
      failure instanceof RetryJobError && failure.afterSeconds !== undefined
        ? Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(failure.afterSeconds)))
        : retryDelaySeconds(settings.retryDelay, attempt, random);
    const retryAt = new Date(endedAt.getTime() + delay * 1000).toISOString();
    if (!(await recordOutcome({ status: JobStatus.RETRYING, durationMs, error, retryAt })))
      return 'keep';
    logger.warn('Job failed, will retry', {
      ...keys,
      status: JobStatus.RETRYING,
      error_name: error.name,
      error_message: error.message,
      retry_in_seconds: delay,
      ...timing,
    });
    metrics.record({ queue: queue.name, type: claimed.type, outcome: 'retried', durationMs });
    await hide(message, delay, claimed.id);
    return 'keep';
  }

  async function dispatchOne(
    message: QueueMessage,
    clock: InvocationClock | undefined,
    successes: GroupCommit<SuccessfulAttempt>,
  ): Promise<Delivery> {
    let envelope: JobEnvelope;
    try {
      envelope = parseEnvelope(message.body);
    } catch (error) {
      return reject(message, error as Error, undefined);
    }
    const definition = deps.registry.find(envelope.type);
    if (!definition) {
      return reject(message, new UnknownJobTypeError(envelope.type, deps.registry.types), envelope);
    }
    let payload: unknown;
    try {
      payload = await validatePayload(definition.type, definition.schema, envelope.payload);
    } catch (error) {
      return reject(message, error as Error, envelope);
    }
    const settings = effectiveSettings(definition, envelope);
    const remainingMs = clock
      ? clock.getRemainingTimeInMillis() - marginMs
      : Number.POSITIVE_INFINITY;
    if (remainingMs < settings.timeoutMs) {
      logger.info('Deadline guard: not enough time left to start this job; returned to the queue', {
        job_id: envelope.id,
        job_type: envelope.type,
        queue: queue.name,
        remaining_ms: Math.max(0, remainingMs),
        timeout_ms: settings.timeoutMs,
      });
      await hide(message, 0, envelope.id);
      return 'keep';
    }
    const deadlineMs = Math.min(settings.timeoutMs, remainingMs);
    const claimOnce = (firstDelivery: boolean) => {
      const startedAt = now();
      const claimToken = randomUUID();
      return retryTransient(() =>
        store.claim({
          id: envelope.id,
          type: envelope.type,
          queue: queue.name,
          enqueuedAt: envelope.enqueuedAt,
          maxAttempts: settings.maxAttempts,
          leaseExpiresAt: new Date(startedAt.getTime() + deadlineMs).toISOString(),
          now: startedAt.toISOString(),
          messageId: message.messageId,
          ...(settings.concurrencyKey ? { concurrencyKey: settings.concurrencyKey } : {}),
          ...(Buffer.byteLength(message.body) <= LIMITS.maxStoredEnvelopeBytes
            ? { envelope: message.body }
            : {}),
          claimToken,
          firstDelivery,
        }),
      );
    };
    let claim = await claimOnce(Number(message.attributes?.ApproximateReceiveCount ?? 1) <= 1);
    if (claim.kind === 'conflict') {
      const decision = await onConflict(message, claim.current, definition);
      if (decision !== 'claim-again') return decision;
      // The lost attempt is recorded (RETRYING): this delivery runs the retry, if the onAborted
      // hook left it the time; else the next delivery does.
      if (clock && clock.getRemainingTimeInMillis() - marginMs < deadlineMs) {
        await hide(message, 0, envelope.id);
        return 'keep';
      }
      claim = await claimOnce(false);
      if (claim.kind === 'conflict') {
        const again = await onConflict(message, claim.current, definition);
        return again === 'claim-again' ? 'keep' : again;
      }
    }
    return runClaimed(
      message,
      claim.record,
      definition,
      payload,
      envelope,
      deadlineMs,
      settings,
      successes,
    );
  }

  return {
    async dispatchBatch(messages, clock) {
      if (!Array.isArray(messages)) {
        throw new TypeError(
          'dispatchBatch expects the SQS records array (event.Records); the whole batch will be retried',
        );
      }
      const failures: { itemIdentifier: string }[] = [];
      const limit = Math.max(1, deps.recordConcurrency ?? 10);
      const successes = createGroupCommit({
        write: writeSuccesses,
        maxEntries: RESULT_GROUP_MAX,
        lingerMs: deps.outcomeLingerMs ?? 50,
      });
      let next = 0;
      const lane = async () => {
        while (next < messages.length) {
          const message = messages[next++]!;
          let delivery: Delivery;
          successes.begin();
          try {
            delivery = await dispatchOne(message, clock, successes);
          } catch (error) {
            logger.error('Message not processed; it will be delivered again', {
              message_id: message.messageId,
              queue: queue.name,
              redelivery_in_seconds: REDELIVERY_AFTER_FAILURE_SECONDS,
              error,
            });
            await hide(message, REDELIVERY_AFTER_FAILURE_SECONDS, message.messageId);
            delivery = 'keep';
          } finally {
            successes.end();
          }
          if (delivery === 'keep') failures.push({ itemIdentifier: message.messageId });
        }
      };
      await Promise.all(Array.from({ length: Math.min(limit, messages.length) }, lane));
      metrics.flush();
      return { batchItemFailures: failures };
    },
  };
}
