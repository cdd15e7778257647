import { DuplicateJobTypeError, UnknownJobTypeError } from './errors.ts';
import type { AnyJobDefinition } from './job-definition.ts';

/** The job types a worker can run and a client can enqueue, by `type`. */
export interface JobRegistry {
  readonly types: readonly string[];
  /** The definition for `type`, or undefined. */
  find(type: string): AnyJobDefinition | undefined;
  /** The definition for `type`; throws {@link UnknownJobTypeError}. */
  get(type: string): AnyJobDefinition;
  /** True when this very definition object is registered (not merely its type name). */
  has(definition: AnyJobDefinition): boolean;
}

/**
 * True when `value` looks like a {@link JobRegistry}: what a project's registry module exports
 * is checked with it before anything runs it (a module loaded by path can export anything).
 */
export function isJobRegistry(value: unknown): value is JobRegistry {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<JobRegistry>;
  return (
    Array.isArray(candidate.types) &&
    typeof candidate.get === 'function' &&
    typeof candidate.find === 'function'
  );
}

/**
 * Builds the registry. A duplicate `type` throws {@link DuplicateJobTypeError} naming where both
 * were defined, at cold start, before any message is read.
 *
 * @example
 * ```ts
 * export const registry = createRegistry([webhook, generateReport]);
 * ```
 */
export function createRegistry(definitions: readonly AnyJobDefinition[]): JobRegistry {
  const byType = new Map<string, AnyJobDefinition>();
  for (const definition of definitions) {
    const existing = byType.get(definition.type);
    if (existing) {
      throw new DuplicateJobTypeError(definition.type, existing.definedAt, definition.definedAt);
    }
    byType.set(definition.type, definition);
  }
  const types = [...byType.keys()].sort();
  return {
    types,
    find: (type) => byType.get(type),
    get(type) {
      const definition = byType.get(type);
      if (!definition) throw new UnknownJobTypeError(type, types);
      return definition;
    },
    has: (definition) => byType.get(definition.type) === definition,
  };
}
