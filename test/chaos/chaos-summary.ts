/**
 * The human-readable report of a chaos run: sizes, timings, final statuses, faults injected
 * per kind, what the event source, worker and monitor counted, and any broken promise.
 */
import { cpus } from 'node:os';
import type { Accounting } from './chaos-accounting.ts';
import type { ChaosRun } from './chaos-run.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pairs = (entries: Iterable<readonly [string, number]>) =>
  [...entries].map(([name, n]) => `${name} ${n}`).join(', ');

/**
 * Names of the accounting lists that must be empty but are not, with their contents.
 *
 * @example
 * ```ts
 * brokenPromises(accounting); // [] when every job is accounted for
 * ```
 */
export function brokenPromises(accounting: Accounting): [string, readonly string[]][] {
  const lists: [string, readonly string[]][] = [
    ['missing', accounting.missing],
    ['unexpected', accounting.unexpected],
    ['notFinal', accounting.notFinal],
    ['wrongOutcome', accounting.wrongOutcome],
    ['inDlqNotErrored', accounting.inDlqNotErrored],
    ['erroredNotInDlq', accounting.erroredNotInDlq],
    ['erroredNotMarked', accounting.erroredNotMarked],
    ['duplicateSuccessWrites', accounting.duplicateSuccessWrites],
    ['multipleEndings', accounting.multipleEndings],
    ['staleEndings', accounting.staleEndings],
    ['successWithoutItsWrite', accounting.successWithoutItsWrite],
    ['workCompletedTwice', accounting.workCompletedTwice],
    ['successWithoutWork', accounting.successWithoutWork],
    ['abortedTwice', accounting.abortedTwice],
    ['abortedNotLost', accounting.abortedNotLost],
    ['keysStillHeld', accounting.keysStillHeld],
    ['lostHookSkipped', accounting.lostHookSkipped],
  ];
  return lists.filter(([, ids]) => ids.length > 0);
}

/**
 * @example
 * ```ts
 * process.stderr.write(formatChaosSummary(run, accounting));
 * ```
 */
export function formatChaosSummary(run: ChaosRun, accounting: Accounting): string {
  const { settings, workload, timings, wiring, finalState } = run;
  const scripts = workload.jobs.map((job) => job.script);
  const source = wiring.source.stats();
  const handler = wiring.chaos.stats;
  const broken = brokenPromises(accounting);
  const lines = [
    `chaos soak: ${settings.jobs} jobs + ${workload.malformed.length} malformed messages, ` +
      `${workload.jobs.filter((j) => j.duplicate).length} enqueued twice, ` +
      `${workload.jobs.filter((j) => j.concurrencyKey).length} keyed; seed ${settings.seed} (CHAOS_SEED), ${cpus().length} cores`,
    `  time: enqueued ${seconds(timings.enqueuedAtMs)}, faults off ${seconds(timings.faultsOffAtMs)}, ` +
      `at rest ${seconds(timings.restAtMs)}${run.atRest ? '' : ' (NOT at rest)'}, total ${seconds(timings.totalMs)}`,
    `  records: ${pairs(Object.entries(accounting.byStatus).filter(([, n]) => n > 0))} ` +
      `(${accounting.records} records for ${accounting.expectedJobs} ids)`,
    `  SUCCESSFUL writes applied: ${pairs(Object.entries(accounting.successWritesByCommand))}; success puts sent ${wiring.successPuts.sent}, invocations with successes ready together ${accounting.successBatchOpportunities}`,
    `  DLQ: ${accounting.dlqMessages} messages, ${accounting.dlqDistinctIds} distinct ids, ${accounting.dlqUnreadable} unreadable`,
    `  SDK faults injected: ${pairs(Object.entries(wiring.plan.counts()))}`,
    `  job faults scripted: throws on some attempt ${scripts.filter((s) => s.failAttempts > 0).length}, ` +
      `unrecoverable ${scripts.filter((s) => s.unrecoverable).length}, ` +
      `overruns its deadline ${scripts.filter((s) => s.overrunAttempt > 0).length}, ` +
      `defers once ${scripts.filter((s) => s.deferFirst).length}`,
    `  invocations: ${handler.invocations} (crashed ${handler.crashed}, frozen at timeout ${handler.frozenAtTimeout}, ` +
      `twins ${handler.duplicated}), highest receive count ${handler.maxReceiveCount} of ${settings.maxReceiveCount}`,
    `  event source: received ${source.messagesReceived}, deleted ${source.messagesDeleted}, failed items ${source.failedItems}, ` +
      `abandoned ${source.abandonedInvocations}, failed invocations ${source.errors}, SQS call errors ${source.pollErrors}`,
    `  worker outcomes: ${pairs(wiring.outcomes)}`,
    `  event-loop stalls past lease + grace before an outcome write: ${wiring.stall.stalls}, ` +
      `jobs rescued meanwhile ${wiring.stall.rescuedDuringStalls}, stale outcome writes refused ` +
      `${wiring.stall.staleWritesRefused}, rescuer failures ${wiring.stall.rescuerFailures}`,
    `  monitor: ${wiring.monitor.runs} runs, ${wiring.monitor.rescued} rescued as LOST, ` +
      `${wiring.monitor.runsWithQueueErrors} runs with queue errors, ${wiring.monitor.runsFailed} failed`,
    `  runs started ${accounting.runsStarted}; LOST after the work completed: process died ${accounting.lostAfterWorkProcessDied}, ` +
      `process alive ${accounting.lostAfterWorkProcessAlive.length} (${accounting.lostAfterWorkProcessAlive.slice(0, 5).join(' ')}); ` +
      `runs completed past ctx.deadline ${accounting.completedPastDeadline.length}; ` +
      `jobs with an attempt starved by a slow claim ${accounting.starved}; ` +
      `lost attempts whose onAborted died with its process ${accounting.lostHookDiedWithProcess}`,
    `  pipeline at the end: ${JSON.stringify(finalState)}`,
    broken.length === 0
      ? '  broken promises: none'
      : `  BROKEN PROMISES: ${broken.map(([name, ids]) => `${name} ${ids.length} (${ids.slice(0, 5).join(' ')})`).join('; ')}`,
    ...[
      ...broken.flatMap(([, ids]) => ids.slice(0, 3)),
      ...accounting.lostAfterWorkProcessAlive.slice(0, 3),
    ].map((id) => `    ${traceJob(run, id.split(':')[0]!)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * One job's history as the ledgers saw it, times in ms from its first event: each write
 * DynamoDB applied (status, whether it ended a RUNNING attempt, whether its process died later),
 * each completed run (with its ctx.deadline) and each injected fault that hit a call about it.
 *
 * @example
 * ```ts
 * traceJob(run, 'chaos-17'); // "chaos-17: +0 RUNNING, +512 run done (deadline +500), +1530 LOST by monitor"
 * ```
 */
export function traceJob(run: ChaosRun, id: string): string {
  const events: [number, string][] = [];
  for (const write of run.wiring.writes.writesOf(id)) {
    const by = write.by ? (write.by.frozen ? 'dead worker' : 'worker') : 'monitor';
    events.push([
      write.at ?? 0,
      `${write.status}${write.fromRunning ? ' (ends attempt)' : ''} by ${by}`,
    ]);
  }
  for (const done of run.wiring.runs.completed.get(id) ?? []) {
    const by = done.by?.frozen ? 'dead worker' : 'worker';
    events.push([done.at, `run done by ${by} (deadline @${done.deadline})`]);
  }
  for (const [at, text] of run.wiring.plan.notesOf(id)) events.push([at, `fault: ${text}`]);
  events.sort((a, b) => a[0] - b[0]);
  const origin = events[0]?.[0] ?? 0;
  const rebase = (text: string) =>
    text.replace(/@(\d+)/, (_, t: string) => `+${Number(t) - origin}`);
  return `${id}: ${events.map(([at, text]) => `+${at - origin} ${rebase(text)}`).join(', ')}`;
}
