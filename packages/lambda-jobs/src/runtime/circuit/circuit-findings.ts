import type { CircuitView } from './circuit-admin.ts';

/** What `doctor` says about one circuit (the shape of its findings). */
export interface CircuitFinding {
  readonly level: 'warning';
  readonly queue?: string;
  readonly message: string;
}

/**
 * A warning per circuit that is not closed: its jobs are held. Says who opened it, the figures,
 * when the probe runs, and how to close it by hand.
 *
 * @example
 * ```ts
 * circuitFindings([{ type: 'send-email', state: 'open', mode: 'manual', settings }], { 'send-email': 'default' });
 * ```
 */
export function circuitFindings(
  circuits: readonly CircuitView[],
  queueOf: (type: string) => string | undefined,
): CircuitFinding[] {
  return circuits
    .filter((circuit) => circuit.state !== 'closed')
    .map((circuit) => {
      const queue = queueOf(circuit.type);
      const why =
        circuit.mode === 'manual'
          ? 'opened by an operator: its jobs are held until it is closed by hand'
          : `${circuit.failures ?? '?'} of ${circuit.attempts ?? '?'} attempts failed (opens at ${Math.round(circuit.settings.failureRate * 100)} % of ${circuit.settings.minAttempts} in ${circuit.settings.windowSeconds} s)`;
      const probe =
        circuit.state === 'half-open'
          ? 'a probe job runs now; its success closes the circuit'
          : circuit.probeAfter
            ? `one probe job runs after ${circuit.probeAfter}`
            : 'no probe runs';
      return {
        level: 'warning' as const,
        ...(queue ? { queue } : {}),
        message: `Circuit of job type "${circuit.type}" is ${circuit.state.toUpperCase()} (${why}); its jobs are held without spending attempts, ${probe}. Close it by hand: lambda-jobs circuits close ${circuit.type}`,
      };
    });
}
