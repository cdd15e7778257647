import type { ConfigProblem } from './config-error.ts';

/**
 * A job type's circuit breaker as configured (`circuitBreakers.<type>` in the config). Every
 * field has a default; a type without an entry has no circuit breaker (off unless enabled).
 */
export interface CircuitBreakerInput {
  /** Share of failed attempts (0 < rate ≤ 1) at or above which the circuit opens. Default 0.5. */
  readonly failureRate?: number;
  /** Least attempts in the window before the rate is judged. Default 20. */
  readonly minAttempts?: number;
  /** Length of the window the rate is measured over, s (10–3,600). Default 60. */
  readonly windowSeconds?: number;
  /**
   * Seconds an open circuit holds the type's jobs before one probe job runs (1–900: a held
   * job is sent again with an SQS delay, which is at most 900 s). Default 30.
   */
  readonly coolDownSeconds?: number;
}

/** A job type's circuit breaker with every default applied. */
export interface CircuitBreakerSettings {
  readonly failureRate: number;
  readonly minAttempts: number;
  readonly windowSeconds: number;
  readonly coolDownSeconds: number;
}

/** The defaults of {@link CircuitBreakerInput} and the limits the config check enforces. */
export const CIRCUIT_BREAKER_LIMITS = {
  defaults: { failureRate: 0.5, minAttempts: 20, windowSeconds: 60, coolDownSeconds: 30 },
  minAttempts: { min: 1, max: 1_000_000 },
  windowSeconds: { min: 10, max: 3600 },
  /** SQS's longest message delay: a held job is re-sent to arrive when the probe may run. */
  coolDownSeconds: { min: 1, max: 900 },
} as const;

/**
 * Applies the defaults to each configured circuit breaker.
 *
 * @example
 * ```ts
 * resolveCircuitBreakers({ 'send-email': { minAttempts: 50 } });
 * // { 'send-email': { failureRate: 0.5, minAttempts: 50, windowSeconds: 60, coolDownSeconds: 30 } }
 * ```
 */
export function resolveCircuitBreakers(
  input: Readonly<Record<string, CircuitBreakerInput>> | undefined,
): Readonly<Record<string, CircuitBreakerSettings>> {
  const defaults = CIRCUIT_BREAKER_LIMITS.defaults;
  return Object.fromEntries(
    Object.entries(input ?? {}).map(([type, given]) => [
      type,
      {
        failureRate: given?.failureRate ?? defaults.failureRate,
        minAttempts: given?.minAttempts ?? defaults.minAttempts,
        windowSeconds: given?.windowSeconds ?? defaults.windowSeconds,
        coolDownSeconds: given?.coolDownSeconds ?? defaults.coolDownSeconds,
      },
    ]),
  );
}

function wholeIn(
  problems: ConfigProblem[],
  field: string,
  value: unknown,
  limits: { readonly min: number; readonly max: number },
  unit: string,
): void {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < limits.min ||
    value > limits.max
  ) {
    problems.push({
      field,
      value,
      rule: `must be a whole number of ${unit} from ${limits.min} to ${limits.max}`,
    });
  }
}

/**
 * Problems in the resolved circuit breakers: each field in its limits, named
 * `circuitBreakers.<type>.<field>`. Whether each type exists is checked where the job
 * definitions are known (`jobConfigProblems`).
 *
 * @example
 * ```ts
 * circuitBreakerProblems({ a: { failureRate: 2, minAttempts: 20, windowSeconds: 60, coolDownSeconds: 30 } });
 * // [{ field: 'circuitBreakers.a.failureRate', value: 2, rule: 'must be a number above 0 and at most 1 …' }]
 * ```
 */
export function circuitBreakerProblems(
  breakers: Readonly<Record<string, CircuitBreakerSettings>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [type, settings] of Object.entries(breakers)) {
    const at = `circuitBreakers.${type}`;
    const rate = settings.failureRate;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 1) {
      problems.push({
        field: `${at}.failureRate`,
        value: rate,
        rule: 'must be a number above 0 and at most 1 (the share of failed attempts that opens the circuit)',
      });
    }
    wholeIn(
      problems,
      `${at}.minAttempts`,
      settings.minAttempts,
      CIRCUIT_BREAKER_LIMITS.minAttempts,
      'attempts',
    );
    wholeIn(
      problems,
      `${at}.windowSeconds`,
      settings.windowSeconds,
      CIRCUIT_BREAKER_LIMITS.windowSeconds,
      'seconds',
    );
    wholeIn(
      problems,
      `${at}.coolDownSeconds`,
      settings.coolDownSeconds,
      CIRCUIT_BREAKER_LIMITS.coolDownSeconds,
      'seconds (SQS delays a held job by at most 900 s)',
    );
  }
  return problems;
}
