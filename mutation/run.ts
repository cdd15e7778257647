/**
 * `npm run test:mutation [-- <module>… [--concurrency N]]`: StrykerJS over the safety-critical
 * modules (mutation/modules.ts), each against the test files that cover it. fauxqs and
 * DynamoDB Local are started once here and shared by every test run (test/support/shared-
 * emulators.ts); Stryker's `command` runner runs `vitest run --bail=1 <files>` per mutant.
 * Reports go to reports/mutation/<module>.{json,html}; a summary with the survivors is
 * printed at the end. See docs/testing.md.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startDynamoDbEmulator } from '../packages/lambda-jobs/src/local/dynamodb-emulator.ts';
import { startSqsEmulator } from '../packages/lambda-jobs/src/local/sqs-emulator.ts';
import { SHARED_EMULATOR_ENV } from '../test/support/shared-emulators.ts';
import { MUTATION_MODULES, type MutationModule } from './modules.ts';
import { type MutationReport, moduleScore, survivorLines } from './score.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORTS = path.join(ROOT, 'reports', 'mutation');
const STRYKER = path.join(ROOT, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');

const USAGE = `Usage: npm run test:mutation [-- <module>… [--concurrency N]]
Modules: ${MUTATION_MODULES.map((m) => m.name).join(', ')} (default: all)`;

interface RunArgs {
  readonly modules: readonly MutationModule[];
  readonly concurrency: number;
}

function parseArgs(argv: readonly string[]): RunArgs {
  const names: string[] = [];
  let concurrency = 2;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--concurrency') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 8) {
        throw new Error(`--concurrency must be a whole number from 1 to 8; got ${argv[i]}`);
      }
      concurrency = value;
    } else if (arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      names.push(arg);
    }
  }
  const modules = names.map((name) => {
    const found = MUTATION_MODULES.find((m) => m.name === name);
    if (!found) throw new Error(`Unknown module "${name}".\n${USAGE}`);
    return found;
  });
  return { modules: modules.length > 0 ? modules : MUTATION_MODULES, concurrency };
}

/** The Stryker configuration of one module: command runner, no checker, no coverage analysis. */
function strykerConfig(module: MutationModule, concurrency: number) {
  return {
    $schema: '../../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    testRunner: 'command',
    commandRunner: {
      command: `node_modules/.bin/vitest run --bail=1 --reporter=dot ${module.tests.join(' ')}${
        module.testNamePattern === undefined ? '' : ` -t '${module.testNamePattern}'`
      }`,
    },
    // Stryker's TypeScript checker needs the TypeScript API, which TypeScript 7 does not have.
    checkers: [],
    // Nor can its sandbox step that rewrites tsconfig.json paths; this project's tsconfig has
    // no `extends` or `references` to rewrite, so it is pointed at a file that does not exist.
    tsconfigFile: 'reports/mutation/no-tsconfig-rewrite.json',
    coverageAnalysis: 'off',
    // Mutants inside logger calls are reported as Ignored, with the reason, not run.
    appendPlugins: ['./mutation/log-call-ignorer.mjs'],
    ignorers: ['log-calls'],
    mutate: module.mutate,
    concurrency,
    timeoutMS: 30_000,
    reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${module.name}.json` },
    htmlReporter: { fileName: `reports/mutation/${module.name}.html` },
    tempDirName: '.stryker-tmp',
    ignorePatterns: ['bench', 'demo', 'docs', 'examples', 'cdk.out', 'coverage', 'reports'],
    clearTextReporter: { allowColor: false, logTests: false },
  };
}

function runStryker(configFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STRYKER, 'run', configFile], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await mkdir(REPORTS, { recursive: true });
  process.stderr.write('Starting fauxqs and DynamoDB Local, shared by every test run…\n');
  const [sqs, dynamodb] = await Promise.all([startSqsEmulator(), startDynamoDbEmulator()]);
  const env = {
    ...process.env,
    [SHARED_EMULATOR_ENV.sqs]: sqs.endpoint,
    [SHARED_EMULATOR_ENV.dynamodb]: dynamodb.endpoint,
  };
  const summary: string[] = [];
  try {
    for (const module of args.modules) {
      const configFile = path.join(REPORTS, `${module.name}.stryker.json`);
      await writeFile(
        configFile,
        `${JSON.stringify(strykerConfig(module, args.concurrency), null, 2)}\n`,
      );
      const started = Date.now();
      const code = await runStryker(configFile, env);
      const seconds = Math.round((Date.now() - started) / 1000);
      if (code !== 0) {
        summary.push(`${module.name}: Stryker exited with code ${code} after ${seconds} s`);
        process.exitCode = 1;
        continue;
      }
      const report = JSON.parse(
        await readFile(path.join(REPORTS, `${module.name}.json`), 'utf8'),
      ) as MutationReport;
      const score = moduleScore(report);
      summary.push(
        `${module.name}: ${score.percent.toFixed(1)} % (${score.detected} of ${score.valid} detected, ${score.ignored} ignored) in ${seconds} s`,
        ...survivorLines(report).map((line) => `  ${line}`),
      );
    }
  } finally {
    await Promise.all([sqs.stop(), dynamodb.stop()]);
  }
  process.stdout.write(`\nMutation scores (${new Date().toISOString().slice(0, 10)})\n`);
  process.stdout.write(`${summary.join('\n')}\n`);
}

await main();
