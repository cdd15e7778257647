/**
 * lambda-jobs as a team adopts it: the package is packed (`npm pack`, which builds it), its
 * tarball installed into a fresh copy of `examples/shop` (a project with its own lock file, job
 * types, config and stack), and that project type-checks, synthesizes one stack with its API and
 * the job resources, and runs a job end to end in dev mode from its own root.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGE_DIR = path.join(REPO_ROOT, 'packages/lambda-jobs');
const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples/shop');

let workDir: string;
let project: string;
let tarballFiles: string[];

/** Node 24 (this process's) first on PATH, as on a machine where the team develops. */
const env = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
  npm_config_update_notifier: 'false',
};

async function inProject(command: string, args: readonly string[], timeout = 300_000) {
  return run(command, [...args], { cwd: project, env, timeout, maxBuffer: 64 * 1024 * 1024 });
}

/** The CLI of the installed package, run as `npx lambda-jobs …` runs it. */
function cli(args: readonly string[]) {
  return inProject(
    process.execPath,
    ['node_modules/lambda-jobs/bin/lambda-jobs.js', ...args],
    60_000,
  );
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'lambda-jobs-consumer-'));
  project = path.join(workDir, 'shop');
  cpSync(EXAMPLE_DIR, project, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|cdk\.out|\.lambda-jobs)([/\\]|$)/.test(source),
  });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], {
    cwd: PACKAGE_DIR,
    env,
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarballFiles = packed!.files.map((file) => file.path);
  // The cache the repository's own install filled: no registry round trip when it has the
  // versions, as on a developer's machine.
  await inProject('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    path.join(workDir, packed!.filename),
  ]);
}, 600_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships compiled JavaScript with types, the CLI and the schema; no sources, tests or benchmarks', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'bin/lambda-jobs.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/aws.js',
        'dist/aws.d.ts',
        'dist/cdk.js',
        'dist/cdk.d.ts',
        'dist/local/dashboard/public/index.html',
        'schemas/job-envelope.v1.schema.json',
      ]),
    );
    expect(tarballFiles.filter((file) => /^(src|test|bench)\//.test(file))).toEqual([]);
    expect(tarballFiles.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual(
      [],
    );
  });

  it('declares engines AWS Lambda runs (Node 22 and 24), no looser than its dependencies, and CDK as peer dependencies', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(project, 'node_modules/lambda-jobs/package.json'), 'utf8'),
    );
    expect(manifest.engines.node).toBe('>=22.22.2');
    // Every installed dependency accepts the oldest Node the package accepts.
    for (const name of Object.keys(manifest.dependencies)) {
      const dependency = JSON.parse(
        readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8'),
      );
      const floor = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(dependency.engines?.node ?? '');
      if (!floor) continue;
      const [major, minor, patch] = floor.slice(1).map((part) => Number(part ?? 0));
      const needed = major! * 1e6 + minor! * 1e3 + patch!;
      expect(needed, `${name} needs Node ${dependency.engines.node}`).toBeLessThanOrEqual(
        22 * 1e6 + 22 * 1e3 + 2,
      );
    }
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.private).toBeUndefined();
  });
});

describe('a project using it', () => {
  it('type-checks as the team has it, and the package declarations with exactOptionalPropertyTypes and no skipLibCheck', async () => {
    // Prepare: the project's own tsconfig (strict, NodeNext, skipLibCheck as CDK projects set
    // it), then the same with every declaration checked. aws-cdk-lib's own declarations do not
    // compile under exactOptionalPropertyTypes (its classes implement optional interface members
    // as `T | undefined`), so a second program holds only what does not import it: the jobs,
    // the API and the config, through `lambda-jobs` and `lambda-jobs/aws`.
    const tsc = (project: string) =>
      inProject(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project]).then(
        () => [],
        (error: { stdout?: string }) =>
          (error.stdout ?? String(error)).split('\n').filter((line) => /error TS\d+/.test(line)),
      );
    const strictest = {
      strict: true,
      exactOptionalPropertyTypes: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      skipLibCheck: false,
    };
    writeFileSync(
      path.join(project, 'tsconfig.declarations.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: strictest }),
    );
    writeFileSync(
      path.join(project, 'tsconfig.runtime.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: strictest,
        include: ['src', 'lambda-jobs.config.ts'],
      }),
    );

    // Act
    const asShipped = await tsc('tsconfig.json');
    const everything = await tsc('tsconfig.declarations.json');
    const runtime = await tsc('tsconfig.runtime.json');

    // Assess
    expect(asShipped).toEqual([]);
    expect(everything.filter((line) => !line.startsWith('node_modules/aws-cdk-lib/'))).toEqual([]);
    expect(runtime).toEqual([]);
  }, 300_000);

  it('synthesizes one stack: its API function and the job resources, the worker holding its own job types', async () => {
    // Act
    await inProject('npx', ['cdk', 'synth', '--quiet', '-o', 'cdk.out']);

    // Assess: one stack, with the team's API function next to the workers and the monitor.
    const manifest = JSON.parse(readFileSync(path.join(project, 'cdk.out/manifest.json'), 'utf8'));
    const stacks = Object.entries(manifest.artifacts as Record<string, { type: string }>)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([name]) => name);
    expect(stacks).toEqual(['Shop']);
    const template = JSON.parse(
      readFileSync(path.join(project, 'cdk.out/Shop.template.json'), 'utf8'),
    );
    const functions = Object.entries(template.Resources as Record<string, { Type: string }>)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => id);
    expect(functions.some((id) => id.startsWith('Checkout'))).toBe(true);
    expect(functions.some((id) => id.startsWith('JobsQueueDefaultWorker'))).toBe(true);
    expect(functions.some((id) => id.startsWith('JobsMonitor'))).toBe(true);
    const queues = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (resource) => resource.Type === 'AWS::SQS::Queue',
    );
    expect(queues.length).toBeGreaterThanOrEqual(2);
    // The worker bundle: the team's job types, none of the reference app's.
    const bundles = readdirSync(path.join(project, 'cdk.out'))
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(project, 'cdk.out', name, 'index.mjs'))
      .map((file) => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return '';
        }
      });
    const withJobs = bundles.filter(
      (code) => code.includes('send-receipt') && code.includes('sync-inventory'),
    );
    // The worker and the monitor (which runs onAborted hooks) hold the job types.
    expect(withJobs.length).toBeGreaterThanOrEqual(2);
    expect(bundles.filter((code) => code.includes('generate-report'))).toEqual([]);
  }, 300_000);

  it('runs a job end to end in dev mode, from its own root', async () => {
    // Prepare
    const dev: ChildProcess = spawn(
      process.execPath,
      ['node_modules/lambda-jobs/bin/lambda-jobs.js', 'dev', '--port', '0'],
      { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(
          () => reject(new Error(`dev mode did not start:\n${output}`)),
          120_000,
        );
        dev.stderr!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready.')) {
            clearTimeout(timer);
            resolve();
          }
        });
        dev.once('exit', (code) => reject(new Error(`dev mode exited (${code}):\n${output}`)));
      });

      // Act
      const enqueued = await cli([
        'enqueue',
        'send-receipt',
        '--payload',
        JSON.stringify({ orderId: 'o-1', email: 'ada@example.com' }),
        '--json',
      ]);
      const { id } = JSON.parse(enqueued.stdout) as { id: string };
      let status = '';
      for (let tries = 0; tries < 60 && status !== 'SUCCESSFUL'; tries++) {
        const shown = await cli(['jobs', 'show', id, '--json']).catch(() => ({ stdout: '{}' }));
        status = (JSON.parse(shown.stdout) as { job?: { status?: string } }).job?.status ?? '';
        if (status !== 'SUCCESSFUL') await new Promise((resolve) => setTimeout(resolve, 500));
      }

      // Assess
      expect(status).toBe('SUCCESSFUL');
    } finally {
      dev.kill('SIGINT');
      await new Promise((resolve) => dev.once('exit', resolve));
    }
  }, 300_000);
});
