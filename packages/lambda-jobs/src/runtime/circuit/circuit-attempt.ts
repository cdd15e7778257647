import type { CircuitBreaker, CircuitGate, ProbeOutcome } from './circuit-breaker.ts';

/**
 * One delivery's part in its type's circuit: what the gate decided, and how the attempt
 * ended. The dispatcher creates one per message, the gate fills it, the attempt reports its
 * outcome, and the batch lane settles it whatever happened in between, so a probe whose job
 * did not run (a duplicate, a conflict, a crash) gives its turn back at once.
 */
export interface CircuitAttempt {
  /** Notes the gate's decision for this job (`run` or `probe`). */
  admit(gate: CircuitGate, type: string, jobId: string): void;
  /** The attempt ran: success, failure, or unjudged (the job deferred itself). */
  ran(outcome: ProbeOutcome): void;
  /** Counts the attempt (closed circuit) or ends the probe. Never throws. */
  settle(): Promise<void>;
}

/**
 * Creates the holder of one delivery's part in its circuit; without a breaker it does nothing.
 *
 * @example
 * ```ts
 * const circuit = createCircuitAttempt(breaker);
 * try { await dispatchOne(message, circuit); } finally { await circuit.settle(); }
 * ```
 */
export function createCircuitAttempt(breaker: CircuitBreaker | undefined): CircuitAttempt {
  let admitted: { gate: CircuitGate; type: string; jobId: string } | undefined;
  let outcome: ProbeOutcome | undefined;
  return {
    admit(gate, type, jobId) {
      admitted = { gate, type, jobId };
    },
    ran(result) {
      outcome = result;
    },
    async settle() {
      if (!breaker || !admitted) return;
      const { gate, type, jobId } = admitted;
      admitted = undefined;
      if (gate.kind === 'probe') {
        await breaker.endProbe(type, gate.generation, jobId, outcome ?? 'unjudged');
      } else if (gate.kind === 'run' && outcome !== undefined && outcome !== 'unjudged') {
        breaker.recordAttempt(type, outcome === 'failed');
      }
    },
  };
}
