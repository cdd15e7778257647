import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../config/config-error.ts';
import { isJobRegistry, type JobRegistry } from '../runtime/registry.ts';

/** The project's registry module, found and loaded while the construct is built. */
export interface ProjectRegistry {
  /** Absolute path of the module. */
  readonly modulePath: string;
  readonly registry: JobRegistry;
}

/**
 * Resolves `config.registry` against the project root and, unless the registry is `given`,
 * loads it synchronously (a construct is built synchronously). Works when the CDK app runs under tsx or ts-node, or on Node's own
 * TypeScript support. Throws {@link ConfigError} naming the field when the module is missing,
 * cannot be loaded synchronously, or exports no `registry`.
 *
 * @example
 * ```ts
 * const { modulePath, registry } = loadProjectRegistry(process.cwd(), './src/jobs/index.ts');
 * ```
 */
export function loadProjectRegistry(
  projectRoot: string,
  registryPath: string,
  given?: JobRegistry,
): ProjectRegistry {
  const modulePath = path.resolve(projectRoot, registryPath);
  const problem = (rule: string) =>
    new ConfigError([{ field: 'registry', value: registryPath, rule }]);
  if (!existsSync(modulePath)) {
    throw problem(
      `no such file: ${modulePath} (the path is relative to the project root ${projectRoot})`,
    );
  }
  if (given) return { modulePath, registry: given };
  let exported: Record<string, unknown>;
  try {
    exported = createRequire(path.join(projectRoot, 'package.json'))(modulePath);
  } catch (error) {
    throw problem(
      `could not load it while building the construct: ${(error as Error).message}. A module with top-level await cannot be loaded here; pass \`registry\` to the construct instead`,
    );
  }
  const registry =
    exported.registry ?? (exported.default as Record<string, unknown> | undefined)?.registry;
  if (!isJobRegistry(registry)) {
    throw problem(
      'the module must export `registry`, made with createRegistry([...]) from lambda-jobs',
    );
  }
  return { modulePath, registry };
}
