/**
 * The dead-letter intake: SQS's own redrive (a message delivered `maxReceiveCount` times with
 * no outcome recorded: the last delivery crashed, timed out or was throttled) moves a job
 * queue's messages to the queue's intake, not straight to the DLQ. Each monitor run, before
 * its lost-job sweep, reads every intake and for each message, in this order:
 *
 * 1. reconciles the job's record (`JobStore.reconcileDeadLetter`, one conditional write): a job
 *    nothing else will finish ends ERRORED with `RedriveLimitError`; a message whose job is
 *    over, or carried by another message, is a duplicate and is dropped (logged); a message
 *    whose own attempt may still be live is left for a later run;
 * 2. sends the message to the DLQ (the one `dlq ls` and `dlq redrive` use) and notes
 *    `deadLetteredAt` on the record;
 * 3. releases the job's concurrency key (conditional on the job holding it);
 * 4. deletes the message from the intake.
 *
 * A step that fails leaves the message in the intake: it comes back after the intake's
 * visibility timeout and the next run resumes (an ERRORED record without `deadLetteredAt` is
 * moved). An intake message that fails again and again is moved to the DLQ by the intake's
 * own redrive: nothing is lost. The sweep and the intake race for an expired RUNNING record
 * only through conditional writes: whichever writes first decides, and the other finds the
 * record moved (the sweep's `markLost` needs RUNNING; the intake's write needs the record as
 * it read it).
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { DeadLetterReconciliation } from '../dead-letter-reconciliation.ts';
import { keptEnvelope, parseEnvelope, salvageConcurrencyKey, salvageJobId } from '../envelope.ts';
import { RedriveLimitError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { JobStatus } from '../job-status.ts';
import { laterSendRouting } from '../message-group.ts';
import type { ConcurrencyKeyStore, JobStore, QueueTransport } from '../ports.ts';
import { retryTransient } from '../retry-transient.ts';
import { toStoredError } from '../stored-error.ts';
import { MONITOR_LOG_MESSAGES } from './monitor-log.ts';
import type { DeadLetterIntakeQueue, IntakeMessage, MonitoredQueue } from './monitor-ports.ts';

/** What the intake pass needs: the job store, the key store, the intake reader, SQS sends. */
export interface DeadLetterIntakeDeps {
  readonly store: Pick<JobStore, 'reconcileDeadLetter' | 'markDeadLettered'>;
  readonly keys: Pick<ConcurrencyKeyStore, 'release'>;
  readonly intake: DeadLetterIntakeQueue;
  /** Sends reconciled messages to the DLQ. */
  readonly transport: Pick<QueueTransport, 'send'>;
  /** Messages handled per queue and run at most; the rest wait for the next run. Default 100. */
  readonly limitPerQueue?: number;
}

/** One queue as the intake pass sees it. */
export interface IntakeQueue extends MonitoredQueue {
  /** Where SQS's redrive moves this queue's messages. */
  readonly intakeUrl: string;
  /** The queue's redrive `maxReceiveCount` (for the record's error). */
  readonly maxReceiveCount: number;
}

/** What one queue's intake pass did. */
export interface IntakeResult {
  /** Jobs ended ERRORED (or moved to the DLQ as their record already said) and dead-lettered. */
  readonly deadLettered: readonly JobRecord[];
  /** Messages dropped: their job is over or carried by another message. */
  readonly duplicates: number;
  /** Messages left in the intake for a later run (a step failed, or the attempt may be live). */
  readonly kept: number;
  /** Messages whose handling threw (counted in `kept` too). */
  readonly failed: number;
}

type Handled =
  | { readonly outcome: 'dead-lettered'; readonly record: JobRecord }
  | { readonly outcome: 'duplicate' | 'kept' };

/** The ERRORED record to write for a message whose job has no record of ours. */
function freshRecord(message: IntakeMessage, queue: IntakeQueue, at: string): JobRecord {
  let envelope: ReturnType<typeof parseEnvelope> | undefined;
  try {
    envelope = parseEnvelope(message.body);
  } catch {
    envelope = undefined;
  }
  const id = envelope?.id ?? salvageJobId(message.body) ?? `msg-${message.messageId}`;
  const concurrencyKey = envelope
    ? envelope.options?.concurrencyKey
    : salvageConcurrencyKey(message.body);
  return {
    id,
    type: envelope?.type ?? 'unknown',
    queue: queue.name,
    status: JobStatus.ERRORED,
    attempts: 0,
    maxAttempts: 0,
    enqueuedAt: envelope?.enqueuedAt ?? at,
    updatedAt: at,
    endedAt: at,
    messageId: message.messageId,
    ...keptEnvelope(message.body),
    ...(concurrencyKey ? { concurrencyKey } : {}),
    expiresAt: 0,
  };
}

async function releaseKey(
  deps: DeadLetterIntakeDeps,
  record: JobRecord,
  logger: Logger,
): Promise<void> {
  if (!record.concurrencyKey) return;
  try {
    await retryTransient(() => deps.keys.release(record.concurrencyKey as string, record.id));
  } catch (error) {
    logger.warn('Concurrency key of a dead-lettered job not released; its TTL will free it', {
      job_id: record.id,
      concurrency_key: record.concurrencyKey,
      error,
    });
  }
}

/** Sends the message to the DLQ, notes it on the record, releases the key. */
async function moveToDlq(
  deps: DeadLetterIntakeDeps,
  queue: IntakeQueue,
  message: IntakeMessage,
  reconciled: Extract<DeadLetterReconciliation, { kind: 'ended' | 'move' }>,
  now: Date,
  logger: Logger,
): Promise<JobRecord> {
  const { record } = reconciled;
  const keys = { job_id: record.id, job_type: record.type, queue: queue.name };
  if (reconciled.kind === 'ended') {
    logger.error(MONITOR_LOG_MESSAGES.deadLettered, {
      ...keys,
      status: record.status,
      attempt: record.attempts,
      message_id: message.messageId,
      max_receive_count: queue.maxReceiveCount,
    });
  }
  // Throws when the DLQ refuses: the message stays in the intake, the next run moves it.
  const routing = laterSendRouting(queue.dlqUrl, record.id, message.groupId, record.type);
  await retryTransient(() =>
    deps.transport.send(queue.dlqUrl, message.body, undefined, undefined, routing),
  );
  const at = now.toISOString();
  try {
    await retryTransient(() => deps.store.markDeadLettered(record.id, at));
  } catch (error) {
    logger.warn('Dead-lettered job in the DLQ, but deadLetteredAt not written', { ...keys, error });
  }
  await releaseKey(deps, record, logger);
  return { ...record, deadLetteredAt: at };
}

async function handleOne(
  deps: DeadLetterIntakeDeps,
  queue: IntakeQueue,
  message: IntakeMessage,
  now: Date,
  graceSeconds: number,
  logger: Logger,
): Promise<Handled> {
  const at = now.toISOString();
  const fresh = freshRecord(message, queue, at);
  const reconciled = await retryTransient(() =>
    deps.store.reconcileDeadLetter({
      messageId: message.messageId,
      fresh,
      error: toStoredError(new RedriveLimitError(queue.maxReceiveCount, message.messageId)),
      now: at,
      leaseExpiredBefore: new Date(now.getTime() - graceSeconds * 1000).toISOString(),
    }),
  );
  switch (reconciled.kind) {
    case 'running':
      logger.info('Dead-lettered message: its attempt may still be running; judged again later', {
        job_id: reconciled.record.id,
        queue: queue.name,
        lease_expires_at: reconciled.record.leaseExpiresAt,
      });
      return { outcome: 'kept' };
    case 'duplicate':
      logger.info(MONITOR_LOG_MESSAGES.deadLetterDuplicate, {
        job_id: reconciled.record.id,
        job_type: reconciled.record.type,
        queue: queue.name,
        status: reconciled.record.status,
        message_id: message.messageId,
        job_message_id: reconciled.record.messageId,
      });
      // A job that is over no longer needs its key; a live one keeps it.
      if (reconciled.terminal) await releaseKey(deps, reconciled.record, logger);
      return { outcome: 'duplicate' };
    default:
      return {
        outcome: 'dead-lettered',
        record: await moveToDlq(deps, queue, message, reconciled, now, logger),
      };
  }
}

/**
 * Reads one queue's dead-letter intake until it is empty (or `limitPerQueue` messages were
 * handled) and reconciles each message (see the module header). Errors on one message are
 * logged and counted; that message stays in the intake. Throws only when the intake cannot
 * be read.
 *
 * @example
 * ```ts
 * const { deadLettered } = await drainDeadLetterIntake(
 *   { store, keys, intake, transport },
 *   { name: 'default', url, dlqUrl, intakeUrl, maxReceiveCount: 5 }, new Date(), 60, logger,
 * );
 * ```
 */
export async function drainDeadLetterIntake(
  deps: DeadLetterIntakeDeps,
  queue: IntakeQueue,
  now: Date,
  graceSeconds: number,
  logger: Logger,
): Promise<IntakeResult> {
  const limit = deps.limitPerQueue ?? 100;
  const deadLettered: JobRecord[] = [];
  let duplicates = 0;
  let kept = 0;
  let failed = 0;
  let received = 0;
  while (received < limit) {
    const messages = await deps.intake.receive(queue.intakeUrl, Math.min(10, limit - received));
    if (messages.length === 0) break;
    received += messages.length;
    for (const message of messages) {
      let handled: Handled;
      try {
        handled = await handleOne(deps, queue, message, now, graceSeconds, logger);
      } catch (error) {
        failed++;
        kept++;
        logger.error(MONITOR_LOG_MESSAGES.intakeFailed, {
          queue: queue.name,
          message_id: message.messageId,
          error,
        });
        continue;
      }
      if (handled.outcome === 'kept') {
        kept++;
        continue;
      }
      if (handled.outcome === 'dead-lettered') deadLettered.push(handled.record);
      else duplicates++;
      try {
        await retryTransient(() => deps.intake.remove(queue.intakeUrl, message.receiptHandle));
      } catch (error) {
        // It comes back and is judged again: then a duplicate, or moved once more.
        logger.warn('Reconciled dead-letter intake message not deleted; it comes back', {
          queue: queue.name,
          message_id: message.messageId,
          error,
        });
      }
    }
  }
  return { deadLettered, duplicates, kept, failed };
}
