/**
 * Emulates what Lambda does to an invocation that crashes or times out: the execution
 * environment stops at that instant. Every invocation of the chaos handler runs inside its own
 * {@link InvocationState}; once the state is frozen, the SDK calls it makes (or whose answers
 * arrive) never settle and the chaos jobs it runs never return, so nothing it would have done
 * afterwards happens — exactly as if the process had been killed. Writes already sent stay applied.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** One handler invocation, as seen from the code it runs. */
export interface InvocationState {
  readonly requestId: string;
  /** True from the instant the environment "died"; never reset. */
  frozen: boolean;
  /** Drawn for the event-loop stall: its next write ending an attempt waits (event-loop-stall.ts). */
  stallBeforeOutcome?: boolean;
  /** Its event loop was stalled: every write ending an attempt it sends later is stale. */
  stalled?: boolean;
}

const current = new AsyncLocalStorage<InvocationState>();

/**
 * Runs `work` as the body of `state`'s invocation.
 *
 * @example
 * ```ts
 * const state = { requestId: context.awsRequestId, frozen: false };
 * return runInInvocation(state, () => handler(event, context));
 * ```
 */
export function runInInvocation<T>(state: InvocationState, work: () => Promise<T>): Promise<T> {
  return current.run(state, work);
}

/**
 * The invocation the calling code belongs to; undefined outside any (the monitor, the producer).
 *
 * @example
 * ```ts
 * const by = currentInvocation(); // later: by?.frozen tells whether that process died
 * ```
 */
export function currentInvocation(): InvocationState | undefined {
  return current.getStore();
}

/**
 * True when the code calling it belongs to an invocation that has been frozen.
 *
 * @example
 * ```ts
 * if (isFrozen()) return hangForever();
 * ```
 */
export function isFrozen(): boolean {
  return current.getStore()?.frozen === true;
}

/**
 * A promise that never settles: what a killed process's pending work turns into.
 *
 * @example
 * ```ts
 * const result = await next(args);
 * if (isFrozen()) return hangForever();
 * ```
 */
export function hangForever<T>(): Promise<T> {
  return new Promise<T>(() => {});
}
