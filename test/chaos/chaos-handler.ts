/**
 * Wraps the real worker handler the way a hostile Lambda fleet would run it:
 * - a crash: at a random instant within the function timeout the invocation's environment dies
 *   (it is frozen: nothing it would still do happens); the event source abandons it at the
 *   timeout and its messages return after the visibility timeout;
 * - a timeout: an invocation the event source abandons is frozen at that instant, as Lambda
 *   stops a function at its timeout (in-process it would otherwise run on);
 * - a duplicate invocation: the same records are handed to a second, concurrent invocation
 *   (a second execution environment given the same messages), which Lambda stops at its
 *   timeout too. The event source acts on the first one's answer;
 * - an event-loop stall: the invocation's first write ending an attempt waits, its main thread
 *   blocked past the lease plus the lost grace while the rescue runs (event-loop-stall.ts).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type {
  FailedInvocation,
  SqsBatchHandler,
} from '../../packages/lambda-jobs/src/local/event-source/event-source-options.ts';
import type { FaultPlan } from './fault-plan.ts';
import { type InvocationState, runInInvocation } from './invocation-freeze.ts';

/** Injected crashes strike within this long after the invocation starts. */
const CRASH_WINDOW_MS = 500;

/** What the wrapper saw. */
export interface ChaosHandlerStats {
  invocations: number;
  /** Invocations frozen by an injected crash (drawn crashes whose instant came before the end). */
  crashed: number;
  /** Invocations (first or twin) frozen at their function timeout. */
  frozenAtTimeout: number;
  /** Twin invocations started. */
  duplicated: number;
  /** Twins still running (neither finished nor frozen). */
  liveTwins: number;
  /** Highest ApproximateReceiveCount of any record handed to the handler. */
  maxReceiveCount: number;
}

export interface ChaosHandler {
  readonly handler: SqsBatchHandler;
  /** Give to the event source: freezes an invocation it abandons at the timeout. */
  readonly onInvocationError: (error: Error, invocation: FailedInvocation) => void;
  readonly stats: ChaosHandlerStats;
}

/**
 * @example
 * ```ts
 * const chaos = chaosHandler(worker.handler, plan, 3000);
 * await startSqsEventSource({ ...options, handler: chaos.handler, onInvocationError: chaos.onInvocationError });
 * ```
 */
export function chaosHandler(
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  plan: FaultPlan,
  functionTimeoutMs: number,
): ChaosHandler {
  const running = new Map<string, InvocationState>();
  const stats: ChaosHandlerStats = {
    invocations: 0,
    crashed: 0,
    frozenAtTimeout: 0,
    duplicated: 0,
    liveTwins: 0,
    maxReceiveCount: 0,
  };

  const freezeAfter = (state: InvocationState, ms: number, onFreeze: () => void) => {
    const timer = setTimeout(() => {
      if (state.frozen) return;
      state.frozen = true;
      onFreeze();
    }, ms);
    timer.unref();
    return timer;
  };

  /** The twin: its own environment, stopped at the function timeout like any invocation. */
  const startTwin = (event: SQSEvent, context: Context) => {
    stats.duplicated += 1;
    stats.liveTwins += 1;
    const twin: InvocationState = { requestId: `${context.awsRequestId}-twin`, frozen: false };
    const kill = freezeAfter(twin, functionTimeoutMs, () => {
      stats.frozenAtTimeout += 1;
      stats.liveTwins -= 1;
    });
    const settle = () => {
      clearTimeout(kill);
      if (!twin.frozen) stats.liveTwins -= 1;
    };
    runInInvocation(twin, () => handler(event, context)).then(settle, settle);
  };

  const wrapped: SqsBatchHandler = async (event, context) => {
    stats.invocations += 1;
    for (const record of event.Records) {
      const count = Number(record.attributes.ApproximateReceiveCount);
      if (count > stats.maxReceiveCount) stats.maxReceiveCount = count;
    }
    const state: InvocationState = {
      requestId: context.awsRequestId,
      frozen: false,
      ...(plan.draw('invocation-stall') ? { stallBeforeOutcome: true } : {}),
    };
    running.set(state.requestId, state);
    // The instant falls within the first CRASH_WINDOW_MS, where batches spend their time; a crash
    // drawn for an instant after the handler returned does not happen (its timer is cleared).
    const crash = plan.draw('invocation-crash')
      ? freezeAfter(state, plan.random() * Math.min(CRASH_WINDOW_MS, functionTimeoutMs), () => {
          stats.crashed += 1;
        })
      : undefined;
    if (plan.draw('invocation-duplicate')) startTwin(event, context);
    try {
      return await runInInvocation(state, () => handler(event, context));
    } finally {
      clearTimeout(crash);
      running.delete(state.requestId);
    }
  };

  return {
    handler: wrapped,
    onInvocationError(_error, invocation) {
      const state = running.get(invocation.awsRequestId);
      if (invocation.failure !== 'timed-out' || !state) return;
      running.delete(invocation.awsRequestId);
      if (!state.frozen) {
        state.frozen = true;
        stats.frozenAtTimeout += 1;
      }
    },
    stats,
  };
}
