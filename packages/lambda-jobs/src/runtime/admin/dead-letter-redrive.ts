/**
 * DLQ redrive that keeps job ids and job records consistent.
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
 * 3. delete it from the DLQ.
 *
 * A crash between steps leaves nothing lost: a reset record whose message is still in the DLQ
 * is claimable, so the next redrive simply sends it; a message sent but not deleted leaves a
 * copy in the DLQ that the next redrive finds already running or done.
 *
 * Messages are left in the DLQ (and reported as skipped) when their record is RUNNING (an
 * attempt may still be in progress; the monitor marks it LOST if its worker died) or
 * SUCCESSFUL (a duplicate copy of a finished job: `dlq purge` removes such leftovers).
 * Malformed bodies are moved as they are only when no type filter is given: the worker will
 * reject them again, which is what an operator who fixed the worker wants to find out.
 *
 * Why not SQS StartMessageMoveTask: it moves messages server-side but cannot reset the job
 * records, so every job it moved would be skipped as a duplicate. This module always uses
 * receive → send → delete; the cost is a few requests per message, at a rate the caller sets.
 */
import { JobNotFoundError, JobStateConflictError, LambdaJobsError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { JobStatus } from '../job-status.ts';
import type { ConcurrencyKeyStore, JobStore, QueueTransport } from '../ports.ts';
import { ConcurrencyKeyHeldError } from './admin-errors.ts';
import type { QueueMessageAdmin, ReceivedMessage } from './admin-ports.ts';
import { identifyDeadLetter, RECEIVE_BATCH } from './dead-letters.ts';
import type { RedriveOptions, RedriveResult } from './jobs-admin.ts';
import { concurrencyKeyOf, takeConcurrencyKeyBack } from './requeue-concurrency-key.ts';

/** A dead letter that matched but was left in the DLQ, and why. */
export interface SkippedDeadLetter {
  readonly messageId: string;
  readonly jobId: string | undefined;
  readonly type: string | undefined;
  readonly reason: string;
}

/** {@link RedriveResult} plus the messages that matched but stayed in the DLQ. */
export interface RedriveReport extends RedriveResult {
  readonly skipped: readonly SkippedDeadLetter[];
}

/** One message a redrive handled, for a log line per job. */
export interface RedriveEvent {
  /** `moved`; `matched` in a dry run; `skipped` when left in the DLQ (see `reason`). */
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
  readonly store: Pick<JobStore, 'get' | 'requeue'>;
  readonly transport: Pick<QueueTransport, 'send'>;
  /** Takes a re-queued job's concurrency key back (or skips it while another job holds it). */
  readonly keys: Pick<ConcurrencyKeyStore, 'acquire' | 'holder' | 'release'>;
  readonly messages: QueueMessageAdmin;
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
const CLAIMABLE: readonly JobStatus[] = [JobStatus.QUEUED, JobStatus.RETRYING, JobStatus.DEFERRED];

type Preparation = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function skipReason(record: JobRecord): string | undefined {
  if (record.status === JobStatus.RUNNING) {
    return 'its record is RUNNING (an attempt may be in progress); redrive it once the attempt ends or the monitor marks it LOST';
  }
  if (record.status === JobStatus.SUCCESSFUL) {
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
): Promise<Preparation & { readonly taken?: boolean }> {
  if (!key) return { ok: true };
  try {
    const taken = await takeConcurrencyKeyBack(keys, {
      jobId,
      key,
      transition: 'redrive',
      status,
      now,
    });
    return { ok: true, taken };
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
    if (record && CLAIMABLE.includes(record.status)) return { ok: true };
    if (!record) {
      return takeKeyBack(deps.keys, jobId, concurrencyKeyOf(undefined, body), undefined, now);
    }
    const reason = skipReason(record);
    if (reason) return { ok: false, reason };
    if (!REOPENABLE.includes(record.status)) return { ok: true };
    const key = concurrencyKeyOf(record, body);
    const keyed = await takeKeyBack(deps.keys, jobId, key, record.status, now);
    if (!keyed.ok) return keyed;
    try {
      await store.requeue(jobId, now.toISOString());
      return { ok: true };
    } catch (error) {
      if (key && keyed.taken) await deps.keys.release(key, jobId).catch(() => {});
      if (error instanceof JobNotFoundError) return { ok: true };
      if (!(error instanceof JobStateConflictError)) throw error;
      // Changed under us (a worker or another operator): look again once.
    }
  }
  return { ok: false, reason: 'its record kept changing while the redrive tried to reset it' };
}

/**
 * Moves dead letters of `queue` back to its source queue, keeping job ids (see the module
 * header for the steps and what is skipped). Honours `type`, `limit` (matching messages
 * examined at most), `ratePerSecond` and `dryRun` (nothing moves; what would move is counted).
 * Every message it holds but does not move is made visible again before it returns, also
 * when it fails part-way (the error then says how many were moved).
 *
 * @example
 * ```ts
 * const report = await redriveDeadLetters(deps, { name: 'default', url, dlqUrl }, { type: 'webhook', limit: 100 });
 * report.moved; report.jobIds; report.skipped;
 * ```
 */
export async function redriveDeadLetters(
  deps: RedriveDeps,
  queue: RedriveQueue,
  options: RedriveRunOptions = {},
): Promise<RedriveReport> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const rate = options.ratePerSecond;
  const intervalMs = rate !== undefined && rate > 0 ? 1000 / rate : 0;
  // Held messages must stay hidden until the end: long enough for one batch at this rate.
  const visibility = Math.min(
    43_200,
    Math.max(60, Math.ceil((RECEIVE_BATCH * 2 * intervalMs) / 1000)),
  );
  const held: string[] = [];
  const seen = new Set<string>();
  const jobIds: string[] = [];
  const skipped: SkippedDeadLetter[] = [];
  let matched = 0;
  let moved = 0;
  let lastSendAt = Number.NEGATIVE_INFINITY;

  async function move(
    message: ReceivedMessage,
    jobId: string | undefined,
    type: string | undefined,
  ): Promise<void> {
    const wait = lastSendAt + intervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastSendAt = Date.now();
    await deps.transport.send(queue.url, message.body);
    await deps.messages.delete(queue.dlqUrl, message.receiptHandle);
    moved += 1;
    if (jobId !== undefined) jobIds.push(jobId);
    options.onMessage?.({ action: 'moved', messageId: message.messageId, jobId, type });
    options.onProgress?.(moved, jobId);
  }

  async function handle(message: ReceivedMessage): Promise<void> {
    const identity = identifyDeadLetter(message.body);
    const matches =
      options.type === undefined ? true : identity.wellFormed && identity.type === options.type;
    if (!matches || matched >= limit) {
      held.push(message.receiptHandle);
      return;
    }
    matched += 1;
    if (options.dryRun) {
      held.push(message.receiptHandle);
      if (identity.jobId !== undefined) jobIds.push(identity.jobId);
      options.onMessage?.({
        action: 'matched',
        messageId: message.messageId,
        jobId: identity.jobId,
        type: identity.type,
      });
      options.onProgress?.(matched, identity.jobId);
      return;
    }
    if (identity.wellFormed && identity.jobId !== undefined) {
      const prepared = await prepareRecord(deps, identity.jobId, message.body, now());
      if (!prepared.ok) {
        held.push(message.receiptHandle);
        const skip = {
          messageId: message.messageId,
          jobId: identity.jobId,
          type: identity.type,
          reason: prepared.reason,
        };
        skipped.push(skip);
        options.onMessage?.({ action: 'skipped', ...skip });
        return;
      }
    }
    try {
      await move(message, identity.jobId, identity.type);
    } catch (error) {
      held.push(message.receiptHandle);
      throw error;
    }
  }

  try {
    while (matched < limit) {
      const batch = await deps.messages.receive(queue.dlqUrl, RECEIVE_BATCH, visibility);
      if (batch.length === 0) break;
      let fresh = 0;
      for (const [index, message] of batch.entries()) {
        if (seen.has(message.messageId)) {
          held.push(message.receiptHandle);
          continue;
        }
        seen.add(message.messageId);
        fresh += 1;
        try {
          await handle(message);
        } catch (error) {
          // The rest of the batch was received but not looked at: release it too.
          held.push(...batch.slice(index + 1).map((m) => m.receiptHandle));
          throw error;
        }
      }
      if (fresh === 0) break;
    }
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
  };
}
