/**
 * Failures a test arranges for the next calls of a memory adapter's operations, to prove that
 * the code around a port copes with a store or queue that fails (a throttle, a timeout).
 */
export interface InjectedFaults<Operation extends string> {
  /**
   * The next call of `operation` rejects with `error` and changes nothing. Several calls queue
   * up: each arranged failure is used once, in order.
   *
   * @example
   * ```ts
   * store.failNext('finishAttempt', new Error('ProvisionedThroughputExceededException'));
   * ```
   */
  failNext(operation: Operation, error?: Error): void;
}

/** The arranging side ({@link InjectedFaults}) plus the check each operation makes first. */
export interface FaultPlan<Operation extends string> extends InjectedFaults<Operation> {
  /** Throws the failure arranged for `operation`, if there is one. */
  throwIfArranged(operation: Operation): void;
}

/**
 * A queue of arranged failures per operation.
 *
 * @example
 * ```ts
 * const faults = createFaultPlan<'send'>();
 * faults.failNext('send');
 * faults.throwIfArranged('send'); // throws "Injected failure of send"
 * ```
 */
export function createFaultPlan<Operation extends string>(): FaultPlan<Operation> {
  const pending = new Map<Operation, Error[]>();
  return {
    failNext(operation, error = new Error(`Injected failure of ${operation}`)) {
      const queued = pending.get(operation) ?? [];
      queued.push(error);
      pending.set(operation, queued);
    },
    throwIfArranged(operation) {
      const error = pending.get(operation)?.shift();
      if (error) throw error;
    },
  };
}
