/**
 * The project a command runs in: its `lambda-jobs.config.ts` (found from the current folder
 * upwards) and the job types its `registry` module exports.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config-error.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { isJobRegistry, type JobRegistry } from '../runtime/registry.ts';
import { enterDevMode } from '../runtime/run-mode.ts';
import { CliUsageError } from './cli-errors.ts';

/** Config file names, in the order they are looked for. */
export const CONFIG_FILES = [
  'lambda-jobs.config.ts',
  'lambda-jobs.config.mts',
  'lambda-jobs.config.js',
  'lambda-jobs.config.mjs',
];

/** A loaded project. */
export interface Project {
  /** The folder holding the config file. */
  readonly root: string;
  readonly configFile: string;
  readonly config: LambdaJobsConfig;
  readonly registry: JobRegistry;
}

/**
 * The config file in `folder` or a folder above it, up to the project root (the nearest folder
 * holding a package.json); undefined when there is none. The search never leaves the project:
 * a config file in a shared folder above it (`/tmp`) is code nobody here asked to run.
 */
export function findConfigFile(folder: string): string | undefined {
  for (const current of projectFolders(path.resolve(folder))) {
    for (const name of CONFIG_FILES) {
      const candidate = path.join(current, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** `start` and the folders above it up to the project root; only `start` outside a project. */
function projectFolders(start: string): string[] {
  const folders: string[] = [];
  for (let current = start; ; current = path.dirname(current)) {
    folders.push(current);
    if (existsSync(path.join(current, 'package.json'))) return folders;
    if (path.dirname(current) === current) return [start];
  }
}

function isConfig(value: unknown): value is LambdaJobsConfig {
  return typeof value === 'object' && value !== null && 'appName' in value && 'queues' in value;
}

/** Imports a project module; a module that throws while loading is named in the error. */
async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new CliUsageError(
      `${file} failed to load: ${(error as Error).message ?? String(error)}`,
      undefined,
      { cause: error },
    );
  }
}

/**
 * Loads the project around `cwd`. In `dev` mode the process is marked as dev mode first
 * (`isDevMode()`), so job modules wire themselves for this machine. Throws CliUsageError
 * saying what is missing and how to add it.
 *
 * @example
 * ```ts
 * const { config, registry } = await loadProject(process.cwd(), 'dev');
 * ```
 */
export async function loadProject(cwd: string, mode: 'dev' | 'deployed'): Promise<Project> {
  const configFile = findConfigFile(cwd);
  if (!configFile) {
    throw new CliUsageError(
      `No lambda-jobs.config.ts in ${cwd} or above it up to the project root (the folder with package.json). Create one at your project root:\n  import { defineConfig } from 'lambda-jobs';\n  export default defineConfig({ appName: 'shop', registry: './src/jobs/index.ts', queues: { default: {} } });`,
    );
  }
  if (mode === 'dev') enterDevMode();
  const root = path.dirname(configFile);
  const configModule = await importModule(configFile);
  const config = configModule.default ?? configModule.config;
  if (!isConfig(config)) {
    throw new CliUsageError(
      `${configFile} must \`export default defineConfig({...})\` (imported from 'lambda-jobs').`,
    );
  }
  if (config.registry === undefined) {
    throw new CliUsageError(
      `${configFile}: set \`registry\` to the module that exports your job types, e.g. registry: './src/jobs/index.ts'.`,
    );
  }
  const registryFile = path.resolve(root, config.registry);
  if (!existsSync(registryFile)) {
    throw new CliUsageError(
      `${configFile}: registry "${config.registry}" does not exist (looked for ${registryFile}).`,
    );
  }
  const registry = (await importModule(registryFile)).registry;
  if (!isJobRegistry(registry)) {
    throw new CliUsageError(
      `${registryFile} must export \`registry\`, made with createRegistry([...]) from 'lambda-jobs'.`,
    );
  }
  return { root, configFile, config, registry };
}
