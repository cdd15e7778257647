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

/** A circuit's hold and each attempt's report to it: the circuit breaker's end-to-end tests. */
const CIRCUIT_TESTS = ['test/integration/circuit-breaker.test.ts'];

/**
 * FIFO groups and tenants end to end: kept messages, a group held back behind a kept one, the
 * DLQ in the group, and the group of a large payload sent again (read from the stored payload).
 */
const FIFO_TESTS = [
  'test/integration/fifo-dispatch.test.ts',
  'test/integration/fifo-and-fair-queues.test.ts',
  'test/integration/fifo-large-payloads.test.ts',
];

/** The memory store against the stores' shared contract, and its own cases. */
const MEMORY_STORE_TESTS = [
  'test/contract/memory.test.ts',
  'test/unit/adapters/memory-job-store.test.ts',
];

/**
 * The DynamoDB store against the shared contract on DynamoDB Local, its own cases (a mocked
 * client) and the batched claim's record check. Measured in three parts (claims, outcomes,
 * marks), each against the tests of its transitions only (vitest `-t`), so that a run per part
 * fits on two cores. Left out of all: `toRecord` and the cursor codec, `list` and
 * `listExpiredRunning` (what the dashboard, the CLI and the monitor page through), `get`, and
 * `recordProgress` (a running attempt's progress, no status change).
 */
const DYNAMODB_STORE = `${RUNTIME}/adapters/aws/dynamodb-job-store.ts`;
const DYNAMODB_STORE_TESTS = [
  'test/contract/dynamodb.test.ts',
  'test/unit/adapters/dynamodb-job-store.test.ts',
];
const DYNAMODB_CLAIM_TESTS =
  'JobStore contract: DynamoDB > (putQueued|claim|a record a producer)|RUNNING and SUCCESSFUL unlisted|DynamoDB job store: (claim|other transitions > putQueued)|DynamoDB items|claimMany on DynamoDB|write units of a job';
const DYNAMODB_OUTCOME_TESTS =
  'JobStore contract: DynamoDB > (a record a producer|finishAttempt|recordSuccesses|markLost|attempt history)|RUNNING and SUCCESSFUL unlisted|DynamoDB job store: (finishAttempt|recordSuccesses|other transitions > markLost)|DynamoDB write units|byQueueStatus index';
const DYNAMODB_MARK_TESTS =
  'JobStore contract: DynamoDB > (a record a producer|recordRejected|reconcileDeadLetter|markDeadLetter|cancel|requeue|sets expiresAt)|RUNNING and SUCCESSFUL unlisted|DynamoDB job store: other|DynamoDB items|DynamoDB write units|byQueueStatus index';

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
    // The paths that decide where a job ends up or what its record says: sending on, keeping
    // in a FIFO group and dead-lettering, rejection, duplicate and lost deliveries, the batches
    // of successes and of claims (from sendOn to runClaimed); the recording of every outcome,
    // the not-yet-due path and a circuit's hold (from the end of the run to dispatchOne); the
    // group of a payload read from S3 (storedPayloads); the deadline guard, the circuit's gate,
    // the claim and its routing (from the time left to the run); and each message's delivery
    // in its batch, with the FIFO ordering of its units and the held-back messages. Left out:
    // the tracing, progress and job-context set-up around the run, and the parse-and-validate
    // steps, pinned by the envelope and bad-input tests. Anchored on the code (`linesOf`).
    mutate: [
      linesOf(DISPATCHER, 'async function sendOn(', 'async function runClaimed('),
      linesOf(DISPATCHER, 'const endedAt = now();', 'async function dispatchOne('),
      linesOf(DISPATCHER, 'storedPayloads.set(envelope, received)', '} catch (error) {'),
      linesOf(DISPATCHER, 'const remainingMs = clock', 'const running = claim.record;'),
      linesOf(DISPATCHER, 'const dispatchMessage = async', 'watch.disarm();'),
    ],
    // The FIFO tests pin the group kept and sent on; the log-line test, the success line.
    tests: [
      ...DISPATCHER_TESTS,
      ...CIRCUIT_TESTS,
      ...FIFO_TESTS,
      'test/integration/worker-log-lines.test.ts',
    ],
  },
  {
    // The per-message paths that landed after the second round, alone (a run of the whole
    // `dispatcher` takes about 35 minutes at concurrency 2 on two idle cores, hours when they
    // are shared): a circuit's hold, the group of a payload read from S3, the deadline guard
    // and the circuit's gate, and each message's delivery in its batch with the FIFO ordering
    // of its units.
    name: 'dispatcher-delivery',
    mutate: [
      linesOf(DISPATCHER, 'async function holdForCircuit(', 'async function dispatchOne('),
      linesOf(DISPATCHER, 'storedPayloads.set(envelope, received)', '} catch (error) {'),
      linesOf(DISPATCHER, 'const remainingMs = clock', 'const claimOnce = async'),
      linesOf(DISPATCHER, 'const dispatchMessage = async', 'watch.disarm();'),
    ],
    tests: [...DISPATCHER_TESTS, ...CIRCUIT_TESTS],
  },
  {
    // The FIFO and tenant paths against the FIFO tests: keeping a message in its group and the
    // group of a delivery (and of a payload read from S3).
    name: 'dispatcher-fifo',
    mutate: [
      linesOf(DISPATCHER, 'async function keepInGroup(', 'function receiveCountOf('),
      linesOf(DISPATCHER, 'storedPayloads.set(envelope, received)', '} catch (error) {'),
    ],
    tests: FIFO_TESTS,
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
    name: 'dynamodb-job-store-claims',
    // The claims: the update claim, the whole-record claim, their "due" condition, a group's
    // claims and their answers (from `dueCondition` to `outcomeChange`), and `putQueued`,
    // `claim` and `claimMany` (to `finishAttempt`).
    mutate: [
      linesOf(DYNAMODB_STORE, 'const dueCondition = ', 'function outcomeChange('),
      linesOf(DYNAMODB_STORE, 'async putQueued(record)', 'async finishAttempt('),
    ],
    tests: [...DYNAMODB_STORE_TESTS, 'test/integration/batched-claims.test.ts'],
    testNamePattern: DYNAMODB_CLAIM_TESTS,
  },
  {
    name: 'dynamodb-job-store-outcomes',
    // The writes that end an attempt: what each outcome sets and removes, a group's success
    // puts (their condition and answers), finishAttempt,
    // recordSuccesses and markLost (from `outcomeChange` to the store object, from
    // `finishAttempt` to `recordProgress`, from `recordSuccesses` to `recordRejected`).
    mutate: [
      linesOf(DYNAMODB_STORE, 'function outcomeChange(', 'const store: JobStore = {'),
      linesOf(DYNAMODB_STORE, 'async finishAttempt(', 'async recordProgress('),
      linesOf(DYNAMODB_STORE, 'async recordSuccesses(', 'async recordRejected('),
    ],
    tests: DYNAMODB_STORE_TESTS,
    testNamePattern: DYNAMODB_OUTCOME_TESTS,
  },
  {
    name: 'dynamodb-job-store-marks',
    // The other status changes and the write helpers every transition uses: the item, index
    // keys, the conditional update and a refusal as a typed error (from the store's creation
    // to `dueCondition`); recordRejected, reconcileDeadLetter, the dead-letter marks, cancel
    // and requeue (from `recordRejected` to `get`).
    mutate: [
      linesOf(DYNAMODB_STORE, 'export function createDynamoDbJobStore(', 'const dueCondition = '),
      linesOf(DYNAMODB_STORE, 'async recordRejected(', 'async get(id)'),
    ],
    tests: DYNAMODB_STORE_TESTS,
    testNamePattern: DYNAMODB_MARK_TESTS,
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
