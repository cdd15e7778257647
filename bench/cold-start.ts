import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import config from '../lambda-jobs.config.ts';
import { writeFunctionEntries } from '../packages/lambda-jobs/src/cdk/function-entries.ts';
import { ENV } from '../packages/lambda-jobs/src/config/env.ts';
import { checkRatio, type GoalCheck } from './cost-model.ts';
import type { Progress } from './pipeline.ts';
import { median } from './statistics.ts';

/** Goals: a minified worker bundle of at most 400 KB, initialising within 1.3× the baseline. */
export const COLD_START_GOALS = { bundleKb: 400, initRatio: 1.3 } as const;

const root = path.resolve(import.meta.dirname, '..');

/**
 * Where each run writes its bundles (a fresh folder inside, removed afterwards): under the
 * project's node_modules, so the bare `@aws-sdk/*` imports a deployed bundle keeps resolve to the
 * project's SDK, as they resolve to the SDK the Lambda runtime provides once deployed.
 */
const BENCH_CACHE = path.join(root, 'node_modules', '.cache', 'lambda-jobs-bench');

/** What NodejsFunction leaves out for Node 18 and later when `bundleAwsSDK` is not set. */
const RUNTIME_SDK: readonly string[] = ['@aws-sdk/*'];

/**
 * The esbuild options `lib/jobs-function.ts` gives NodejsFunction (ESM for Node 24, minified,
 * source map beside it, `module` before `main`, a `require` shim for CommonJS dependencies) and
 * the externals NodejsFunction adds itself: the stack sets neither `bundleAwsSDK` nor
 * `externalModules`, so `@aws-sdk/*` is left out and loaded from the Lambda runtime.
 */
export const STACK_BUNDLING: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  treeShaking: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // As the construct bundles inside this repository: the package from its sources.
  conditions: ['lambda-jobs-source', 'module'],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  external: [...RUNTIME_SDK],
  logLevel: 'silent',
};

/**
 * How a bundle gets the AWS SDK: `deployed` leaves `@aws-sdk/*` to the runtime, as the stack
 * deploys it; `selfContained` bundles it too (`bundleAwsSDK: true`), for comparison.
 */
export type Packaging = 'deployed' | 'selfContained';

/** The packagings, in the order they are timed and printed: the judged one first. */
export const PACKAGINGS: readonly Packaging[] = ['deployed', 'selfContained'];

/** The packaging the goals are judged on: the one `lib/jobs-function.ts` deploys. */
export const JUDGED_PACKAGING: Packaging = 'deployed';

/** Each packaging's name in the tables and what esbuild leaves out of its bundles. */
export const PACKAGING_SETTINGS: Readonly<
  Record<Packaging, { readonly title: string; readonly external: readonly string[] }>
> = {
  deployed: { title: 'as deployed: runtime SDK', external: RUNTIME_SDK },
  selfContained: { title: 'self-contained', external: [] },
};

/** One bundle and what went into it. */
export interface BundleReport {
  readonly entry: string;
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Bytes in the output per package (or first-party folder), largest first. */
  readonly largestInputs: readonly { readonly name: string; readonly bytes: number }[];
  /** Packages left out of the bundle and imported when it loads (`import … from`). */
  readonly importedAtLoad: readonly string[];
  /** Packages left out of the bundle and imported on first use only (`import()`). */
  readonly importedOnFirstUse: readonly string[];
}

/** The bundles timed. */
export type BundleName = 'worker' | 'minimal' | 'runtimeOnly' | 'trivialJobs';

/** The bundles, in the order they are timed and printed. */
export const BUNDLE_NAMES: readonly BundleName[] = [
  'worker',
  'trivialJobs',
  'runtimeOnly',
  'minimal',
];

/** Each bundle's entry point, and how many of its largest parts are reported. */
const ENTRIES: Readonly<Record<BundleName, { readonly entry: string; readonly parts: number }>> = {
  /** The reference app's worker, from the entry the LambdaJobs construct generates. */
  worker: { entry: 'reference worker', parts: 12 },
  /** The baseline: the same SDK clients built at module scope, nothing else. */
  minimal: { entry: 'bench/minimal-handler.ts', parts: 6 },
  /** The worker without the app's job types: lambda-jobs' own share (context, no goal). */
  runtimeOnly: { entry: 'bench/runtime-only-worker.ts', parts: 6 },
  /** The worker with the benchmarks' trivial job type instead of the app's (context, no goal). */
  trivialJobs: { entry: 'bench/trivial-jobs-worker.ts', parts: 6 },
};

/** Per bundle: one number, or one list of samples. */
export type PerBundle<T> = Readonly<Record<BundleName, T>>;

/** Whether the worker of one packaging meets the goals. */
export interface ColdStartChecks {
  readonly bundleSize: { readonly kb: number; readonly goalKb: number; readonly met: boolean };
  readonly init: GoalCheck;
}

/** The bundles of one packaging, their init times and the goal checks. */
export interface PackagingResult {
  readonly packaging: Packaging;
  readonly title: string;
  /** What esbuild left out of these bundles (imported from node_modules when timed). */
  readonly external: readonly string[];
  readonly bundles: PerBundle<BundleReport>;
  readonly initMs: PerBundle<readonly number[]>;
  readonly medianInitMs: PerBundle<number>;
  /** The same without NODE_OPTIONS=--enable-source-maps (which the stack sets): its share. */
  readonly medianInitMsWithoutSourceMaps: PerBundle<number>;
  /**
   * CPU time of the import (all threads), median: on a loaded machine wall time includes
   * waiting for a core, CPU time hardly does, so it shows what an idle machine would.
   */
  readonly medianInitCpuMs: PerBundle<number>;
  readonly checks: ColdStartChecks;
}

/** Everything the cold-start benchmark found. */
export interface ColdStartResult {
  readonly node: string;
  readonly runs: number;
  /** The packaging the goals are judged on (`deployed`); the other is printed beside it. */
  readonly judged: Packaging;
  readonly packagings: Readonly<Record<Packaging, PackagingResult>>;
}

/** Options for {@link runColdStartBenchmark}. */
export interface ColdStartOptions {
  readonly runs: number;
  readonly progress: Progress;
}

/**
 * Output bytes per package (`zod`, `@smithy/core`) or first-party folder (`runtime/adapters`),
 * from an esbuild metafile, largest first.
 *
 * @example
 * ```ts
 * largestInputs(result.metafile, 10); // [{ name: 'zod', bytes: 454123 }, …]
 * ```
 */
export function largestInputs(
  metafile: Metafile,
  limit: number,
): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
      const name = pkg ?? file.split('/').slice(0, 2).join('/');
      totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

/**
 * The packages (not Node built-ins) an esbuild metafile's outputs import from outside the
 * bundle: those imported when the bundle loads, and those only an `import()` asks for.
 *
 * @example
 * ```ts
 * externalImports(result.metafile);
 * // { atLoad: ['@aws-sdk/client-sqs', …], onFirstUse: ['@aws-sdk/client-scheduler', …] }
 * ```
 */
export function externalImports(metafile: Metafile): { atLoad: string[]; onFirstUse: string[] } {
  const atLoad = new Set<string>();
  const dynamic = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || isBuiltin(imported.path)) continue;
      (imported.kind === 'dynamic-import' ? dynamic : atLoad).add(imported.path);
    }
  }
  return {
    atLoad: [...atLoad].sort(),
    onFirstUse: [...dynamic].filter((name) => !atLoad.has(name)).sort(),
  };
}

/** The file a bundle starts from: the generated reference worker entry, or a bench file. */
function entryPath(name: BundleName): string {
  if (name !== 'worker') return path.join(root, ENTRIES[name].entry);
  return writeFunctionEntries({
    projectRoot: root,
    registryModule: path.join(root, 'jobs/index.ts'),
    config,
  }).worker;
}

/** A bundle written to disk. */
interface BuiltBundle {
  readonly outfile: string;
  readonly report: BundleReport;
}

/** Bundles one entry with the stack's settings and `external`, into `outDir/index.mjs`. */
async function bundle(
  name: BundleName,
  outDir: string,
  external: readonly string[],
): Promise<BuiltBundle> {
  const { entry, parts } = ENTRIES[name];
  const outfile = path.join(outDir, 'index.mjs');
  const result = await build({
    ...STACK_BUNDLING,
    external: [...external],
    entryPoints: [entryPath(name)],
    outfile,
    absWorkingDir: root,
    metafile: true,
  });
  const imports = externalImports(result.metafile);
  return {
    outfile,
    report: {
      entry,
      bytes: (await stat(outfile)).size,
      sourceMapBytes: (await stat(`${outfile}.map`)).size,
      largestInputs: largestInputs(result.metafile, parts),
      importedAtLoad: imports.atLoad,
      importedOnFirstUse: imports.onFirstUse,
    },
  };
}

/** Every bundle of every packaging, each in its own folder under `dir`. */
type Built = Readonly<Record<Packaging, PerBundle<BuiltBundle>>>;

async function bundleAll(dir: string): Promise<Built> {
  const bundlesOf = async (packaging: Packaging): Promise<PerBundle<BuiltBundle>> => {
    const { external } = PACKAGING_SETTINGS[packaging];
    const out = (name: BundleName) => path.join(dir, packaging, name);
    return {
      worker: await bundle('worker', out('worker'), external),
      minimal: await bundle('minimal', out('minimal'), external),
      runtimeOnly: await bundle('runtimeOnly', out('runtimeOnly'), external),
      trivialJobs: await bundle('trivialJobs', out('trivialJobs'), external),
    };
  };
  return { deployed: await bundlesOf('deployed'), selfContained: await bundlesOf('selfContained') };
}

/** Records the time an `import()` of the bundle takes in a fresh process, then exits. */
const PROBE = `const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[2]);
const importMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ importMs, cpuMs: (used.user + used.system) / 1000 }));
process.exit(0);
`;

/** The environment the stack gives a worker (values are never used at load). */
function stackEnvironment(): NodeJS.ProcessEnv {
  const queueUrls = {
    default: {
      url: 'https://sqs.us-east-1.amazonaws.com/000000000000/lambda-jobs-default',
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/lambda-jobs-default-dlq',
    },
    slow: {
      url: 'https://sqs.us-east-1.amazonaws.com/000000000000/lambda-jobs-slow',
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/lambda-jobs-slow-dlq',
    },
  };
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    [ENV.tableName]: 'lambda-jobs-jobs',
    [ENV.queueUrls]: JSON.stringify(queueUrls),
    [ENV.workerQueue]: 'default',
    POWERTOOLS_SERVICE_NAME: 'lambda-jobs',
    [ENV.metricsNamespace]: 'lambda-jobs',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** One timed import: wall time and CPU time, ms. */
interface InitSample {
  readonly importMs: number;
  readonly cpuMs: number;
}

/** Imports `outfile` once in a fresh Node process running `probe`, with `env`. */
function initOnce(probe: string, outfile: string, env: NodeJS.ProcessEnv): InitSample {
  const output = execFileSync(process.execPath, [probe, pathToFileURL(outfile).href], {
    env,
    encoding: 'utf8',
  });
  return JSON.parse(output) as InitSample;
}

/** The samples of one bundle. */
interface Samples {
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly wallMsWithoutSourceMaps: number[];
}

type AllSamples = Readonly<Record<Packaging, PerBundle<Samples>>>;

function emptySamples(): AllSamples {
  const empty = (): Samples => ({ wallMs: [], cpuMs: [], wallMsWithoutSourceMaps: [] });
  const perBundle = (): PerBundle<Samples> => ({
    worker: empty(),
    minimal: empty(),
    runtimeOnly: empty(),
    trivialJobs: empty(),
  });
  return { deployed: perBundle(), selfContained: perBundle() };
}

/**
 * Times every bundle of both packagings in turn, `runs` times, after two unmeasured rounds:
 * each turn imports the bundle once with the stack's environment and once without
 * `--enable-source-maps`, so a busy spell lands on every bundle alike.
 */
function timeAll(built: Built, probe: string, runs: number): AllSamples {
  const env = stackEnvironment();
  const { NODE_OPTIONS: _sourceMaps, ...envWithoutSourceMaps } = env;
  const samples = emptySamples();
  for (let round = -2; round < runs; round++) {
    for (const packaging of PACKAGINGS) {
      for (const name of BUNDLE_NAMES) {
        const { outfile } = built[packaging][name];
        const sample = initOnce(probe, outfile, env);
        const withoutMaps = initOnce(probe, outfile, envWithoutSourceMaps);
        if (round < 0) continue;
        const target = samples[packaging][name];
        target.wallMs.push(sample.importMs);
        target.cpuMs.push(sample.cpuMs);
        target.wallMsWithoutSourceMaps.push(withoutMaps.importMs);
      }
    }
  }
  return samples;
}

/** The median of one kind of sample, per bundle. */
function medians(
  samples: PerBundle<Samples>,
  pick: (samples: Samples) => readonly number[],
): PerBundle<number> {
  return {
    worker: median(pick(samples.worker)),
    minimal: median(pick(samples.minimal)),
    runtimeOnly: median(pick(samples.runtimeOnly)),
    trivialJobs: median(pick(samples.trivialJobs)),
  };
}

/**
 * Whether a worker meets the goals: its minified size, and its median init time against the
 * minimal handler's of the same packaging.
 *
 * @example
 * ```ts
 * coldStartChecks(120_000, { worker: 60, minimal: 50, runtimeOnly: 55, trivialJobs: 56 }).init.met; // true (1.2×)
 * ```
 */
export function coldStartChecks(
  workerBytes: number,
  medianInitMs: PerBundle<number>,
): ColdStartChecks {
  const kb = workerBytes / 1024;
  return {
    bundleSize: { kb, goalKb: COLD_START_GOALS.bundleKb, met: kb <= COLD_START_GOALS.bundleKb },
    init: checkRatio(
      medianInitMs.worker,
      medianInitMs.minimal,
      'at-most',
      COLD_START_GOALS.initRatio,
    ),
  };
}

function packagingResult(
  packaging: Packaging,
  built: PerBundle<BuiltBundle>,
  samples: PerBundle<Samples>,
): PackagingResult {
  const medianInitMs = medians(samples, (s) => s.wallMs);
  return {
    packaging,
    title: PACKAGING_SETTINGS[packaging].title,
    external: PACKAGING_SETTINGS[packaging].external,
    bundles: {
      worker: built.worker.report,
      minimal: built.minimal.report,
      runtimeOnly: built.runtimeOnly.report,
      trivialJobs: built.trivialJobs.report,
    },
    initMs: {
      worker: samples.worker.wallMs,
      minimal: samples.minimal.wallMs,
      runtimeOnly: samples.runtimeOnly.wallMs,
      trivialJobs: samples.trivialJobs.wallMs,
    },
    medianInitMs,
    medianInitMsWithoutSourceMaps: medians(samples, (s) => s.wallMsWithoutSourceMaps),
    medianInitCpuMs: medians(samples, (s) => s.cpuMs),
    checks: coldStartChecks(built.worker.report.bytes, medianInitMs),
  };
}

/** Removes a run's folder, then the bench's own parent folders if that left them empty. */
async function removeRunFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const parent of [BENCH_CACHE, path.dirname(BENCH_CACHE)]) {
    // rmdir only removes an empty folder: another run's, or another tool's cache, stays.
    await rmdir(parent).catch(() => undefined);
  }
}

/**
 * Benchmark 3: bundles the reference app's worker (the entry the construct generates), a minimal handler importing the same SDK clients,
 * the trivial-jobs worker and the runtime-only worker with the stack's esbuild settings, twice: as deployed (`@aws-sdk/*`
 * left to the runtime, resolved from the project's node_modules) and self-contained (the SDK
 * inside). Reports their minified sizes, then times the module initialisation of each in fresh
 * Node processes (`runs` each, all eight interleaved, after two unmeasured rounds), with the
 * environment the stack sets, and compares each worker with the minimal handler of the same
 * packaging; the same again without `--enable-source-maps` shows what source-map loading costs.
 * The goals are judged on the deployed packaging.
 *
 * @example
 * ```ts
 * const result = await runColdStartBenchmark({ runs: 20, progress });
 * result.packagings.deployed.checks.init.met;
 * ```
 */
export async function runColdStartBenchmark(options: ColdStartOptions): Promise<ColdStartResult> {
  await mkdir(BENCH_CACHE, { recursive: true });
  const dir = await mkdtemp(path.join(BENCH_CACHE, 'run-'));
  try {
    options.progress(
      `cold-start: bundling the worker, the trivial-jobs worker, the runtime-only worker and the minimal handler, as deployed (${RUNTIME_SDK.join(', ')} external) and self-contained (esbuild, in ${path.relative(root, dir)})`,
    );
    const built = await bundleAll(dir);
    const probe = path.join(dir, 'probe.mjs');
    await writeFile(probe, PROBE);
    options.progress(
      `cold-start: timing module initialisation, ${options.runs} fresh processes per bundle and setting, ${PACKAGINGS.length * BUNDLE_NAMES.length} bundles interleaved (Node ${process.version})`,
    );
    const samples = timeAll(built, probe, options.runs);
    return {
      node: process.version,
      runs: options.runs,
      judged: JUDGED_PACKAGING,
      packagings: {
        deployed: packagingResult('deployed', built.deployed, samples.deployed),
        selfContained: packagingResult('selfContained', built.selfContained, samples.selfContained),
      },
    };
  } finally {
    await removeRunFolder(dir);
  }
}
