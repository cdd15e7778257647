/**
 * Whether a chaos run has come to rest: nothing left in the queue (visible, in flight or
 * delayed), no invocation running, and no job record in a status that still expects work
 * (QUEUED, RUNNING, RETRYING, DEFERRED).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import {
  type JobStatus,
  JobStatus as Status,
} from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { ChaosWiring } from './chaos-wiring.ts';

/** Statuses that still expect a worker or the monitor to act. */
export const OPEN_STATUSES: readonly JobStatus[] = [
  Status.QUEUED,
  Status.RUNNING,
  Status.RETRYING,
  Status.DEFERRED,
];

/** One look at the pipeline. */
export interface PipelineState {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly invocationsRunning: number;
  readonly twinsRunning: number;
  /** Open statuses that have at least one record. */
  readonly openStatuses: readonly JobStatus[];
}

/**
 * True when nothing is left to do or running.
 *
 * @example
 * ```ts
 * isAtRest(await readPipelineState(wiring));
 * ```
 */
export const isAtRest = (state: PipelineState) =>
  state.visible + state.inFlight + state.delayed === 0 &&
  state.invocationsRunning === 0 &&
  state.twinsRunning === 0 &&
  state.openStatuses.length === 0;

/**
 * Reads the queue through a clean client and the records through the queue/status index.
 *
 * @example
 * ```ts
 * const state = await readPipelineState(wiring);
 * if (isAtRest(state)) …
 * ```
 */
export async function readPipelineState(wiring: ChaosWiring): Promise<PipelineState> {
  const { Attributes = {} } = await wiring.clean.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: wiring.queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const store = createDynamoDbJobStore({
    client: wiring.clean.dynamodb,
    tableName: wiring.resources.tableName,
    retentionSeconds: wiring.config.resultsRetentionSeconds,
  });
  const open = await Promise.all(
    OPEN_STATUSES.map(async (status) => {
      const page = await store.list({ queue: 'default', status, limit: 1 });
      return page.items.length > 0 ? status : undefined;
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    invocationsRunning: wiring.source.stats().inFlight,
    twinsRunning: wiring.chaos.stats.liveTwins,
    openStatuses: open.filter((status): status is JobStatus => status !== undefined),
  };
}

/**
 * Waits until the pipeline is at rest on two looks in a row, or `withinMs` has passed.
 * Returns the last state seen and whether it was at rest.
 *
 * @example
 * ```ts
 * const { atRest, state } = await waitForRest(wiring, 60_000);
 * ```
 */
export async function waitForRest(
  wiring: ChaosWiring,
  withinMs: number,
): Promise<{ atRest: boolean; state: PipelineState }> {
  const deadline = Date.now() + withinMs;
  let restingLooks = 0;
  for (;;) {
    const state = await readPipelineState(wiring);
    restingLooks = isAtRest(state) ? restingLooks + 1 : 0;
    if (restingLooks >= 2) return { atRest: true, state };
    if (Date.now() > deadline) return { atRest: false, state };
    await sleep(500);
  }
}
