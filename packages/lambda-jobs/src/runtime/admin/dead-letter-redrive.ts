/**
 * DLQ redrive that keeps job ids and job records consistent, and always ends.
 *
 * A dead letter's job record is usually ERRORED (or LOST, CANCELLED). The worker skips a
 * delivery whose record is terminal (it takes it for a duplicate), so moving the message alone
 * would silently drop the job. Each message therefore goes through three steps, in this order:
 *
 * 1. reset its record: ERRORED / LOST / CANCELLED → QUEUED with attempts reset (`requeue`),
 *    after taking its concurrency key back (the job released it when it ended; a job enqueued
 *    since with the same key must not run alongside: while another job holds the key, the
 *    message is skipped with a reason naming that job); a record that is already claimable
 *    (QUEUED, RETRYING, DEFERRED) needs nothing, and an absent one (expired, or never
 *    written) only its key: the worker's claim handles it;
 * 2. send the body unchanged (same job id) to the source queue;
 * 3. delete it from the DLQ, only once both steps above succeeded.
 *
 * If the send fails, the reset record is cancelled again and marked dead-lettered (CANCELLED
 * with `deadLetteredAt`: listed by `dlq ls`; `jobs retry` or a later redrive brings it back)
 * and the message stays in the DLQ. A crash between steps leaves
 * nothing lost: a reset record whose message is still in the DLQ is claimable, so the next
 * redrive simply sends it; a message sent but not deleted leaves a copy in the DLQ that the
 * next redrive finds already running or done.
 *
 * **It always ends.** A run takes at most the messages that were in the DLQ when it started
 * (the DLQ's count then), and at most `limit` of them (default {@link REDRIVE_LIMIT}). A
 * message that comes back to the DLQ during the run (its job failed again at once) is the same
 * job or the same body as one already moved: it is recognised and left for the next run.
 * A message whose envelope cannot run here (not an envelope, unknown type, a payload its
 * schema refuses, another queue's envelope) is skipped and reported, unless it is asked for by
 * job id (`jobIds`) or with `includeUnrunnable`: the worker would only reject it again. An
 * `AbortSignal` stops the run after the message in hand; the report says what was done.
 *
 * Messages are also left in the DLQ (and reported as skipped) when their record is RUNNING (an
 * attempt may still be in progress; the monitor marks it LOST if its worker died) or
 * SUCCESSFUL (a duplicate copy of a finished job: `dlq purge` removes such leftovers).
 *
 * Why not SQS StartMessageMoveTask: it moves messages server-side but cannot reset the job
 * records, so every job it moved would be skipped as a duplicate. This module always uses
 * receive → send → delete; the cost is a few requests per message, at a rate the caller sets.
 */

import { createHash } from 'node:crypto';
import { JobNotFoundError, JobStateConflictError, LambdaJobsError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { JobStatus } from '../job-status.ts';
import { laterSendRouting } from '../message-group.ts';
import type { QueueDepthSource } from '../monitor/monitor-ports.ts';
import type { ConcurrencyKeyStore, JobStore, QueueTransport } from '../ports.ts';
import type { JobRegistry } from '../registry.ts';
import { ConcurrencyKeyHeldError } from './admin-errors.ts';
import type { QueueMessageAdmin, ReceivedMessage } from './admin-ports.ts';
import { unrunnableReason } from './dead-letter-runnability.ts';
import { identifyDeadLetter, RECEIVE_BATCH } from './dead-letters.ts';
import type {
  RedriveOptions,
  RedriveProgress,
  RedriveResult,
  SkippedDeadLetter,
} from './jobs-admin.ts';
import { concurrencyKeyOf, takeConcurrencyKeyBack } from './requeue-concurrency-key.ts';

/** Messages a redrive examines at most when no limit is given. */
export const REDRIVE_LIMIT = { default: 1000, max: 100_000 } as const;

/** What a redrive did: {@link RedriveResult}, including the messages it left and why. */
export type RedriveReport = RedriveResult;

/** One message a redrive handled, for a log line per job. */
export interface RedriveEvent {
  /** `moved`; `matched` in a dry run (it would move); `skipped` when left in the DLQ (see `reason`). */
  readonly action: 'moved' | 'matched' | 'skipped';
  readonly messageId: string;
  readonly jobId: string | undefined;
  readonly type: string | undefined;
  readonly reason?: string;
}

/** {@link RedriveOptions} plus a callback with each handled message's job id and type. */
export interface RedriveRunOptions extends RedriveOptions {
  readonly onMessage?: (event: RedriveEvent) => void;
}

/** What a redrive needs. */
export interface RedriveDeps {
  readonly store: Pick<JobStore, 'get' | 'requeue' | 'cancel' | 'markDeadLettered'>;
  readonly transport: Pick<QueueTransport, 'send'>;
  /** Takes a re-queued job's concurrency key back (or skips it while another job holds it). */
  readonly keys: Pick<ConcurrencyKeyStore, 'acquire' | 'holder' | 'release'>;
  readonly messages: QueueMessageAdmin;
  /** The DLQ's count when the run starts: the run takes no more messages than that. */
  readonly depth: QueueDepthSource;
  /** The job types the worker runs: judges which envelopes can run. Absent: shape and records only. */
  readonly registry?: JobRegistry | undefined;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The queue to redrive: its config name, source URL and DLQ URL. */
export interface RedriveQueue {
  readonly name: string;
  readonly url: string;
  readonly dlqUrl: string;
}

const REOPENABLE: readonly JobStatus[] = [JobStatus.ERRORED, JobStatus.LOST, JobStatus.CANCELLED];

type Preparation =
  | {
      readonly ok: true;
      readonly requeued: boolean;
      /** The concurrency key this redrive took for the job: given back if the send fails. */
      readonly takenKey: string | undefined;
    }
  | { readonly ok: false; readonly reason: string };

function statusSkipReason(record: JobRecord | undefined): string | undefined {
  if (record?.status === JobStatus.RUNNING) {
    return 'its record is RUNNING (an attempt may be in progress); redrive it once the attempt ends or the monitor marks it LOST';
  }
  if (record?.status === JobStatus.SUCCESSFUL) {
    return 'its job already finished SUCCESSFUL: this is a leftover copy (dlq purge removes it)';
  }
  return undefined;
}

/**
 * Takes back the concurrency key of a job about to run again (see requeue-concurrency-key.ts);
 * a key held by another job is a skip whose reason names it.
 */
async function takeKeyBack(
  keys: RedriveDeps['keys'],
  jobId: string,
  key: string | undefined,
  status: string | undefined,
  now: Date,
): Promise<
  { readonly ok: true; readonly takenKey: string | undefined } | { ok: false; reason: string }
> {
  if (!key) return { ok: true, takenKey: undefined };
  try {
    const taken = await takeConcurrencyKeyBack(keys, {
      jobId,
      key,
      transition: 'redrive',
      status,
      now,
    });
    // The key this call took (given back if the job does not go out), not one it held already.
    return { ok: true, takenKey: taken ? key : undefined };
  } catch (error) {
    if (error instanceof ConcurrencyKeyHeldError) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * Step 1: makes the job's record claimable again, when it is not already, and takes its
 * concurrency key back when the job had ended (or its record is gone).
 */
async function prepareRecord(
  deps: Pick<RedriveDeps, 'store' | 'keys'>,
  jobId: string,
  body: string,
  now: Date,
): Promise<Preparation> {
  const { store } = deps;
  for (let tries = 0; tries < 2; tries++) {
    const record = await store.get(jobId);
    if (!record) {
      const keyed = await takeKeyBack(
        deps.keys,
        jobId,
        concurrencyKeyOf(undefined, body),
        undefined,
        now,
      );
      if (!keyed.ok) return keyed;
      return { ok: true, requeued: false, takenKey: keyed.takenKey };
    }
    const reason = statusSkipReason(record);
    if (reason) return { ok: false, reason };
    // QUEUED, RETRYING, DEFERRED: claimable as it is.
    if (!REOPENABLE.includes(record.status)) {
      return { ok: true, requeued: false, takenKey: undefined };
    }
    const key = concurrencyKeyOf(record, body);
    const keyed = await takeKeyBack(deps.keys, jobId, key, record.status, now);
    if (!keyed.ok) return keyed;
    const { takenKey } = keyed;
    try {
      await store.requeue(jobId, now.toISOString());
      return { ok: true, requeued: true, takenKey };
    } catch (error) {
      // Gone since the look: sent like a job without a record, which keeps the key it took.
      if (error instanceof JobNotFoundError) return { ok: true, requeued: false, takenKey };
      // Stryker disable next-line ConditionalExpression: without a key taken there is none to give back (a release of none changes nothing; its failure is ignored)
      if (takenKey) await deps.keys.release(takenKey, jobId).catch(() => {});
      if (!(error instanceof JobStateConflictError)) throw error;
      // Changed under us (a worker or another operator): look again once.
    }
  }
  return { ok: false, reason: 'its record kept changing while the redrive tried to reset it' };
}

/** What makes two dead letters the same job: its id, else the body itself. */
function sameJobKey(jobId: string | undefined, body: string): string {
  return jobId !== undefined
    ? `id:${jobId}`
    : // Stryker disable next-line StringLiteral: digest('') gives the hash's bytes, as distinct per body as its hex
      `body:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * Moves dead letters of `queue` back to its source queue, keeping job ids (see the module
 * header for the steps, the bounds and what is skipped). Honours `type`, `jobIds`, `limit`,
 * `includeUnrunnable`, `ratePerSecond`, `dryRun` (nothing moves or changes; what would move
 * and what would be skipped, with why, is reported) and `signal`. Every message it holds but
 * does not move is made visible again before it returns, also when it fails part-way (the
 * error then says how many were moved).
 *
 * @example
 * ```ts
 * const report = await redriveDeadLetters(deps, { name: 'default', url, dlqUrl }, { type: 'webhook', limit: 100 });
 * report.moved; report.jobIds; report.skipped; report.stoppedBy;
 * ```
 */
export async function redriveDeadLetters(
  deps: RedriveDeps,
  queue: RedriveQueue,
  options: RedriveRunOptions = {},
): Promise<RedriveReport> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const limit = Math.min(options.limit ?? REDRIVE_LIMIT.default, REDRIVE_LIMIT.max);
  const wanted = options.jobIds !== undefined ? new Set(options.jobIds) : undefined;
  const rate = options.ratePerSecond;
  // Stryker disable next-line ConditionalExpression: undefined > 0 is false as well
  const intervalMs = rate !== undefined && rate > 0 ? 1000 / rate : 0;
  const start = await deps.depth.depth(queue.dlqUrl);
  const present = start.visible + start.inFlight + start.delayed;
  // Held messages must stay hidden until the end (they are released then): a message seen
  // again would end the run early. Long enough for the whole run at this rate (about 100 ms
  // a message without one), at least 2 minutes; a crash leaves them hidden that long at most.
  const visibility = Math.min(
    43_200,
    Math.max(120, Math.ceil((Math.min(present, limit) * 2 * Math.max(intervalMs, 100)) / 1000)),
  );
  const held: string[] = [];
  const seen = new Set<string>();
  const handledJobs = new Set<string>();
  const jobIds: string[] = [];
  const skipped: SkippedDeadLetter[] = [];
  let examined = 0;
  let matched = 0;
  let moved = 0;
  let wouldMove = 0;
  let returned = 0;
  let lastSendAt = Number.NEGATIVE_INFINITY;
  let stoppedBy: RedriveResult['stoppedBy'] = 'done';

  const progress = (): RedriveProgress => ({
    moved: options.dryRun ? wouldMove : moved,
    skipped: skipped.length,
    left: Math.max(0, present - examined),
  });

  function skip(
    message: ReceivedMessage,
    identity: ReturnType<typeof identifyDeadLetter>,
    reason: string,
  ) {
    held.push(message.receiptHandle);
    const entry = {
      messageId: message.messageId,
      jobId: identity.jobId,
      type: identity.type,
      reason,
    };
    skipped.push(entry);
    options.onMessage?.({ action: 'skipped', ...entry });
    options.onProgress?.(progress());
  }

  async function move(
    message: ReceivedMessage,
    jobId: string | undefined,
    type: string | undefined,
    prepared: { readonly requeued: boolean; readonly takenKey: string | undefined },
  ) {
    const wait = lastSendAt + intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastSendAt = Date.now();
    try {
      await deps.transport.send(
        queue.url,
        message.body,
        undefined,
        undefined,
        laterSendRouting(
          queue.url,
          jobId ?? message.messageId,
          message.groupId,
          type ?? 'lambda-jobs',
        ),
      );
    } catch (error) {
      // Its message stays in the DLQ: the record must say so, not that it waits in the queue.
      // A failed send may still have been delivered (its answer lost): the key taken back is
      // given back only once the record is CANCELLED, which a delivered copy cannot run past.
      // A job without a record keeps it: a delivered copy would run holding it, and a key of a
      // job that never runs ends with its lifetime (or the orphaned-key sweep, under `full`).
      if (prepared.requeued && jobId !== undefined) {
        const at = now().toISOString();
        const cancelled = await deps.store.cancel(jobId, at).then(
          () => true,
          () => false,
        );
        if (cancelled) {
          await deps.store.markDeadLettered(jobId, at).catch(() => {});
          // Stryker disable next-line ConditionalExpression: without a key taken there is none to give back (a release of none changes nothing; its failure is ignored)
          if (prepared.takenKey) await deps.keys.release(prepared.takenKey, jobId).catch(() => {});
        }
      }
      throw error;
    }
    await deps.messages.delete(queue.dlqUrl, message.receiptHandle);
    moved += 1;
    if (jobId !== undefined) jobIds.push(jobId);
    options.onMessage?.({ action: 'moved', messageId: message.messageId, jobId, type });
    options.onProgress?.(progress());
  }

  async function handle(message: ReceivedMessage): Promise<void> {
    const identity = identifyDeadLetter(message.body);
    const matches =
      // Stryker disable next-line ConditionalExpression: the set holds job ids (strings), never undefined
      (wanted === undefined || (identity.jobId !== undefined && wanted.has(identity.jobId))) &&
      (options.type === undefined || (identity.wellFormed && identity.type === options.type));
    if (!matches) {
      held.push(message.receiptHandle);
      return;
    }
    matched += 1;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: with ids asked for, a message matches only by an id in them; without, `found` is not read
    if (identity.jobId !== undefined && wanted?.has(identity.jobId)) found.add(identity.jobId);
    const record = identity.jobId !== undefined ? await deps.store.get(identity.jobId) : undefined;
    const askedFor = wanted !== undefined || options.includeUnrunnable === true;
    const unrunnable = askedFor
      ? undefined
      : await unrunnableReason(message.body, {
          queue: queue.name,
          registry: deps.registry,
          record,
        });
    if (unrunnable) {
      return skip(
        message,
        identity,
        `cannot run: ${unrunnable}; once the worker can run it, redrive it by job id or with unrunnable messages included`,
      );
    }
    if (options.dryRun) {
      const reason = statusSkipReason(record);
      if (reason) return skip(message, identity, reason);
      held.push(message.receiptHandle);
      wouldMove += 1;
      if (identity.jobId !== undefined) jobIds.push(identity.jobId);
      options.onMessage?.({
        action: 'matched',
        messageId: message.messageId,
        jobId: identity.jobId,
        type: identity.type,
      });
      options.onProgress?.(progress());
      return;
    }
    // Stryker disable next-line ObjectLiteral: `{}` reads as nothing re-queued and no key taken, as written
    let prepared: { readonly requeued: boolean; readonly takenKey: string | undefined } = {
      requeued: false,
      takenKey: undefined,
    };
    if (identity.wellFormed && identity.jobId !== undefined) {
      const preparation = await prepareRecord(deps, identity.jobId, message.body, now());
      if (!preparation.ok) return skip(message, identity, preparation.reason);
      prepared = preparation;
    }
    await move(message, identity.jobId, identity.type, prepared);
  }

  // Every message seen counts once; a message that came back after a move does not count, and
  // SQS hands out at most `present` + the returns: a hard stop in case counts were off.
  const found = new Set<string>();
  const enough = () =>
    matched >= limit || examined >= present || (wanted !== undefined && found.size >= wanted.size);
  let received = 0;
  try {
    while (!enough() && received < 2 * present + RECEIVE_BATCH) {
      // Stopped: nothing more is received (the report says so below).
      if (options.signal?.aborted) break;
      const batch = await deps.messages.receive(queue.dlqUrl, RECEIVE_BATCH, visibility);
      received += batch.length;
      let fresh = false;
      for (const [index, message] of batch.entries()) {
        const identity = identifyDeadLetter(message.body);
        const job = sameJobKey(identity.jobId, message.body);
        if (seen.has(message.messageId) || enough() || options.signal?.aborted) {
          held.push(message.receiptHandle);
          continue;
        }
        seen.add(message.messageId);
        fresh = true;
        if (handledJobs.has(job)) {
          // Its job was moved (or looked at) earlier in this run and is back already.
          returned += 1;
          held.push(message.receiptHandle);
          continue;
        }
        handledJobs.add(job);
        examined += 1;
        try {
          await handle(message);
        } catch (error) {
          // The message in hand stays in the DLQ (a failed step before its delete), and the
          // rest of the batch was received but not looked at: release them too.
          held.push(...batch.slice(index).map((m) => m.receiptHandle));
          throw error;
        }
      }
      // Empty, or only messages already seen (their visibility ended): nothing left to take.
      if (!fresh) break;
    }
    if (options.signal?.aborted) stoppedBy = 'signal';
    else if (matched >= limit) stoppedBy = 'limit';
  } catch (error) {
    throw new LambdaJobsError(
      `Redrive of ${queue.name} stopped after moving ${moved} message(s): ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await deps.messages.release(queue.dlqUrl, held);
  }
  return {
    moved,
    matched,
    jobIds,
    method: 'receive-send-delete',
    skipped,
    presentAtStart: present,
    examined,
    cameBack: returned,
    left: Math.max(0, present - examined),
    stoppedBy,
    dryRun: options.dryRun === true,
  };
}
