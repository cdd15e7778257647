import type { CircuitAdmin } from '../../runtime/circuit/circuit-admin.ts';
import { NoCircuitBreakerError } from '../../runtime/errors.ts';
import { rejectUnknownParameters } from './api-parameters.ts';

/** What a circuit route receives: the query and the path's captured segments. */
interface CircuitRequest {
  readonly query: URLSearchParams;
}

/** One route, in the shape of the dashboard API's routes. */
export interface CircuitRoute {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handle: (request: CircuitRequest, params: readonly string[]) => Promise<unknown>;
}

/**
 * The dashboard's circuit-breaker routes: `GET /api/circuits` (every configured circuit;
 * `[]` when the dashboard has no circuit admin) and `POST /api/circuits/<type>/open|close`
 * (an operator's override, behind the same request guard as every action). A type without a
 * circuit breaker is a 400 naming the field and the types that have one.
 *
 * @example
 * ```ts
 * routes.push(...circuitRoutes(circuits, (raw) => decodeURIComponent(raw)));
 * ```
 */
export function circuitRoutes(
  circuits: CircuitAdmin | undefined,
  segment: (raw: string | undefined, field: string) => string,
): CircuitRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/api\/circuits$/,
      handle: async ({ query }) => {
        rejectUnknownParameters(query, []);
        return { circuits: circuits ? await circuits.list() : [] };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/circuits\/([^/]+)\/(open|close)$/,
      handle: async ({ query }, [rawType, action]) => {
        const type = segment(rawType, 'type');
        rejectUnknownParameters(query, []);
        if (!circuits) throw new NoCircuitBreakerError(type, []);
        return { circuit: await circuits.set(type, action === 'open' ? 'open' : 'closed') };
      },
    },
  ];
}
