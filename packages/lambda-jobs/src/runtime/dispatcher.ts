import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse } from 'aws-lambda';
import { runAbortHook } from './abort-hook.ts';
import { type CircuitAttempt, createCircuitAttempt } from './circuit/circuit-attempt.ts';
import type { CircuitBreaker, CircuitGate } from './circuit/circuit-breaker.ts';
import {
  type JobEnvelope,
  keptEnvelope,
  leanEnvelope,
  parseEnvelope,
  salvageConcurrencyKey,
  salvageJobId,
} from './envelope.ts';
import {
  DeferJobError,
  DeliveryLimitError,
  JobInputError,
  JobStateConflictError,
  MalformedEnvelopeError,
  PayloadReferenceError,
  RetryJobError,
  UnknownJobTypeError,
  UnrecoverableJobError,
} from './errors.ts';
import { createGroupCommit, type GroupCommit } from './group-commit.ts';
import type { AnyJobDefinition, JobContext } from './job-definition.ts';
import { createProgressReporter, type ProgressReporter } from './job-progress.ts';
import type { JobRecord } from './job-record.ts';
import { CLAIMABLE_STATUSES, JobStatus } from './job-status.ts';
import { effectiveSettings } from './job-timing.ts';
import { isFifoQueueUrl, keyedGroup, laterSendRouting } from './message-group.ts';
import { orderedUnits, runUnitInOrder } from './message-group-order.ts';
import { createMessageResend, dueSendKey, RESENT_ATTRIBUTE } from './message-resend.ts';
import type { JobMetricsRecorder } from './observability/job-metrics.ts';
import { startProcessSpan } from './observability/job-tracing.ts';
import { envelopePayload, type PayloadSource } from './payload-fetch.ts';
import { exposedPayloadFields } from './payload-reference.ts';
import { validatePayload } from './payload-schema.ts';
import type {
  ClaimOutcome,
  ClaimRequest,
  ConcurrencyKeyStore,
  DelayedDelivery,
  JobStore,
  QueueTransport,
  SuccessfulAttempt,
  SuccessWrite,
} from './ports.ts';
import { envelopeMisfit } from './queue-fit.ts';
import type { JobRegistry } from './registry.ts';
import { MAX_VISIBILITY_SECONDS, retryDelaySeconds } from './retry-policy.ts';
import {
  OUTCOME_WRITE_TRIES,
  REDELIVERY_AFTER_FAILURE_SECONDS,
  retryTransient,
} from './retry-transient.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import { boundOutput, toStoredError } from './stored-error.ts';
import { createSuccessLog, type SuccessLog } from './success-log.ts';
import { createTimeoutWatch, type TimeoutWatch } from './timeout-watch.ts';
import { lostAttemptRetry } from './transition-records.ts';

/** The fields of an SQS record the dispatcher reads (Lambda's SQSRecord fits). */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS's count of deliveries so far ("1" the first time); absent counts as a first delivery. */
  readonly attributes?: {
    readonly ApproximateReceiveCount?: string;
    /** The message group (FIFO) or fair-queue tenant (standard) it was sent with. */
    readonly MessageGroupId?: string;
  };
  /** SQS message attributes (Lambda's shape); the dispatcher marks the messages it re-sends. */
  readonly messageAttributes?: Readonly<Record<string, { readonly stringValue?: string }>>;
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
   * written, ms (the outcomes of a group are written together, a conditional put each, where a
   * lone one is an update); the same bound holds for a first delivery's claim waiting for the
   * messages still before theirs. Default 50.
   */
  readonly outcomeLingerMs?: number;
  /** Least time between two progress writes of one attempt, ms. Default 5,000. */
  readonly progressIntervalMs?: number;
  /** Records of one batch run at once. Default 10. */
  readonly recordConcurrency?: number;
  /**
   * Retries and deferrals due beyond SQS's 900 s go through it (EventBridge Scheduler on AWS);
   * without it they travel in hops of 900 s.
   */
  readonly delayedDelivery?: DelayedDelivery;
  /**
   * The queue's redrive `maxReceiveCount`. The delivery that reaches it is SQS's last: the
   * dispatcher then dead-letters the job itself (ERRORED record, DLQ) instead of running it.
   */
  readonly maxReceiveCount?: number;
  /** The worker function's timeout, ms: an envelope whose timeout cannot fit is rejected. */
  readonly functionTimeoutMs?: number;
  /** Where payloads that travel by reference (`payloadRef`) are read: the payload bucket. */
  readonly payloads?: PayloadSource;
  /** The job types' circuit breakers (`config.circuitBreakers`); none when absent. */
  readonly circuits?: CircuitBreaker;
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

/** Most claims or successful outcomes written as one group. */
const RESULT_GROUP_MAX = 25;

/** How far ahead of its `retryAt` a waiting job may be claimed (clock differences). */
const DUE_TOLERANCE_MS = 1000;

/** What the messages of one batch share: the group commits, the success line, the watch. */
interface BatchScope {
  readonly successes: GroupCommit<SuccessfulAttempt, SuccessWrite>;
  readonly claims: GroupCommit<ClaimRequest, ClaimOutcome | undefined>;
  readonly successLog: SuccessLog;
  readonly watch: TimeoutWatch;
}

/**
 * Creates the dispatcher. For every message: parse and validate (malformed → ERRORED + DLQ),
 * claim with one conditional write (the first deliveries of a batch sent together, see
 * `claimFirstDeliveries`), run with a deadline, record the outcome, and either let the message
 * be deleted or return it as a batch item failure (retry, defer, deadline guard). The
 * successful outcomes of a batch are written together (a conditional write each, see
 * `writeSuccesses`); every other outcome is one conditional write. One message's
 * trouble never affects the others in its batch.
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
  const { logger, metrics, store, transport, queue } = deps;
  /** The rescue's rule: a RUNNING attempt is over once its lease expired before this instant. */
  const leaseExpiredBefore = (at: Date) => new Date(at.getTime() - lostGraceMs).toISOString();
  const fifo = isFifoQueueUrl(queue.url);
  /**
   * The payloads read from S3 for messages that carry only a reference, by envelope: a later
   * send of such a message computes its group or tenant from the payload, not the reference.
   */
  const storedPayloads = new WeakMap<JobEnvelope, unknown>();
  const resender = createMessageResend({
    transport,
    delayedDelivery: deps.delayedDelivery,
    queueUrl: queue.url,
    now,
  });
  const runLimits =
    deps.functionTimeoutMs === undefined
      ? undefined
      : { queueName: queue.name, functionTimeoutMs: deps.functionTimeoutMs, marginMs };

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

  /**
   * Ends this message by sending the job's message again, due in `seconds` (a retry, a
   * deferral, a job not due yet, the deadline guard): 'delete' once sent. The re-sent message
   * starts with a receive count of 1, so SQS's receive counts count only deliveries that ended
   * without an outcome. When the send fails the message is kept and comes back in a few
   * seconds: the record already says when the job is due, so that delivery finishes the send
   * (or runs the job, if it is due by then). On SQS's last delivery the job is dead-lettered
   * instead, so that SQS's own redrive never moves it behind its record.
   */
  async function sendOn(
    message: QueueMessage,
    envelope: JobEnvelope,
    seconds: number,
    retryAt: string | undefined,
  ): Promise<Delivery> {
    if (fifo) return keepInGroup(message, envelope, seconds);
    // Stryker disable next-line StringLiteral: the key names only a delayed delivery beyond 900 s, and a send without retryAt is due at once
    const sendKey = retryAt ? dueSendKey(retryAt) : `now-${message.messageId}`;
    try {
      await retryTransient(() =>
        resender.resend({
          jobId: envelope.id,
          body: message.body,
          delaySeconds: seconds,
          sendKey,
          routing: laterSendRouting(
            queue.url,
            envelope.id,
            groupOf(message, envelope),
            envelope.type,
            sendKey,
          ),
        }),
      );
      // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
      return 'delete';
    } catch (error) {
      if (isLastDelivery(message)) {
        logger.error('Could not send the job on, on its last delivery; dead-lettering it', {
          job_id: envelope.id,
          queue: queue.name,
          error,
        });
        return reject(message, lastDeliveryError(message), envelope);
      }
      logger.warn('Could not send the job on; this message comes back soon to finish it', {
        job_id: envelope.id,
        queue: queue.name,
        retry_in_seconds: REDELIVERY_AFTER_FAILURE_SECONDS,
        error,
      });
      await hide(message, REDELIVERY_AFTER_FAILURE_SECONDS, envelope.id);
      return 'keep';
    }
  }

  /**
   * FIFO: a retry, a deferral, a job not due yet or the deadline guard keeps the message,
   * hidden until the job is due (at most SQS's 12 hours: a job due later is hidden again when
   * it comes back). A re-send would go behind the rest of its group and break its order, and
   * SQS takes no per-message delay on a FIFO queue. Each such return is a receive: a FIFO
   * queue's `maxReceiveCount` counts attempts too (`docs/fifo-and-fair-queues.md`).
   */
  async function keepInGroup(
    message: QueueMessage,
    envelope: JobEnvelope,
    seconds: number,
  ): Promise<Delivery> {
    await hide(message, seconds, envelope.id);
    return 'keep';
  }

  /**
   * The message group of a delivery: SQS's `MessageGroupId` attribute, else the group its type
   * gives its payload (`keyedGroup`).
   */
  function groupOf(message: QueueMessage, envelope: JobEnvelope | undefined): string | undefined {
    const received = message.attributes?.MessageGroupId;
    if (received || !envelope) return received || undefined;
    const definition = deps.registry.find(envelope.type);
    const payload = storedPayloads.has(envelope) ? storedPayloads.get(envelope) : envelope.payload;
    return definition ? keyedGroup(queue.url, definition, payload) : undefined;
  }

  /** A send to this queue's DLQ: same group, a deduplication id of its own (FIFO). */
  function dlqRouting(message: QueueMessage, jobId: string, type: string, envelope?: JobEnvelope) {
    return laterSendRouting(queue.dlqUrl, jobId, groupOf(message, envelope), type);
  }

  function receiveCountOf(message: QueueMessage): number {
    return Number(message.attributes?.ApproximateReceiveCount ?? 1) || 1;
  }

  /** SQS will not deliver this message again: returned, it goes to the DLQ by SQS's redrive. */
  function isLastDelivery(message: QueueMessage): boolean {
    // Stryker disable next-line ConditionalExpression: a count compared with undefined is false, so the guard changes nothing
    return deps.maxReceiveCount !== undefined && receiveCountOf(message) >= deps.maxReceiveCount;
  }

  function lastDeliveryError(message: QueueMessage): DeliveryLimitError {
    return new DeliveryLimitError(receiveCountOf(message), deps.maxReceiveCount ?? 0, { fifo });
  }

  /**
   * SQS's last delivery found the job claimable: earlier deliveries ended without an outcome
   * (crashes, timeouts, throttling). Rather than run it and, should it crash again, leave SQS
   * to dead-letter the message behind a RUNNING record, the attempt just claimed ends ERRORED
   * naming the reason, the key is released and the message goes to the DLQ.
   */
  async function deadLetterLastDelivery(
    message: QueueMessage,
    claimed: JobRecord,
  ): Promise<Delivery> {
    const reason = lastDeliveryError(message);
    // Stryker disable next-line ObjectLiteral: log fields only
    const keys = { job_id: claimed.id, job_type: claimed.type, queue: queue.name };
    const at = now().toISOString();
    try {
      await retryTransient(() =>
        store.finishAttempt(
          claimed,
          { status: JobStatus.ERRORED, durationMs: 0, error: toStoredError(reason) },
          at,
        ),
      );
    } catch (error) {
      logger.error('Last delivery: the ERRORED record was not written; SQS will dead-letter it', {
        ...keys,
        error,
      });
      return 'keep';
    }
    logger.error('Job errored', {
      ...keys,
      status: JobStatus.ERRORED,
      attempt: claimed.attempts,
      reason: reason.message,
      receive_count: reason.receiveCount,
    });
    metrics.record({ queue: queue.name, type: claimed.type, outcome: 'errored', durationMs: 0 });
    await releaseKey(claimed.concurrencyKey, claimed.id);
    try {
      await transport.send(
        queue.dlqUrl,
        message.body,
        undefined,
        undefined,
        dlqRouting(message, claimed.id, claimed.type),
      );
    } catch (error) {
      // Kept on its last delivery, the message is moved by SQS's own redrive to the queue's
      // dead-letter intake, which finds this ERRORED record without deadLetteredAt and moves it
      // on to the DLQ. So deadLetteredAt is written only once the message is in the DLQ.
      logger.warn("Could not send to the DLQ; SQS's redrive will move the message there", {
        ...keys,
        error,
      });
      return 'keep';
    }
    try {
      await retryTransient(() => store.markDeadLettered(claimed.id, now().toISOString()));
    } catch (error) {
      logger.warn('ERRORED job in the DLQ, but deadLetteredAt not written', { ...keys, error });
    }
    // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
    return 'delete';
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
      await transport.send(
        queue.dlqUrl,
        message.body,
        undefined,
        undefined,
        dlqRouting(message, id, type, envelope),
      );
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
      // Stryker disable next-line ConditionalExpression,LogicalOperator: the field is only logged
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
            ...keptEnvelope(message.body),
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
        // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
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
    // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
    return 'delete';
  }

  /**
   * A record whose attempt is over but whose message is not in the DLQ yet (the delivery that
   * ended it stopped before the move, or a LOST job whose envelope was not kept): move this
   * message there, note it, release the key.
   */
  async function finishDeadLetter(message: QueueMessage, current: JobRecord): Promise<Delivery> {
    const routing = dlqRouting(message, current.id, current.type);
    await retryTransient(() =>
      transport.send(queue.dlqUrl, message.body, undefined, undefined, routing),
    );
    await retryTransient(() => store.markDeadLettered(current.id, now().toISOString()));
    await releaseKey(current.concurrencyKey, current.id);
    // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
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
    // Stryker disable next-line ObjectLiteral: log fields only
    const keys = {
      job_id: current.id,
      job_type: current.type,
      queue: queue.name,
      status: current.status,
    };
    if (current.status === JobStatus.RUNNING) {
      // Stryker disable next-line StringLiteral: any string that is not an instant parses to NaN, then 0
      const leaseEnd = Date.parse(current.leaseExpiresAt ?? '') || 0;
      const at = now();
      // Stryker disable next-line EqualityOperator: at exactly lease + grace the store's lost mark refuses too (lease < expiredBefore), so the message is kept either way
      if (leaseEnd + lostGraceMs > at.getTime()) {
        logger.info('Job is running elsewhere; delivery postponed', keys);
        await hide(message, (leaseEnd + lostGraceMs - at.getTime()) / 1000, current.id);
        return 'keep';
      }
      const retry = lostAttemptRetry(current, at.toISOString());
      const lost = await retryTransient(() =>
        store.markLost(current, leaseExpiredBefore(at), at.toISOString(), retry),
      );
      // Stryker disable next-line ConditionalExpression: a refused lost mark then throws on lost.status; the batch keeps the message all the same (visible again in 5 s)
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
      // The delivered message carries the payload when the record did not keep it.
      await runAbortHook(definition, lost, logger, message.body, deps.payloads);
      // Stryker disable next-line ConditionalExpression: a LOST record goes round the claim once more, is refused and reaches finishDeadLetter all the same
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
    // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
    return 'delete';
  }

  /**
   * Writes a group of successful outcomes together (`recordSuccesses`), each under the
   * condition of the single conditional write, and answers what became of each. A lone
   * outcome, and every outcome the group left unwritten, are left to the conditional write
   * (`unwritten`), which recognises an outcome the group did write.
   */
  async function writeSuccesses(attempts: readonly SuccessfulAttempt[]): Promise<SuccessWrite[]> {
    // Stryker disable next-line ObjectLiteral,StringLiteral: an unwritten answer of any shape sends the outcome to the single conditional write
    const unwritten: SuccessWrite = { kind: 'unwritten', reason: 'lone outcome' };
    // Stryker disable next-line ConditionalExpression,EqualityOperator: batch or single write, each outcome is written once under the same condition (cost only)
    if (attempts.length < 2) return attempts.map(() => unwritten);
    try {
      // Stryker disable next-line ArrayDeclaration: an outcome left unanswered goes to the single conditional write, which recognises the batch's write of it
      const outcomes = [...(await store.recordSuccesses(attempts))];
      // Stryker disable next-line MethodExpression,ArrowFunction,ConditionalExpression,EqualityOperator,StringLiteral: counts the unwritten outcomes for the log line only
      const retried = outcomes.filter((o) => o.kind === 'unwritten');
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: guards the log line only
      if (retried.length > 0) {
        logger.warn('Job outcomes left unwritten by the group write; writing them one by one', {
          queue: queue.name,
          jobs: retried.length,
          reasons: [...new Set(retried.map((o) => o.reason))],
        });
      }
      return outcomes;
    } catch (error) {
      logger.warn('Group write of job outcomes failed; writing them one by one', {
        queue: queue.name,
        jobs: attempts.length,
        error,
      });
      // Stryker disable next-line ObjectLiteral,StringLiteral: an unwritten answer of any shape sends the outcome to the single conditional write
      return attempts.map(() => ({ kind: 'unwritten', reason: 'group write failed' }));
    }
  }

  /**
   * Claims a group of first deliveries together (`claimMany`): answers undefined for a lone
   * claim, for a store without groups, and for every claim of a group that failed as a whole;
   * `claim` then decides each of those.
   */
  async function claimFirstDeliveries(
    requests: readonly ClaimRequest[],
  ): Promise<readonly (ClaimOutcome | undefined)[]> {
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,BooleanLiteral: batch or single claim, the store answers the same (cost only); a missing claimMany throws and is caught
    if (requests.length < 2 || !store.claimMany) return requests.map(() => undefined);
    try {
      return await store.claimMany(requests);
    } catch (error) {
      logger.warn('Group claim failed; claiming one by one', {
        queue: queue.name,
        jobs: requests.length,
        error,
      });
      return requests.map(() => undefined);
    }
  }

  async function runClaimed(
    message: QueueMessage,
    claimed: JobRecord,
    definition: AnyJobDefinition,
    payload: unknown,
    envelope: JobEnvelope,
    deadlineMs: number,
    settings: ReturnType<typeof effectiveSettings>,
    successes: GroupCommit<SuccessfulAttempt, SuccessWrite>,
    successLog: SuccessLog,
    circuit: CircuitAttempt,
  ): Promise<Delivery> {
    const startedAt = Date.parse(claimed.startedAt ?? '') || now().getTime();
    const attempt = claimed.attempts;
    const span = startProcessSpan(
      { id: claimed.id, type: claimed.type, queue: queue.name },
      { attempt, messageId: message.messageId, traceparent: envelope.trace?.traceparent },
    );
    const keys = {
      job_id: claimed.id,
      job_type: claimed.type,
      queue: queue.name,
      attempt,
      ...(span.traceId ? { trace_id: span.traceId } : {}),
    };
    let output: unknown;
    let failure: unknown;
    let failed = false;
    // Built on the job's first report: most jobs never report progress.
    let progress: ProgressReporter | undefined;
    const reportProgress = (fraction: number, note?: string) => {
      progress ??= createProgressReporter({
        store,
        attempt: claimed,
        logger,
        now,
        ...(deps.progressIntervalMs === undefined
          ? {}
          : { minIntervalMs: deps.progressIntervalMs }),
      });
      return progress.report(fraction, note);
    };
    try {
      // The lease (and ctx.deadline) were set before the claim: a slow claim shortens the run.
      const runBudgetMs = Math.max(0, startedAt + deadlineMs - now().getTime());
      output = await span.around(() =>
        runWithDeadline(claimed.id, runBudgetMs, (signal) => {
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
            progress: reportProgress,
          };
          return definition.run(payload, ctx);
        }),
      );
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      progress?.close();
    }
    if (failed) span.failed(failure);
    else span.succeeded();
    circuit.ran(failed ? (failure instanceof DeferJobError ? 'unjudged' : 'failed') : 'succeeded');
    const endedAt = now();
    const durationMs = Math.max(0, endedAt.getTime() - startedAt);
    const at = endedAt.toISOString();
    // Stryker disable next-line ObjectLiteral: log fields only
    const timing = {
      duration_ms: durationMs,
      wait_ms: claimed.waitMs,
      // Stryker disable next-line ObjectLiteral: log fields only
      ...(definition.exposePayload ? exposedPayloadFields(payload, envelope.payloadRef) : {}),
    };
    /**
     * Another delivery (or the monitor) moved the record on; that delivery may be this very
     * message, so it is kept: its next delivery decides from the record (onConflict).
     */
    // Stryker disable next-line BlockStatement: an undefined answer is falsy as false is; the block only logs besides
    const outcomeRefused = (error: JobStateConflictError) => {
      logger.warn('Job record changed while it ran; outcome not recorded', { ...keys, error });
      return false;
    };
    const recordOutcome = async (result: Parameters<JobStore['finishAttempt']>[1]) => {
      try {
        await retryTransient(() => store.finishAttempt(claimed, result, at), OUTCOME_WRITE_TRIES);
        return true;
      } catch (error) {
        if (error instanceof JobStateConflictError) return outcomeRefused(error);
        throw error;
      }
    };

    if (!failed) {
      const result = { status: JobStatus.SUCCESSFUL, durationMs, ...boundOutput(output) };
      // A job that reported progress changed its record since the claim, which the group's put
      // of the whole record would refuse: the conditional update writes it at once.
      const committed: SuccessWrite = progress
        ? { kind: 'unwritten', reason: 'progress reported' }
        : // Stryker disable next-line ObjectLiteral: an entry the group cannot write is left to the single conditional write
          await successes.commit({ claimed, result, now: at });
      const recorded =
        // Stryker disable next-line ConditionalExpression,StringLiteral: an outcome not answered as written goes to the single conditional write, which recognises the batch's write of it
        committed.kind === 'written' ||
        // Stryker disable next-line ConditionalExpression,StringLiteral: a conflict not taken from the batch is met again by the single conditional write, which refuses the moved record
        (committed.kind === 'conflict'
          ? outcomeRefused(committed.error)
          : await recordOutcome(result));
      if (!recorded) return 'keep';
      const { queue: _queue, ...job } = keys;
      successLog.add({ ...job, ...timing });
      metrics.record({
        queue: queue.name,
        type: claimed.type,
        outcome: 'succeeded',
        durationMs,
        waitMs: claimed.waitMs,
      });
      await releaseKey(claimed.concurrencyKey, claimed.id);
      // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
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
      return sendOn(message, envelope, seconds, retryAt);
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
        await transport.send(
          queue.dlqUrl,
          message.body,
          undefined,
          undefined,
          dlqRouting(message, claimed.id, claimed.type, envelope),
        );
        await store.markDeadLettered(claimed.id, now().toISOString());
      } catch (dlqError) {
        logger.error('Errored job not yet in the DLQ; it will be delivered again to finish', {
          ...keys,
          error: dlqError,
        });
        return 'keep';
      }
      // Stryker disable next-line StringLiteral: the batch response keeps only 'keep'; any other answer deletes
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
    return sendOn(message, envelope, delay, retryAt);
  }

  /** The record waits until `retryAt`: the message is sent on to arrive then. */
  async function sendOnUntilDue(
    message: QueueMessage,
    envelope: JobEnvelope,
    current: JobRecord,
  ): Promise<Delivery> {
    // Stryker disable next-line StringLiteral: a claimable record that is not due always has its retryAt
    const dueInMs = (Date.parse(current.retryAt ?? '') || 0) - now().getTime();
    const seconds = Math.max(0, Math.ceil(dueInMs / 1000));
    logger.info('Job not due yet; its message is sent on to arrive when it is', {
      job_id: current.id,
      job_type: current.type,
      queue: queue.name,
      status: current.status,
      retry_at: current.retryAt,
      message_id: message.messageId,
    });
    return sendOn(message, envelope, seconds, current.retryAt);
  }

  /**
   * The job's type has an open circuit: its message is sent again to arrive when the probe
   * may run, and this one deleted. No claim, so no attempt is spent, and the new message starts
   * with a receive count of 1; the record is not written (it still says the job waits).
   */
  async function holdForCircuit(
    message: QueueMessage,
    envelope: JobEnvelope,
    gate: Extract<CircuitGate, { kind: 'hold' }>,
  ): Promise<Delivery> {
    logger.info("Job held: its type's circuit is open", {
      job_id: envelope.id,
      job_type: envelope.type,
      queue: queue.name,
      hold_seconds: gate.seconds,
      circuit_mode: gate.state.mode,
      probe_after: gate.state.probeAfter,
      message_id: message.messageId,
    });
    return sendOn(message, envelope, gate.seconds, undefined);
  }

  async function dispatchOne(
    message: QueueMessage,
    clock: InvocationClock | undefined,
    batch: BatchScope,
    claimed: () => void,
    circuit: CircuitAttempt,
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
    let received: unknown;
    try {
      received = await envelopePayload(envelope, deps.payloads);
      if (envelope.payloadRef) storedPayloads.set(envelope, received);
    } catch (error) {
      // An object that cannot be read is ERRORED naming it; a transient failure is retried.
      if (error instanceof PayloadReferenceError) return reject(message, error, envelope);
      throw error;
    }
    let payload: unknown;
    try {
      payload = await validatePayload(definition.type, definition.schema, received);
    } catch (error) {
      return reject(message, error as Error, envelope);
    }
    const settings = effectiveSettings(definition, envelope);
    const misfit = envelopeMisfit(envelope, settings.timeoutMs / 1000, runLimits, queue.name);
    if (misfit) return reject(message, misfit, envelope);
    const remainingMs = clock
      ? clock.getRemainingTimeInMillis() - marginMs
      : Number.POSITIVE_INFINITY;
    if (remainingMs < settings.timeoutMs) {
      logger.info(
        'Deadline guard: not enough time left to start this job; sent to the queue again',
        {
          job_id: envelope.id,
          job_type: envelope.type,
          queue: queue.name,
          remaining_ms: Math.max(0, remainingMs),
          timeout_ms: settings.timeoutMs,
        },
      );
      return sendOn(message, envelope, 0, undefined);
    }
    const deadlineMs = Math.min(settings.timeoutMs, remainingMs);
    if (deps.circuits) {
      const gate = await deps.circuits.gate(envelope.type, envelope.id, deadlineMs + lostGraceMs);
      if (gate.kind === 'hold') return holdForCircuit(message, envelope, gate);
      circuit.admit(gate, envelope.type, envelope.id);
    }
    const envelopeKept = leanEnvelope(message.body);
    const group = groupOf(message, envelope);
    const claimOnce = async (firstDelivery: boolean) => {
      const startedAt = now();
      const claimToken = randomUUID();
      const request: ClaimRequest = {
        id: envelope.id,
        type: envelope.type,
        queue: queue.name,
        enqueuedAt: envelope.enqueuedAt,
        maxAttempts: settings.maxAttempts,
        leaseExpiresAt: new Date(startedAt.getTime() + deadlineMs).toISOString(),
        now: startedAt.toISOString(),
        messageId: message.messageId,
        ...(group ? { messageGroup: group } : {}),
        ...(settings.concurrencyKey ? { concurrencyKey: settings.concurrencyKey } : {}),
        ...envelopeKept,
        claimToken,
        firstDelivery,
        dueBy: new Date(startedAt.getTime() + DUE_TOLERANCE_MS).toISOString(),
      };
      // A first delivery joins the batch's other first deliveries, sent together; whatever the
      // group did not decide, `claim` decides (same claim token: it recognises a claim the
      // group applied).
      const batched = firstDelivery ? await batch.claims.commit(request) : undefined;
      // Stryker disable next-line CallExpression: the claim group waits at most its linger for this message (timing only)
      claimed();
      return batched ?? retryTransient(() => store.claim(request));
    };
    /** Claimable but not due: a message whose re-send failed, or an older copy of a re-sent one. */
    const notDue = (current: JobRecord) => CLAIMABLE_STATUSES.includes(current.status);
    let claim = await claimOnce(
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,BooleanLiteral: a first or later delivery is claimed alike (the DynamoDB store picks the cheaper request); ports.ts ClaimRequest.firstDelivery
      receiveCountOf(message) <= 1 && !message.messageAttributes?.[RESENT_ATTRIBUTE],
    );
    if (claim.kind === 'conflict') {
      if (notDue(claim.current)) return sendOnUntilDue(message, envelope, claim.current);
      const decision = await onConflict(message, claim.current, definition);
      if (decision !== 'claim-again') return decision;
      // The lost attempt is recorded (RETRYING): this delivery runs the retry, if the onAborted
      // hook left it the time; else it is sent on, and the next delivery does.
      if (clock && clock.getRemainingTimeInMillis() - marginMs < deadlineMs) {
        return sendOn(message, envelope, 0, undefined);
      }
      // Stryker disable next-line BooleanLiteral: a first or later delivery is claimed alike (cost only)
      claim = await claimOnce(false);
      if (claim.kind === 'conflict') {
        if (notDue(claim.current)) return sendOnUntilDue(message, envelope, claim.current);
        const again = await onConflict(message, claim.current, definition);
        return again === 'claim-again' ? 'keep' : again;
      }
    }
    // With maxReceiveCount 1 no earlier delivery ended without an outcome: the job runs.
    if (isLastDelivery(message) && receiveCountOf(message) > 1) {
      return deadLetterLastDelivery(message, claim.record);
    }
    const running = claim.record;
    const unwatch = batch.watch.track({
      id: running.id,
      type: running.type,
      attempt: running.attempts,
      startedAt: running.startedAt ?? now().toISOString(),
    });
    try {
      return await runClaimed(
        message,
        running,
        definition,
        payload,
        envelope,
        deadlineMs,
        settings,
        batch.successes,
        batch.successLog,
        circuit,
      );
    } finally {
      unwatch();
    }
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
      const successes = createGroupCommit<SuccessfulAttempt, SuccessWrite>({
        write: writeSuccesses,
        unwritten: { kind: 'unwritten', reason: 'no answer' },
        maxEntries: RESULT_GROUP_MAX,
        lingerMs: deps.outcomeLingerMs ?? 50,
      });
      const claims = createGroupCommit<ClaimRequest, ClaimOutcome | undefined>({
        write: claimFirstDeliveries,
        unwritten: undefined,
        maxEntries: RESULT_GROUP_MAX,
        lingerMs: deps.outcomeLingerMs ?? 50,
      });
      const successLog = createSuccessLog(logger, queue.name);
      // Just before the invocation's end: the jobs finished so far, then those still running.
      const watch = createTimeoutWatch(logger, queue.name, successLog.flush);
      if (clock) watch.arm(clock.getRemainingTimeInMillis());
      const dispatchMessage = async (message: QueueMessage): Promise<Delivery> => {
        let delivery: Delivery;
        // Stryker disable next-line CallExpression: without it the success group writes each outcome alone or sooner (cost only; the single write recognises what a batch did)
        successes.begin();
        // A message counts for the claim group until its claim is settled (or it needs none):
        // a lane running a job never holds the others' claims back.
        // Stryker disable next-line BooleanLiteral: the claim group then waits at most its linger for this message (timing only)
        let claiming = true;
        // Stryker disable next-line BlockStatement: the claim group then waits at most its linger for this message (timing only)
        const claimed = () => {
          // Stryker disable next-line ConditionalExpression,CallExpression: the claim group waits its linger, or flushes sooner and claims alone (timing and cost only; the single claim recognises what a batch did)
          if (claiming) claims.end();
          // Stryker disable next-line BooleanLiteral: a second end flushes the claim group sooner (cost only)
          claiming = false;
        };
        // Stryker disable next-line CallExpression: without it the claim group flushes sooner and claims alone (cost only)
        claims.begin();
        const circuit = createCircuitAttempt(deps.circuits);
        try {
          delivery = await dispatchOne(
            message,
            clock,
            { successes, successLog, watch, claims },
            claimed,
            circuit,
          );
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
          // Stryker disable next-line CallExpression: the claim group waits at most its linger for this message (timing only)
          claimed();
          // Stryker disable next-line CallExpression: the success group waits at most its linger for this message (timing only)
          successes.end();
          await circuit.settle();
        }
        if (delivery === 'keep') failures.push({ itemIdentifier: message.messageId });
        return delivery;
      };
      // FIFO: a group's messages in order, held back behind a kept one (message-group-order.ts).
      const units = orderedUnits(messages, fifo);
      const held = async (message: QueueMessage) => {
        logger.info(
          'Held back behind an earlier message of its group; it will be delivered again',
          {
            message_id: message.messageId,
            queue: queue.name,
            message_group: message.attributes?.MessageGroupId,
          },
        );
        failures.push({ itemIdentifier: message.messageId });
        // Visible again at once: in flight, it would hold its group for the whole visibility
        // timeout; visible, it waits only for the kept message before it.
        await hide(message, 0, message.messageId);
      };
      let next = 0;
      const lane = async () => {
        while (next < units.length) {
          await runUnitInOrder(units[next++]!, dispatchMessage, held);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(limit, units.length) }, lane));
      } finally {
        watch.disarm();
        successLog.flush();
      }
      await deps.circuits?.flush();
      metrics.flush();
      return { batchItemFailures: failures };
    },
  };
}
