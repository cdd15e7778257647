import { readFileSync } from 'node:fs';

/**
 * The safety-critical modules `npm run test:mutation` mutates, each with the test files that
 * cover it: a mutant counts as killed when those files fail with it applied. See docs/testing.md.
 */

/** One module (or a part of one) and the tests that pin its behaviour. */
export interface MutationModule {
  /** The name to select it by on the command line and in the report. */
  readonly name: string;
  /** Stryker `mutate` entries: a file, or `file:startLine-endLine` for a part of it. */
  readonly mutate: readonly string[];
  /** The test files run against every mutant (with `vitest run --bail=1`). */
  readonly tests: readonly string[];
  /**
   * Only the tests of those files whose full name matches (vitest `-t`): for a module pinned
   * by a few describes of large files.
   */
  readonly testNamePattern?: string;
}

const RUNTIME = 'packages/lambda-jobs/src/runtime';

/**
 * A Stryker `mutate` entry for the lines of `file` from the first line containing `from` up to
 * the line before the first later line containing `before` (`undefined`: to the end of the
 * file). Anchored on code, not on line numbers, so the part measured moves with the code.
 *
 * @example `linesOf('x.ts', 'async function sendOn(', 'async function runClaimed(')`
 */
export function linesOf(file: string, from: string, before?: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.includes(from));
  if (start < 0)
    throw new Error(`${file}: no line contains ${JSON.stringify(from)} (mutation/modules.ts)`);
  const end =
    before === undefined
      ? lines.length
      : lines.findIndex((line, i) => i > start && line.includes(before));
  if (end < 0)
    throw new Error(
      `${file}: no line after ${JSON.stringify(from)} contains ${JSON.stringify(before)} (mutation/modules.ts)`,
    );
  return `${file}:${start + 1}-${end}`;
}

const DISPATCHER = `${RUNTIME}/dispatcher.ts`;
const MEMORY_STORE = `${RUNTIME}/adapters/memory/memory-job-store.ts`;

/**
 * The dispatcher's safety paths are pinned by the end-to-end dispatcher tests (fauxqs, DynamoDB
 * Local) and by its fault tests (memory adapters with injected faults). The wider integration
 * files (batched-outcomes, lost-responses, lost-attempts, forged-records, resend-and-reconcile)
 * cover it too, but take minutes per mutant on two cores: run them by adding them here.
 */
const DISPATCHER_TESTS = [
  'test/integration/dispatcher.test.ts',
  'test/integration/dispatcher-faults.test.ts',
];

/** The memory store against the stores' shared contract, and its own cases. */
const MEMORY_STORE_TESTS = [
  'test/contract/memory.test.ts',
  'test/unit/adapters/memory-job-store.test.ts',
];

export const MUTATION_MODULES: readonly MutationModule[] = [
  {
    name: 'retry-policy',
    mutate: [`${RUNTIME}/retry-policy.ts`],
    tests: ['test/unit/retry-policy.test.ts'],
  },
  {
    name: 'envelope',
    mutate: [`${RUNTIME}/envelope.ts`],
    tests: ['test/unit/envelope.test.ts', 'test/unit/envelope-boundaries.test.ts'],
  },
  {
    name: 'backlog-evaluation',
    mutate: [`${RUNTIME}/monitor/backlog-evaluation.ts`],
    tests: ['test/monitor/backlog-evaluation.test.ts', 'test/monitor/backlog-verdicts.test.ts'],
  },
  {
    name: 'transition-records',
    mutate: [`${RUNTIME}/transition-records.ts`],
    tests: ['test/unit/transition-records.test.ts', ...MEMORY_STORE_TESTS],
  },
  {
    name: 'dispatcher',
    // The paths that decide where a job ends up: sending on, keeping in a FIFO group and
    // dead-lettering, rejection, duplicate and lost deliveries, the batches of successes and of
    // claims (from sendOn to runClaimed); the recording of every outcome and the not-yet-due
    // path (from the end of the run to dispatchOne); the claim, its routing and a circuit's
    // hold (from claimOnce to the run); and each message's delivery in its batch. Left out:
    // the tracing, progress and job-context set-up around the run, and the parse-and-validate
    // steps, pinned by the envelope and bad-input tests. Anchored on the code (`linesOf`).
    mutate: [
      linesOf(DISPATCHER, 'async function sendOn(', 'async function runClaimed('),
      linesOf(DISPATCHER, 'const endedAt = now();', 'async function dispatchOne('),
      linesOf(DISPATCHER, 'const claimOnce = async', 'const running = claim.record;'),
      linesOf(DISPATCHER, 'const dispatchMessage = async', '// FIFO: a group'),
    ],
    tests: DISPATCHER_TESTS,
  },
  {
    // The recording of each outcome alone: a quicker run after a change there.
    name: 'dispatcher-outcomes',
    mutate: [linesOf(DISPATCHER, 'const endedAt = now();', 'async function sendOnUntilDue(')],
    tests: DISPATCHER_TESTS,
  },
  {
    name: 'memory-job-store',
    // Every transition and its condition (from the store's creation to `list`) and the
    // monitor's scan for expired leases; left out: the cursor codec and `list` (what the
    // dashboard and CLI page through).
    mutate: [
      linesOf(MEMORY_STORE, 'export function createMemoryJobStore(', 'async list(query'),
      linesOf(MEMORY_STORE, 'async listExpiredRunning(', '  return store;'),
    ],
    tests: MEMORY_STORE_TESTS,
  },
  {
    name: 'dynamodb-job-store',
    mutate: [`${RUNTIME}/adapters/aws/dynamodb-job-store.ts`],
    tests: ['test/contract/dynamodb.test.ts', 'test/unit/adapters/dynamodb-job-store.test.ts'],
  },
  {
    name: 'concurrency-keys',
    mutate: [
      `${RUNTIME}/adapters/aws/dynamodb-concurrency-keys.ts`,
      `${RUNTIME}/adapters/memory/memory-concurrency-keys.ts`,
      `${RUNTIME}/concurrency-key-lifetime.ts`,
    ],
    tests: [
      'test/contract/memory.test.ts',
      'test/contract/dynamodb.test.ts',
      'test/unit/adapters/dynamodb-concurrency-keys.test.ts',
    ],
    // The key contract and the key tests of those files, not the job store contract.
    testNamePattern: 'ConcurrencyKeyStore contract|concurrency keys',
  },
  {
    name: 'redrive',
    mutate: [`${RUNTIME}/admin/dead-letter-redrive.ts`],
    tests: [
      'test/admin/dead-letter-redrive.test.ts',
      'test/admin/dead-letter-redrive-steps.test.ts',
      'test/admin/redrive-poison.test.ts',
    ],
  },
];
