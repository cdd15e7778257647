/**
 * Accounts for every job of a chaos run once it is at rest, from the outside: the whole job
 * table (scanned), the whole DLQ (received and parsed), the ledger of writes DynamoDB applied,
 * and what the job code itself observed. Each list below names the jobs that break one promise;
 * a sound run leaves all of them empty.
 *
 * What "exactly once" means here:
 * - every id sent has exactly one record, in SUCCESSFUL, ERRORED or LOST (the table is keyed by
 *   id, so "one record" is structural; the checks are that it exists and is final);
 * - a job whose script can succeed ends SUCCESSFUL or LOST (or ERRORED if an attempt was cut
 *   short by its deadline though its script did not overrun), one whose script cannot ends
 *   ERRORED or LOST; malformed messages end ERRORED;
 * - duplicate completion: DynamoDB applied more than one write taking the record from RUNNING
 *   to SUCCESSFUL, or more than one ending of any kind (RUNNING → SUCCESSFUL / ERRORED / LOST),
 *   in particular two endings of one attempt (a stale outcome landing after the rescue);
 *   and, seen from the job's side, `run` completed (returned before its deadline, in a live
 *   invocation) more than once. A SUCCESSFUL record must have exactly one SUCCESSFUL write and
 *   one completed run behind it;
 * - the DLQ holds exactly the ERRORED set (as sets of ids: delivery is at least once, so a
 *   message may be there twice, which is counted and reported), and every ERRORED record says
 *   it was dead-lettered;
 * - every concurrency key is free once its job has ended;
 * - `onAborted` runs once per lost attempt (recorded RETRYING while attempts remain, LOST for
 *   the last), never for a job with none, and is skipped only when the process that recorded
 *   the lost attempt died before it could run the hook.
 */
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { salvageJobId } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import {
  ALL_STATUSES,
  type JobStatus,
  JobStatus as Status,
} from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { ChaosRun } from './chaos-run.ts';
import type { InvocationState } from './invocation-freeze.ts';
import type { AppliedStatusWrite } from './write-ledger.ts';

/** The outcome of the accounting: counts to report, and the jobs that break a promise. */
export interface Accounting {
  readonly byStatus: Readonly<Record<JobStatus, number>>;
  readonly expectedJobs: number;
  readonly records: number;
  /** Sent, but no record. */
  readonly missing: readonly string[];
  /** A record for an id that was never sent. */
  readonly unexpected: readonly string[];
  /** A record left in QUEUED, RUNNING, RETRYING, DEFERRED or CANCELLED. */
  readonly notFinal: readonly string[];
  /** Ended in a status its script rules out (LOST aside, and ERRORED after a starved attempt). */
  readonly wrongOutcome: readonly string[];
  /** Reported: jobs with an attempt the infrastructure left too little time (see RunLedger). */
  readonly starved: number;
  readonly dlqMessages: number;
  readonly dlqDistinctIds: number;
  /** DLQ bodies no id could be read from. */
  readonly dlqUnreadable: number;
  /** In the DLQ, but the record is not ERRORED (or there is none). */
  readonly inDlqNotErrored: readonly string[];
  /** ERRORED, but its message is not in the DLQ. */
  readonly erroredNotInDlq: readonly string[];
  /** ERRORED without deadLetteredAt. */
  readonly erroredNotMarked: readonly string[];
  /** More than one applied RUNNING → SUCCESSFUL write. */
  readonly duplicateSuccessWrites: readonly string[];
  /** More than one applied ending (RUNNING → SUCCESSFUL / ERRORED / LOST). */
  readonly multipleEndings: readonly string[];
  /**
   * An attempt ended twice: a write ending it landed after another had (a stale outcome over
   * LOST, say). Kept apart from `multipleEndings`, which counts endings of any attempt.
   */
  readonly staleEndings: readonly string[];
  /** SUCCESSFUL record without exactly one applied SUCCESSFUL write behind it. */
  readonly successWithoutItsWrite: readonly string[];
  /** Applied SUCCESSFUL writes per command: a group's puts, and updates (lone or fallback). */
  readonly successWritesByCommand: Readonly<Partial<Record<AppliedStatusWrite['command'], number>>>;
  /**
   * Live invocations in which two successful runs ended within {@link BATCH_TOGETHER_MS} of
   * each other, well inside the worker's outcome linger: their successes are ready together,
   * so the worker must write them as a group (one conditional put each). How many arise
   * depends on the machine's load; when there is one, the group path must have been taken.
   */
  readonly successBatchOpportunities: number;
  /** `run` completed more than once. */
  readonly workCompletedTwice: readonly string[];
  /** SUCCESSFUL record, yet `run` never completed. */
  readonly successWithoutWork: readonly string[];
  readonly abortedTwice: readonly string[];
  readonly abortedNotLost: readonly string[];
  /** Fewer `onAborted` runs than lost attempts recorded by processes that stayed alive. */
  readonly lostHookSkipped: readonly string[];
  /** Reported, not a failure: lost attempts recorded by a process that died (its hook may not have run). */
  readonly lostHookDiedWithProcess: number;
  /** Reported: LOST jobs whose work had completed in a process that died before recording it. */
  readonly lostAfterWorkProcessDied: number;
  /** Reported: LOST jobs whose work completed in a process that stayed alive (recording failed). */
  readonly lostAfterWorkProcessAlive: readonly string[];
  /**
   * Reported: `run` calls that completed more than {@link PAST_DEADLINE_TOLERANCE_MS} after
   * `ctx.deadline` without their signal having fired.
   */
  readonly completedPastDeadline: readonly string[];
  /** Jobs whose concurrency key is still held once every job has ended (each has its own key). */
  readonly keysStillHeld: readonly string[];
  /** Runs of `run` that began, in total. */
  readonly runsStarted: number;
}

async function scanTable(run: ChaosRun) {
  const records = new Map<string, JobRecord>();
  const keysStillHeld: string[] = [];
  const nowSeconds = Math.floor(Date.now() / 1000);
  let startKey: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const page: ScanCommandOutput = await run.wiring.clean.dynamodb.send(
      new ScanCommand({ TableName: run.wiring.resources.tableName, ExclusiveStartKey: startKey }),
    );
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      const pk = String(item[TABLE_SCHEMA.partitionKey]);
      if (pk.startsWith('JOB#')) records.set(pk.slice('JOB#'.length), item as JobRecord);
      // A key given back by a producer whose send failed stays, expired, until TTL deletes it.
      else if (pk.startsWith('KEY#') && Number(item[TABLE_SCHEMA.ttlAttribute]) >= nowSeconds) {
        keysStillHeld.push(String(item.jobId));
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { records, keysStillHeld };
}

/** Receives every DLQ message (hidden for the rest of the test, never deleted). */
async function readDlq(run: ChaosRun): Promise<string[]> {
  const bodies: string[] = [];
  let emptyReceives = 0;
  while (emptyReceives < 3) {
    const { Messages = [] } = await run.wiring.clean.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: run.wiring.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 900,
      }),
    );
    emptyReceives = Messages.length === 0 ? emptyReceives + 1 : 0;
    for (const message of Messages) bodies.push(message.Body ?? '');
  }
  return bodies;
}

/** Event-loop lag on a busy machine: a timer due before the deadline may fire a little after it. */
export const PAST_DEADLINE_TOLERANCE_MS = 100;

const count = (map: ReadonlyMap<string, number>, id: string) => map.get(id) ?? 0;

/** Two successes ending this close in one invocation share a batch (the linger is 50 ms). */
export const BATCH_TOGETHER_MS = 5;

/** Live invocations with two runs that completed in time within {@link BATCH_TOGETHER_MS}. */
function successBatchOpportunities(run: ChaosRun): number {
  const endsBy = new Map<InvocationState, number[]>();
  for (const done of run.wiring.runs.completed.values()) {
    for (const r of done) {
      if (!r.by || r.by.frozen || r.at > r.deadline) continue;
      endsBy.set(r.by, [...(endsBy.get(r.by) ?? []), r.at]);
    }
  }
  let opportunities = 0;
  for (const ends of endsBy.values()) {
    const sorted = ends.sort((a, b) => a - b);
    if (sorted.some((at, i) => i > 0 && at - sorted[i - 1]! <= BATCH_TOGETHER_MS)) opportunities++;
  }
  return opportunities;
}

/**
 * @example
 * ```ts
 * const accounting = await accountFor(run);
 * expect(accounting.missing).toEqual([]);
 * ```
 */
export async function accountFor(run: ChaosRun): Promise<Accounting> {
  const { records, keysStillHeld } = await scanTable(run);
  const dlqBodies = await readDlq(run);
  const { writes, runs } = run.wiring;
  const byStatus = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const record of records.values()) byStatus[record.status] += 1;

  const dlqIds = new Set<string>();
  let dlqUnreadable = 0;
  for (const body of dlqBodies) {
    const id = run.idOfBody.get(body) ?? salvageJobId(body);
    if (id) dlqIds.add(id);
    else dlqUnreadable += 1;
  }

  const appliedWritesOf = (id: string) => writes.writesOf(id);
  const endingsOf = (id: string) =>
    appliedWritesOf(id).filter(
      (w) => w.fromRunning && w.status !== Status.RETRYING && w.status !== Status.DEFERRED,
    );
  const successWritesOf = (id: string) =>
    endingsOf(id).filter((w) => w.status === Status.SUCCESSFUL);
  const final: readonly JobStatus[] = [Status.SUCCESSFUL, Status.ERRORED, Status.LOST];
  const ids = [...run.expected.keys()];
  const recorded = (id: string) => records.get(id);
  const withStatus = (status: JobStatus) =>
    [...records.values()].filter((r) => r.status === status).map((r) => r.id);

  const completions = (id: string) => runs.completed.get(id) ?? [];
  const lostAttemptsOf = (id: string) => recorded(id)?.lostAttempts ?? 0;
  const lostAfterWork = withStatus(Status.LOST).filter((id) => completions(id).length > 0);
  const lostAfterWorkAlive = lostAfterWork.filter((id) =>
    completions(id).some((r) => r.by?.frozen !== true),
  );
  // Each lost attempt (RETRYING with attempts left, LOST for the last) runs onAborted once,
  // unless the process that recorded it died before it could.
  const lostAttemptWrites = (id: string) => appliedWritesOf(id).filter((w) => w.lostAttempt);
  const lostByLiveProcess = (id: string) =>
    lostAttemptWrites(id).filter((w) => w.by?.frozen !== true).length;
  const lostByDeadProcess = (id: string) =>
    lostAttemptWrites(id).filter((w) => w.by?.frozen === true).length;

  return {
    byStatus,
    expectedJobs: run.expected.size,
    records: records.size,
    missing: ids.filter((id) => !records.has(id)),
    unexpected: [...records.keys()].filter((id) => !run.expected.has(id)),
    notFinal: [...records.values()]
      .filter((r) => !final.includes(r.status))
      .map((r) => `${r.id}:${r.status}`),
    wrongOutcome: ids.filter((id) => {
      const status = recorded(id)?.status;
      if (status === undefined || status === Status.LOST || !final.includes(status)) return false;
      const starvedToError = status === Status.ERRORED && runs.starved.has(id);
      return status !== run.expected.get(id) && !starvedToError;
    }),
    starved: runs.starved.size,
    dlqMessages: dlqBodies.length,
    dlqDistinctIds: dlqIds.size,
    dlqUnreadable,
    // A job's last lost attempt (LOST) has its message in the DLQ too.
    inDlqNotErrored: [...dlqIds].filter(
      (id) => recorded(id)?.status !== Status.ERRORED && recorded(id)?.status !== Status.LOST,
    ),
    erroredNotInDlq: withStatus(Status.ERRORED).filter((id) => !dlqIds.has(id)),
    erroredNotMarked: withStatus(Status.ERRORED).filter((id) => !recorded(id)?.deadLetteredAt),
    duplicateSuccessWrites: ids.filter((id) => successWritesOf(id).length > 1),
    multipleEndings: ids.filter((id) => endingsOf(id).length > 1),
    staleEndings: ids.filter((id) => {
      const attempts = endingsOf(id).map((w) => w.attempt);
      return attempts.some((attempt, i) => attempts.indexOf(attempt) !== i);
    }),
    successWithoutItsWrite: withStatus(Status.SUCCESSFUL).filter(
      (id) => successWritesOf(id).length !== 1,
    ),
    successWritesByCommand: ids
      .flatMap(successWritesOf)
      .reduce<Partial<Record<AppliedStatusWrite['command'], number>>>((counts, w) => {
        counts[w.command] = (counts[w.command] ?? 0) + 1;
        return counts;
      }, {}),
    successBatchOpportunities: successBatchOpportunities(run),
    // A lost attempt (its outcome never recorded) is run again: each lost attempt may add one.
    workCompletedTwice: ids.filter((id) => completions(id).length > 1 + lostAttemptsOf(id)),
    successWithoutWork: withStatus(Status.SUCCESSFUL).filter((id) => completions(id).length === 0),
    // onAborted runs once per lost attempt (RETRYING then LOST, plain.jobs), never more.
    abortedTwice: ids.filter((id) => count(runs.aborted, id) > lostAttemptsOf(id)),
    abortedNotLost: [...runs.aborted.keys()].filter((id) => lostAttemptsOf(id) === 0),
    lostHookSkipped: ids.filter((id) => count(runs.aborted, id) < lostByLiveProcess(id)),
    lostHookDiedWithProcess: ids.reduce((sum, id) => sum + lostByDeadProcess(id), 0),
    lostAfterWorkProcessDied: lostAfterWork.length - lostAfterWorkAlive.length,
    lostAfterWorkProcessAlive: lostAfterWorkAlive,
    completedPastDeadline: [...runs.completed]
      .filter(([, done]) => done.some((r) => r.at > r.deadline + PAST_DEADLINE_TOLERANCE_MS))
      .map(([id]) => id),
    keysStillHeld,
    runsStarted: [...runs.started.values()].reduce((a, b) => a + b, 0),
  };
}
