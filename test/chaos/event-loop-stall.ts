/**
 * The event-loop stall fault. Ten lanes of a worker share one event loop, so a CPU-bound job in
 * one lane holds every other lane's next step: a job that has ended may see its outcome write
 * go out seconds later, after the monitor has marked it LOST. Here an invocation drawn for the
 * fault blocks the main thread (Atomics.wait) right before its outcome write is sent, past the
 * job's lease plus the lost grace, while a rescuer on another thread runs the monitor's rescue
 * (stall-rescuer-thread.ts). Then the stale write goes out; its condition must refuse it.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { currentInvocation, isFrozen } from './invocation-freeze.ts';
import type { AppliedStatusWrite } from './write-ledger.ts';
import { statusWritesOf } from './write-ledger.ts';

/** What the rescuer thread is started with. */
export interface StallRescuerData {
  readonly tableName: string;
  /** The queue rescued: a lost job with attempts left is sent to it again, the last to its DLQ. */
  readonly queue: { readonly name: string; readonly url: string; readonly dlqUrl: string };
  readonly lostGraceSeconds: number;
  readonly retentionSeconds: number;
}

/** One stall: the jobs whose outcome write waits, and the word the rescuer wakes it with. */
export interface StallRequest {
  readonly ids: readonly string[];
  readonly wake: SharedArrayBuffer;
}

/** What the rescuer did during one stall. */
export interface StallRescue {
  /** Jobs the rescue marked LOST. */
  readonly rescued: readonly string[];
  /** `onAborted` calls the rescue made, one id per call. */
  readonly aborted: readonly string[];
  /** Status writes DynamoDB applied for the rescue. */
  readonly writes: readonly AppliedStatusWrite[];
  readonly error?: string;
}

/** Counts of the stall fault. */
export interface StallStats {
  /** Outcome writes held back by a blocked event loop. */
  stalls: number;
  /** Jobs the rescue marked LOST while the loop was blocked. */
  rescuedDuringStalls: number;
  /** Writes ending an attempt that the service refused after a stall. */
  staleWritesRefused: number;
  /** Stalls whose rescuer failed or did not answer in time. */
  rescuerFailures: number;
}

/** The main side: blocks the calling thread while the rescuer rescues. */
export interface EventLoopStall {
  readonly stats: StallStats;
  /**
   * Blocks the main thread until the rescuer has waited out the leases of `ids` plus the lost
   * grace and run the rescue (at most `maxMs`), then answers what the rescue did.
   */
  stallWhileRescuing(ids: readonly string[]): StallRescue | undefined;
  stop(): Promise<void>;
}

/** Longest a stall blocks the main thread, whatever the rescuer does. */
const STALL_AT_MOST_MS = 15_000;

/**
 * Starts the rescuer thread and answers once it is ready.
 *
 * @example
 * ```ts
 * const stall = await startEventLoopStall({ tableName, queue: { name: 'default', url, dlqUrl }, lostGraceSeconds: 1, retentionSeconds: 3600 });
 * stall.stallWhileRescuing(['job-1']); // the main thread is blocked until job-1 is rescued
 * ```
 */
export async function startEventLoopStall(data: StallRescuerData): Promise<EventLoopStall> {
  const channel = new MessageChannel();
  const worker = new Worker(new URL('./stall-rescuer-thread.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    workerData: { ...data, port: channel.port2 },
    transferList: [channel.port2],
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const stats: StallStats = {
    stalls: 0,
    rescuedDuringStalls: 0,
    staleWritesRefused: 0,
    rescuerFailures: 0,
  };
  return {
    stats,
    stallWhileRescuing(ids) {
      stats.stalls += 1;
      const wake = new SharedArrayBuffer(4);
      channel.port1.postMessage({ ids, wake } satisfies StallRequest);
      Atomics.wait(new Int32Array(wake), 0, 0, STALL_AT_MOST_MS);
      const answer = receiveMessageOnPort(channel.port1)?.message as StallRescue | undefined;
      if (!answer || answer.error) stats.rescuerFailures += 1;
      stats.rescuedDuringStalls += answer?.rescued.length ?? 0;
      return answer;
    },
    async stop() {
      channel.port1.close();
      await worker.terminate();
    },
  };
}

/** Whether a write failed on its condition. */
const isRefusal = (error: unknown) =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * Adds the fault to the worker's DynamoDB client: the first write ending an attempt that an
 * invocation drawn for the fault (`stallBeforeOutcome`) sends is held by a stall; what the
 * rescue applied meanwhile is handed to `onRescue` (the ledgers), and the refusals of every write
 * ending an attempt the invocation sends from then on (that one, and the rest of its group)
 * are counted.
 *
 * @example
 * ```ts
 * stallOutcomeWrites(workerDynamodb, stall, (rescue) => record(rescue));
 * ```
 */
export function stallOutcomeWrites(
  client: DynamoDBClient,
  stall: EventLoopStall,
  onRescue: (rescue: StallRescue) => void,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const invocation = currentInvocation();
      if (!(invocation?.stallBeforeOutcome || invocation?.stalled) || isFrozen()) {
        return next(args);
      }
      const input = args.input as unknown as Record<string, unknown>;
      const endings = statusWritesOf(context.commandName ?? '', input).filter(
        (w) => w.fromRunning && w.status !== 'LOST',
      );
      if (endings.length === 0) return next(args);
      if (invocation.stallBeforeOutcome) {
        // The first: the loop blocks here, and the rest of its group's puts wait behind it.
        invocation.stallBeforeOutcome = false;
        invocation.stalled = true;
        const rescue = stall.stallWhileRescuing(endings.map((w) => w.id));
        if (rescue) onRescue(rescue);
      }
      try {
        return await next(args);
      } catch (error) {
        if (isRefusal(error)) stall.stats.staleWritesRefused += 1;
        throw error;
      }
    },
    { step: 'initialize', priority: 'high', name: 'chaosEventLoopStall' },
  );
}
