import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { ENV } from '../config/env.ts';
import { checkRatio, type GoalCheck } from './cost-model.ts';
import type { Progress } from './pipeline.ts';
import { median } from './statistics.ts';

/** Goals: a minified worker bundle of at most 400 KB, initialising within 1.3× the baseline. */
export const COLD_START_GOALS = { bundleKb: 400, initRatio: 1.3 } as const;

const root = path.resolve(import.meta.dirname, '..');

/**
 * The esbuild options `lib/jobs-function.ts` gives NodejsFunction (ESM for Node 24, minified,
 * source map beside it, `module` before `main`, a `require` shim for CommonJS dependencies),
 * with every dependency bundled: the AWS SDK v3 clients go into the bundle because the SDK
 * version Lambda's runtime ships is not pinned.
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
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  external: [],
  logLevel: 'silent',
};

/** One bundle and what went into it. */
export interface BundleReport {
  readonly entry: string;
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Bytes in the output per package (or first-party folder), largest first. */
  readonly largestInputs: readonly { readonly name: string; readonly bytes: number }[];
}

/** The bundles timed. */
export type BundleName = 'worker' | 'minimal' | 'runtimeOnly';

/** Everything the cold-start benchmark found. */
export interface ColdStartResult {
  readonly node: string;
  readonly runs: number;
  readonly worker: BundleReport;
  readonly minimal: BundleReport;
  /** The worker without the app's job types: lambda-jobs' own share (context, no goal). */
  readonly runtimeOnly: BundleReport;
  /** The worker as NodejsFunction bundles it by default today: `@aws-sdk/*` left out. */
  readonly workerWithoutSdkBytes: number;
  readonly initMs: Readonly<Record<BundleName, readonly number[]>>;
  readonly medianInitMs: Readonly<Record<BundleName, number>>;
  /** The same without NODE_OPTIONS=--enable-source-maps (which the stack sets): its share. */
  readonly medianInitMsWithoutSourceMaps: Readonly<Record<BundleName, number>>;
  /**
   * CPU time of the import (all threads), median: on a loaded machine wall time includes
   * waiting for a core, CPU time hardly does, so it shows what an idle machine would.
   */
  readonly medianInitCpuMs: Readonly<Record<BundleName, number>>;
  readonly checks: {
    readonly bundleSize: { readonly kb: number; readonly goalKb: number; readonly met: boolean };
    readonly init: GoalCheck;
  };
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

async function bundle(entry: string, outDir: string, extra: BuildOptions = {}) {
  const outfile = path.join(outDir, 'index.mjs');
  const result = await build({
    ...STACK_BUNDLING,
    ...extra,
    entryPoints: [path.join(root, entry)],
    outfile,
    absWorkingDir: root,
    metafile: true,
  });
  const bytes = (await stat(outfile)).size;
  const sourceMapBytes = extra.sourcemap === false ? 0 : (await stat(`${outfile}.map`)).size;
  return { outfile, bytes, sourceMapBytes, metafile: result.metafile };
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

/**
 * Benchmark 3: bundles `functions/worker.ts` and a minimal handler importing the same SDK
 * clients with the stack's esbuild settings, reports their minified sizes, then times the
 * module initialisation of each in fresh Node processes (`runs` each, interleaved, after two
 * unmeasured runs each), with the environment the stack sets, and compares the medians; the
 * same again without `--enable-source-maps` shows what source-map loading costs.
 *
 * @example
 * ```ts
 * const result = await runColdStartBenchmark({ runs: 20, progress });
 * ```
 */
export async function runColdStartBenchmark(options: ColdStartOptions): Promise<ColdStartResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lambda-jobs-bench-'));
  try {
    options.progress('cold-start: bundling functions/worker.ts and the minimal handler (esbuild)');
    const worker = await bundle('functions/worker.ts', path.join(dir, 'worker'));
    const minimal = await bundle('bench/minimal-handler.ts', path.join(dir, 'minimal'));
    const runtimeOnly = await bundle('bench/runtime-only-worker.ts', path.join(dir, 'runtime'));
    const withoutSdk = await bundle('functions/worker.ts', path.join(dir, 'worker-no-sdk'), {
      external: ['@aws-sdk/*'],
      sourcemap: false,
    });
    const probe = path.join(dir, 'probe.mjs');
    await writeFile(probe, PROBE);
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
    const env: NodeJS.ProcessEnv = {
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
    const { NODE_OPTIONS: _sourceMaps, ...envWithoutSourceMaps } = env;
    const initOnce = (outfile: string, sourceMaps = true) => {
      const output = execFileSync(process.execPath, [probe, pathToFileURL(outfile).href], {
        env: sourceMaps ? env : envWithoutSourceMaps,
        encoding: 'utf8',
      });
      return JSON.parse(output) as { importMs: number; cpuMs: number };
    };
    options.progress(
      `cold-start: timing module initialisation, ${options.runs} fresh processes each (Node ${process.version})`,
    );
    const outfiles: Record<BundleName, string> = {
      worker: worker.outfile,
      minimal: minimal.outfile,
      runtimeOnly: runtimeOnly.outfile,
    };
    const names = Object.keys(outfiles) as BundleName[];
    for (let i = 0; i < 2; i++) for (const name of names) initOnce(outfiles[name]);
    const initMs: Record<BundleName, number[]> = { worker: [], minimal: [], runtimeOnly: [] };
    const cpuMs: Record<BundleName, number[]> = { worker: [], minimal: [], runtimeOnly: [] };
    const withoutMaps: Record<BundleName, number[]> = { worker: [], minimal: [], runtimeOnly: [] };
    for (let i = 0; i < options.runs; i++) {
      for (const name of names) {
        const sample = initOnce(outfiles[name]);
        initMs[name].push(sample.importMs);
        cpuMs[name].push(sample.cpuMs);
        withoutMaps[name].push(initOnce(outfiles[name], false).importMs);
      }
    }
    const medians = (samples: Record<BundleName, number[]>) =>
      Object.fromEntries(names.map((name) => [name, median(samples[name])])) as Record<
        BundleName,
        number
      >;
    const medianInitMs = medians(initMs);
    const kb = worker.bytes / 1024;
    return {
      node: process.version,
      runs: options.runs,
      worker: {
        entry: 'functions/worker.ts',
        bytes: worker.bytes,
        sourceMapBytes: worker.sourceMapBytes,
        largestInputs: largestInputs(worker.metafile, 12),
      },
      minimal: {
        entry: 'bench/minimal-handler.ts',
        bytes: minimal.bytes,
        sourceMapBytes: minimal.sourceMapBytes,
        largestInputs: largestInputs(minimal.metafile, 6),
      },
      runtimeOnly: {
        entry: 'bench/runtime-only-worker.ts',
        bytes: runtimeOnly.bytes,
        sourceMapBytes: runtimeOnly.sourceMapBytes,
        largestInputs: largestInputs(runtimeOnly.metafile, 6),
      },
      workerWithoutSdkBytes: withoutSdk.bytes,
      initMs,
      medianInitMs,
      medianInitMsWithoutSourceMaps: medians(withoutMaps),
      medianInitCpuMs: medians(cpuMs),
      checks: {
        bundleSize: { kb, goalKb: COLD_START_GOALS.bundleKb, met: kb <= COLD_START_GOALS.bundleKb },
        init: checkRatio(
          medianInitMs.worker,
          medianInitMs.minimal,
          'at-most',
          COLD_START_GOALS.initRatio,
        ),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
