/**
 * One chaos run from start to rest: wire everything, switch faults on, send the workload, keep
 * the faults on until most records are final (or a time bound), switch them off so the tail
 * converges, wait (bounded) for the pipeline to come to rest, stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { ChaosSettings } from './chaos-settings.ts';
import { type ChaosWiring, startChaosWiring } from './chaos-wiring.ts';
import { type Expectations, planWorkload, sendWorkload, type Workload } from './chaos-workload.ts';
import { type PipelineState, waitForRest } from './pipeline-state.ts';
import { seededRandom } from './seeded-random.ts';

/** Milliseconds from the start of the run. */
export interface ChaosTimings {
  readonly enqueuedAtMs: number;
  readonly faultsOffAtMs: number;
  readonly restAtMs: number;
  readonly totalMs: number;
}

/** What the accounting reads: the wiring (ledgers, clients, counters) and what was expected. */
export interface ChaosRun {
  readonly settings: ChaosSettings;
  readonly wiring: ChaosWiring;
  readonly workload: Workload;
  readonly expected: Expectations;
  /** Body → record id of the messages that carry no id (broken JSON). */
  readonly idOfBody: ReadonlyMap<string, string>;
  readonly atRest: boolean;
  readonly finalState: PipelineState;
  readonly timings: ChaosTimings;
}

const FINAL = [JobStatus.SUCCESSFUL, JobStatus.ERRORED, JobStatus.LOST];

async function keepFaultsOn(wiring: ChaosWiring, settings: ChaosSettings, expectedTotal: number) {
  const started = Date.now();
  while (Date.now() - started < settings.faultsAtMostMs) {
    const final = wiring.writes.countReaching(FINAL);
    if (final >= expectedTotal * settings.faultsUntilShareFinal) break;
    await sleep(250);
  }
  wiring.plan.enabled = false;
}

/**
 * @example
 * ```ts
 * const run = await runChaos(chaosSettings(process.env));
 * const accounting = await accountFor(run);
 * ```
 */
export async function runChaos(settings: ChaosSettings): Promise<ChaosRun> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const wiring = await startChaosWiring(settings);
  try {
    const workload = planWorkload(settings, seededRandom(settings.seed ^ 0x5bd1e995));
    wiring.plan.enabled = true;
    let faultsOffAtMs = 0;
    const faults = keepFaultsOn(
      wiring,
      settings,
      workload.jobs.length + workload.malformed.length,
    ).then(() => {
      faultsOffAtMs = elapsed();
    });
    const sent = await sendWorkload(
      workload,
      wiring.producer.client,
      wiring.job,
      wiring.clean.sqs,
      wiring.queueUrl,
    );
    const enqueuedAtMs = elapsed();
    await faults;
    const { atRest, state } = await waitForRest(wiring, settings.settleWithinMs);
    const restAtMs = elapsed();
    await wiring.stop();
    return {
      settings,
      wiring,
      workload,
      ...sent,
      atRest,
      finalState: state,
      timings: { enqueuedAtMs, faultsOffAtMs, restAtMs, totalMs: elapsed() },
    };
  } catch (error) {
    wiring.plan.enabled = false;
    await wiring.stop();
    throw error;
  }
}
