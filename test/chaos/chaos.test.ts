/**
 * Chaos soak: jobs through the real worker handler behind the local SQS event source, against
 * fauxqs and DynamoDB Local, while faults are injected (job exceptions, crashed and timed-out
 * invocations, duplicate invocations and duplicate messages, event-loop stalls past lease + grace
 * before an outcome write, throttles and lost responses at the SDK layer, both above and inside
 * the SDK's retry). Then every job is accounted for.
 *
 * CI runs 1,000 jobs; `npm run test:chaos` runs 20,000 (CHAOS_JOBS). A summary goes to stderr.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { type Accounting, accountFor } from './chaos-accounting.ts';
import { type ChaosRun, runChaos } from './chaos-run.ts';
import { chaosSettings } from './chaos-settings.ts';
import { formatChaosSummary } from './chaos-summary.ts';
import { SDK_FAULT_KINDS } from './fault-plan.ts';

const settings = chaosSettings(process.env);
const runBoundMs = settings.faultsAtMostMs + settings.settleWithinMs + settings.jobs * 20 + 60_000;
let run: ChaosRun;
let accounting: Accounting;

// Prepare and act once: one run, every test below assesses one promise about it.
beforeAll(async () => {
  run = await runChaos(settings);
  accounting = await accountFor(run);
  process.stderr.write(formatChaosSummary(run, accounting));
}, runBoundMs);

describe(`chaos soak (${settings.jobs} jobs)`, () => {
  it('injected every kind of fault it promises', () => {
    const counts = run.wiring.plan.counts();
    for (const kind of SDK_FAULT_KINDS) expect(counts[kind], kind).toBeGreaterThan(0);
    expect(run.wiring.chaos.stats.crashed, 'crashed invocations').toBeGreaterThan(0);
    expect(run.wiring.chaos.stats.duplicated, 'duplicate invocations').toBeGreaterThan(0);
    expect(run.wiring.stall.stalls, 'event-loop stalls').toBeGreaterThan(0);
    expect(
      run.workload.jobs.some((job) => job.duplicate),
      'duplicate messages',
    ).toBe(true);
  });

  it('comes to rest once the faults stop: queue empty, nothing running, no open record', () => {
    expect(run.finalState).toMatchObject({
      visible: 0,
      inFlight: 0,
      delayed: 0,
      invocationsRunning: 0,
      openStatuses: [],
    });
    expect(run.atRest).toBe(true);
  });

  it('loses no job: every id sent has one final record (SUCCESSFUL, ERRORED or LOST), and no other record exists', () => {
    expect(accounting.missing).toEqual([]);
    expect(accounting.notFinal).toEqual([]);
    expect(accounting.unexpected).toEqual([]);
    expect(accounting.records).toBe(accounting.expectedJobs);
  });

  it('ends every job as its script allows: success stays success, failure stays failure, LOST aside', () => {
    expect(accounting.wrongOutcome).toEqual([]);
    expect(accounting.byStatus[JobStatus.SUCCESSFUL]).toBeGreaterThan(0);
    expect(accounting.byStatus[JobStatus.ERRORED]).toBeGreaterThan(0);
  });

  it('holds exactly the ERRORED set in the DLQ, and marks every ERRORED record as dead-lettered', () => {
    expect(accounting.inDlqNotErrored).toEqual([]);
    expect(accounting.erroredNotInDlq).toEqual([]);
    expect(accounting.erroredNotMarked).toEqual([]);
    expect(accounting.dlqUnreadable).toBe(0);
  });

  it('completes no job twice: one applied SUCCESSFUL write and one completed run behind each success', () => {
    expect(accounting.duplicateSuccessWrites).toEqual([]);
    expect(accounting.multipleEndings).toEqual([]);
    expect(accounting.staleEndings).toEqual([]);
    expect(accounting.successWithoutItsWrite).toEqual([]);
    // Both ways of recording a success were exercised: conditional updates always (lone
    // successes, fallbacks), and a group of conditional puts whenever an invocation had
    // successes ready together (how often depends on the machine's load, so that is what is
    // checked).
    expect(accounting.successWritesByCommand.UpdateItem ?? 0).toBeGreaterThan(0);
    if (accounting.successBatchOpportunities > 0) {
      expect(run.wiring.successPuts.sent, 'success puts sent').toBeGreaterThan(0);
    }
    expect(accounting.workCompletedTwice).toEqual([]);
    expect(accounting.successWithoutWork).toEqual([]);
  });

  it('lets no stale outcome land: every write held by an event-loop stall past lease + grace is refused once the rescue has moved its record on', () => {
    const { stall } = run.wiring;
    expect(stall.rescuerFailures).toBe(0);
    expect(stall.rescuedDuringStalls).toBeGreaterThan(0);
    expect(stall.staleWritesRefused).toBeGreaterThan(0);
    expect(accounting.staleEndings).toEqual([]);
    expect(accounting.multipleEndings).toEqual([]);
  });

  it('frees every concurrency key once its job has ended', () => {
    expect(accounting.keysStillHeld).toEqual([]);
  });

  it('runs onAborted once for every lost attempt, retried or LOST (unless the process that recorded it died), never more, never for others', () => {
    expect(accounting.abortedTwice).toEqual([]);
    expect(accounting.abortedNotLost).toEqual([]);
    expect(accounting.lostHookSkipped).toEqual([]);
  });
});
