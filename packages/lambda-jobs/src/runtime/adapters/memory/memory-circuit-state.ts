import {
  type AttemptCounts,
  CircuitPosition,
  type CircuitState,
  type CircuitStateStore,
} from '../../circuit/circuit-ports.ts';

/**
 * Circuit state in memory, with the conditions of the DynamoDB adapter: for unit tests and
 * in-process runs.
 *
 * @example
 * ```ts
 * const circuits = createMemoryCircuitState();
 * await circuits.setManually('send-email', 'open', new Date().toISOString());
 * ```
 */
export function createMemoryCircuitState(): CircuitStateStore {
  const states = new Map<string, CircuitState>();
  const counts = new Map<string, { attempts: number; failures: number }>();
  const closed = (type: string): CircuitState => ({
    type,
    position: CircuitPosition.CLOSED,
    generation: 0,
  });
  const read = (type: string) => states.get(type) ?? closed(type);
  const countKey = (type: string, generation: number, windowStart: number, shard: number) =>
    `${type}\u0000${generation}\u0000${windowStart}\u0000${shard}`;
  const withoutProbe = (state: CircuitState): CircuitState => {
    const { probeJobId: _job, probeLeaseUntil: _lease, ...rest } = state;
    return rest;
  };
  return {
    async read(type) {
      return read(type);
    },
    async addCounts(address, added) {
      const key = countKey(address.type, address.generation, address.windowStart, address.shard);
      const current = counts.get(key) ?? { attempts: 0, failures: 0 };
      counts.set(key, {
        attempts: current.attempts + added.attempts,
        failures: current.failures + added.failures,
      });
    },
    async readCounts(type, generation, windowStarts, shards) {
      return windowStarts.map((windowStart): AttemptCounts => {
        let attempts = 0;
        let failures = 0;
        for (let shard = 0; shard < shards; shard += 1) {
          const found = counts.get(countKey(type, generation, windowStart, shard));
          attempts += found?.attempts ?? 0;
          failures += found?.failures ?? 0;
        }
        return { attempts, failures };
      });
    },
    async open(type, generation, opening) {
      const current = read(type);
      if (current.generation !== generation || current.position !== CircuitPosition.CLOSED) {
        return undefined;
      }
      const next: CircuitState = {
        type,
        position: CircuitPosition.OPEN,
        generation: generation + 1,
        mode: opening.mode,
        openedAt: opening.at,
        ...(opening.probeAfter ? { probeAfter: opening.probeAfter } : {}),
        ...(opening.attempts === undefined ? {} : { attempts: opening.attempts }),
        ...(opening.failures === undefined ? {} : { failures: opening.failures }),
        ...(current.closedAt ? { closedAt: current.closedAt } : {}),
        updatedAt: opening.at,
      };
      states.set(type, next);
      return next;
    },
    async takeProbe(type, generation, jobId, at, leaseUntil) {
      const current = read(type);
      const free = current.probeLeaseUntil === undefined || current.probeLeaseUntil < at;
      if (
        current.generation !== generation ||
        current.position !== CircuitPosition.OPEN ||
        current.probeAfter === undefined ||
        current.probeAfter > at ||
        !free
      ) {
        return false;
      }
      states.set(type, { ...current, probeJobId: jobId, probeLeaseUntil: leaseUntil });
      return true;
    },
    async endProbe(type, generation, jobId, end, at) {
      const current = read(type);
      if (current.generation !== generation || current.probeJobId !== jobId) return false;
      const rest = withoutProbe(current);
      if (end.kind === 'release') {
        states.set(type, rest);
      } else if (end.kind === 'reopen') {
        states.set(type, {
          ...rest,
          generation: generation + 1,
          openedAt: at,
          probeAfter: end.probeAfter,
          updatedAt: at,
        });
      } else {
        const { openedAt: _o, probeAfter: _p, ...closedRest } = rest;
        states.set(type, {
          ...closedRest,
          position: CircuitPosition.CLOSED,
          generation: generation + 1,
          mode: 'automatic',
          closedAt: at,
          updatedAt: at,
        });
      }
      return true;
    },
    async setManually(type, position, at) {
      const current = withoutProbe(read(type));
      const { openedAt: _o, probeAfter: _p, ...rest } = current;
      const next: CircuitState =
        position === CircuitPosition.OPEN
          ? {
              ...rest,
              position,
              generation: current.generation + 1,
              mode: 'manual',
              openedAt: at,
              updatedAt: at,
            }
          : {
              ...rest,
              position,
              generation: current.generation + 1,
              mode: 'manual',
              closedAt: at,
              updatedAt: at,
            };
      states.set(type, next);
      return next;
    },
  };
}
