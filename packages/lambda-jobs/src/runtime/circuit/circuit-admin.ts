import type { CircuitBreakerSettings } from '../../config/circuit-breaker-config.ts';
import { NoCircuitBreakerError } from '../errors.ts';
import {
  type CircuitMode,
  CircuitPosition,
  type CircuitState,
  type CircuitStateStore,
} from './circuit-ports.ts';

/**
 * How a circuit looks to an operator: closed; open (its jobs held until `probeAfter`, or until
 * an operator closes a manual opening); half-open (the cool-down is over: one probe runs, or
 * the next job of the type will be it).
 */
export type CircuitDisplayState = 'closed' | 'open' | 'half-open';

/** One job type's circuit as `queues`, `doctor`, `circuits` and the dashboard show it. */
export interface CircuitView {
  readonly type: string;
  readonly state: CircuitDisplayState;
  readonly mode?: CircuitMode;
  readonly openedAt?: string;
  readonly probeAfter?: string;
  readonly probeJobId?: string;
  readonly closedAt?: string;
  /** Attempts and failures in the window when it opened. */
  readonly attempts?: number;
  readonly failures?: number;
  readonly settings: CircuitBreakerSettings;
}

/** Reads every configured circuit and lets an operator open or close one. */
export interface CircuitAdmin {
  /** The configured types, in config order; an unreadable state throws. */
  list(): Promise<CircuitView[]>;
  /**
   * Opens (held until closed by an operator, no probe) or closes the circuit of `type`.
   * @throws NoCircuitBreakerError when `type` has no circuit breaker.
   */
  set(type: string, position: CircuitPosition): Promise<CircuitView>;
}

/** What {@link createCircuitAdmin} needs. */
export interface CircuitAdminDeps {
  readonly store: CircuitStateStore;
  readonly settings: Readonly<Record<string, CircuitBreakerSettings>>;
  readonly now?: () => Date;
}

/**
 * The state of a circuit as an operator reads it, at `now`.
 *
 * @example `circuitView(state, settings, new Date()).state === 'half-open'`
 */
export function circuitView(
  state: CircuitState,
  settings: CircuitBreakerSettings,
  now: Date,
): CircuitView {
  const open = state.position === CircuitPosition.OPEN;
  const probing =
    open &&
    (state.probeJobId !== undefined ||
      (state.probeAfter !== undefined && Date.parse(state.probeAfter) <= now.getTime()));
  const {
    position: _position,
    generation: _generation,
    updatedAt: _updated,
    probeLeaseUntil: _lease,
    type,
    ...shown
  } = state;
  return {
    ...shown,
    type,
    state: !open ? 'closed' : probing ? 'half-open' : 'open',
    settings,
  };
}

/**
 * Creates the operators' view and override of the circuits (CLI `circuits`, `doctor`,
 * `queues`, the dashboard). An override is one UpdateItem on the type's state item; workers
 * see it within their state cache (2 s).
 *
 * @example
 * ```ts
 * const circuits = createCircuitAdmin({ store, settings: config.circuitBreakers });
 * await circuits.set('send-email', 'open');
 * ```
 */
export function createCircuitAdmin(deps: CircuitAdminDeps): CircuitAdmin {
  const now = deps.now ?? (() => new Date());
  const types = Object.keys(deps.settings);
  return {
    async list() {
      const states = await Promise.all(types.map((type) => deps.store.read(type)));
      const at = now();
      return states.map((state) => circuitView(state, deps.settings[state.type]!, at));
    },
    async set(type, position) {
      const settings = Object.hasOwn(deps.settings, type) ? deps.settings[type] : undefined;
      if (!settings) throw new NoCircuitBreakerError(type, types);
      const at = now();
      const state = await deps.store.setManually(type, position, at.toISOString());
      return circuitView(state, settings, at);
    },
  };
}
