/**
 * One problem found in the configuration: which field, what value, which rule it breaks.
 */
export interface ConfigProblem {
  /** Dotted path of the setting, e.g. `queues.default.thresholds.backlog.warning`. */
  readonly field: string;
  /** The value found (as configured, or as read from the environment). */
  readonly value: unknown;
  /** The rule it breaks, in words an operator can act on. */
  readonly rule: string;
}

/**
 * The configuration (the config module or the environment a handler reads) is invalid.
 *
 * Thrown by `cdk synth` and at cold start, before any job is touched, so a bad config never
 * deploys and never half-runs. The message lists every problem, one per line.
 *
 * @example
 * ```ts
 * try { validateConfig(config); } catch (e) {
 *   if (e instanceof ConfigError) for (const p of e.problems) console.error(p.field, p.rule);
 * }
 * ```
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: ErrorOptions) {
    super(
      `Invalid lambda-jobs configuration:\n${problems
        .map((p) => `  - ${p.field} = ${JSON.stringify(p.value)}: ${p.rule}`)
        .join('\n')}`,
      options,
    );
    this.problems = problems;
  }
}
