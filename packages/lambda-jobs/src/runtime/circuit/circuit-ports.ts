/**
 * The narrow port the circuit breaker keeps its shared state behind (`docs/circuit-breaker.md`):
 * one state item per job type and window counters the workers add to. The DynamoDB adapter
 * (`adapters/aws/dynamodb-circuit-state.ts`) keeps them in the job table; the memory adapter
 * (`adapters/memory/memory-circuit-state.ts`) in a map.
 */

/** Closed: jobs run. Open: jobs are held, and after the cool-down one probe runs. */
export const CircuitPosition = { CLOSED: 'closed', OPEN: 'open' } as const;
export type CircuitPosition = (typeof CircuitPosition)[keyof typeof CircuitPosition];

/** Who opened or closed a circuit: the failure rate (and the probe) or an operator. */
export type CircuitMode = 'automatic' | 'manual';

/** A job type's circuit as stored. A type never opened reads as closed, generation 0. */
export interface CircuitState {
  readonly type: string;
  readonly position: CircuitPosition;
  /**
   * Grows by one at every opening and closing: a transition is written only from the
   * generation it was decided on, and the window counts are kept per generation, so a closed
   * circuit starts counting afresh.
   */
  readonly generation: number;
  readonly mode?: CircuitMode;
  /** When it opened (ISO 8601); set while open. */
  readonly openedAt?: string;
  /** When one probe job may run (ISO 8601); absent while closed and on a manual opening. */
  readonly probeAfter?: string;
  /** The job running as the probe, while one does. */
  readonly probeJobId?: string;
  /** Until when that probe holds its turn (ISO 8601): a probe whose worker died gives way. */
  readonly probeLeaseUntil?: string;
  /** When it last closed (ISO 8601). */
  readonly closedAt?: string;
  /** The figures that opened it: attempts and failures in the window. */
  readonly attempts?: number;
  readonly failures?: number;
  readonly updatedAt?: string;
}

/** Attempts and failures of one job type, added to a window counter. */
export interface AttemptCounts {
  readonly attempts: number;
  readonly failures: number;
}

/** Where one invocation's counts are added: the type, its circuit's generation, a window. */
export interface CountAddress {
  readonly type: string;
  readonly generation: number;
  /** Start of the window, epoch seconds (a multiple of the window length). */
  readonly windowStart: number;
  /** Which of the window's counter shards (spreads the writes; see `CIRCUIT_COUNT_SHARDS`). */
  readonly shard: number;
}

/** What a transition writes beside the position. */
export interface CircuitOpening {
  readonly at: string;
  /** Absent for a manual opening: it stays open until an operator closes it. */
  readonly probeAfter?: string;
  readonly mode: CircuitMode;
  readonly attempts?: number;
  readonly failures?: number;
}

/** How a probe ended: close the circuit, open it again, or give the turn back unjudged. */
export type ProbeEnd =
  | { readonly kind: 'close' }
  | { readonly kind: 'reopen'; readonly probeAfter: string }
  | { readonly kind: 'release' };

/**
 * Shared circuit state. Every transition is one conditional write on the state item: it
 * applies only to the generation (and probe) it was decided on, and answers whether it did.
 */
export interface CircuitStateStore {
  /** The circuit of `type` (eventually consistent); closed generation 0 when never written. */
  read(type: string): Promise<CircuitState>;
  /** Adds counts to one window counter (one write, no read). */
  addCounts(address: CountAddress, counts: AttemptCounts, expiresAt: number): Promise<void>;
  /** Sum of the counters of each window start over `shards` shards, in the order given. */
  readCounts(
    type: string,
    generation: number,
    windowStarts: readonly number[],
    shards: number,
  ): Promise<AttemptCounts[]>;
  /** Opens a closed circuit of `generation`; undefined when another writer moved it first. */
  open(
    type: string,
    generation: number,
    opening: CircuitOpening,
  ): Promise<CircuitState | undefined>;
  /**
   * Takes the probe's turn of an open circuit past its `probeAfter` whose turn is free (or
   * whose probe's lease ended): true for exactly one of concurrent callers.
   */
  takeProbe(
    type: string,
    generation: number,
    jobId: string,
    at: string,
    leaseUntil: string,
  ): Promise<boolean>;
  /** Ends the probe `jobId` holds; false when the circuit moved on without it. */
  endProbe(
    type: string,
    generation: number,
    jobId: string,
    end: ProbeEnd,
    at: string,
  ): Promise<boolean>;
  /** An operator's override: opens (held until closed) or closes whatever the state. */
  setManually(type: string, position: CircuitPosition, at: string): Promise<CircuitState>;
}
