import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { ENV } from '../packages/lambda-jobs/src/config/env.ts';
import { TABLE_SCHEMA } from '../packages/lambda-jobs/src/config/table-schema.ts';
import { createAwsJobRuntime } from '../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbClient } from '../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { leanEnvelope } from '../packages/lambda-jobs/src/runtime/envelope.ts';
import type { JobRecord } from '../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../packages/lambda-jobs/src/runtime/job-status.ts';
import type {
  ClaimRequest,
  JobStore,
  SuccessfulAttempt,
} from '../packages/lambda-jobs/src/runtime/ports.ts';
import {
  BENCH_QUEUE,
  benchConfig,
  benchRegistry,
  trivialEnvelopeBodies,
  trivialJob,
} from './bench-jobs.ts';
import { type CpuClock, createCpuClock } from './cpu-time.ts';
import type { BenchEmulators, BenchResources } from './emulators.ts';
import { countRequests, createRequestCounter } from './request-counter.ts';
import { median } from './statistics.ts';

/** Groups of ten (one invocation's batch) in flight at once, as the shipped queue defaults run. */
const LANES = 10;
const GROUP = 10;
const WARM_UP_WRITES = 500;
/** The pause between a form's preparation and its measured writes. */
const QUIET_MS = 1_000;
/** Every form is measured this many times, taking turns; the median is reported. */
const PASSES = 3;

/**
 * The write forms the job store can send for the two writes every job makes: a group's
 * conditional PutItems sent in parallel (`claimMany`, `recordSuccesses`), or one request per
 * write (`claim`'s conditional PutItem, `finishAttempt`'s conditional UpdateItem).
 */
export const STORE_WRITE_FORMS = [
  'claims, grouped (claimMany)',
  'claims, one request each (claim)',
  'successes, grouped (recordSuccesses)',
  'successes, one request each (finishAttempt)',
] as const;
/** One of {@link STORE_WRITE_FORMS}. */
export type StoreWriteForm = (typeof STORE_WRITE_FORMS)[number];

/** Where the writes went: the job table as deployed, or the same key and TTL with no index. */
export type StoreWriteTable = 'job table (its index)' | 'no index';

/** What one write of one form cost, averaged over the measured writes. */
export interface StoreWriteCost {
  readonly form: StoreWriteForm;
  readonly table: StoreWriteTable;
  /** DynamoDB requests per write, by operation (`PutItem`, `UpdateItem`, …). */
  readonly requestsPerWrite: Readonly<Record<string, number>>;
  /** DynamoDB Local's JVM CPU per write, µs (Linux /proc; undefined elsewhere). */
  readonly emulatorUsPerWrite?: number;
  /** This process's CPU per write, µs: the store, the SDK, the HTTP client. */
  readonly nodeUsPerWrite: number;
}

/** What `npm run bench -- --only store-writes` measured: one row per table and form. */
export interface StoreWriteCostResults {
  readonly writes: number;
  readonly inFlight: number;
  /** Writes per group: one invocation's batch. */
  readonly group: number;
  readonly passes: number;
  readonly rows: readonly StoreWriteCost[];
}

type Measured = ReturnType<typeof measuredStore>;

/** The QUEUED record `enqueue` writes under `full`, as a producer's PutItem. */
function queuedRecord(id: string, body: string, enqueuedAt: string): JobRecord {
  return {
    id,
    type: trivialJob.type,
    queue: BENCH_QUEUE,
    status: JobStatus.QUEUED,
    attempts: 0,
    maxAttempts: 4,
    enqueuedAt,
    updatedAt: enqueuedAt,
    ...leanEnvelope(body),
    expiresAt: 0,
  };
}

/** A first delivery's claim, as the dispatcher asks it (one claim token per delivery). */
function claimRequest(id: string, body: string, enqueuedAt: string): ClaimRequest {
  const now = new Date();
  return {
    id,
    type: trivialJob.type,
    queue: BENCH_QUEUE,
    enqueuedAt,
    maxAttempts: 4,
    leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(),
    now: now.toISOString(),
    messageId: randomUUID(),
    ...leanEnvelope(body),
    claimToken: randomUUID(),
    firstDelivery: true,
    dueBy: new Date(now.getTime() + 1_000).toISOString(),
  };
}

function success(claimed: JobRecord): SuccessfulAttempt {
  return {
    claimed,
    result: { status: JobStatus.SUCCESSFUL, durationMs: 1, output: { doubled: 2 } },
    now: new Date().toISOString(),
  };
}

/** Runs `write` over `items` in groups of {@link GROUP}, {@link LANES} groups at once. */
async function inGroups<T>(items: readonly T[], write: (group: T[]) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < items.length) {
        const group = items.slice(next, next + GROUP);
        next += GROUP;
        await write(group);
      }
    }),
  );
}

/** The jobs of one measurement: enqueued (unmeasured), then claimed, then succeeded. */
interface Jobs {
  readonly requests: ClaimRequest[];
  claimed: JobRecord[];
}

async function enqueued(store: JobStore, count: number): Promise<Jobs> {
  const bodies = trivialEnvelopeBodies(count);
  const enqueuedAt = new Date().toISOString();
  const ids = bodies.map((body) => (JSON.parse(body) as { id: string }).id);
  await inGroups(
    ids.map((id, n) => queuedRecord(id, bodies[n]!, enqueuedAt)),
    async (group) => {
      await Promise.all(group.map((record) => store.putQueued(record)));
    },
  );
  return {
    requests: ids.map((id, n) => claimRequest(id, bodies[n]!, enqueuedAt)),
    claimed: [],
  };
}

const WRITES: Record<StoreWriteForm, (store: JobStore, jobs: Jobs) => Promise<void>> = {
  async 'claims, grouped (claimMany)'(store, jobs) {
    await inGroups(jobs.requests, async (group) => {
      if (!store.claimMany) throw new Error('this store has no grouped claim');
      const outcomes = await store.claimMany(group);
      for (const outcome of outcomes) {
        if (outcome?.kind !== 'claimed') throw new Error('a grouped claim was not applied');
        jobs.claimed.push(outcome.record);
      }
    });
  },
  async 'claims, one request each (claim)'(store, jobs) {
    await inGroups(jobs.requests, async (group) => {
      const outcomes = await Promise.all(group.map((request) => store.claim(request)));
      for (const outcome of outcomes) {
        if (outcome.kind !== 'claimed') throw new Error('a claim was not applied');
        jobs.claimed.push(outcome.record);
      }
    });
  },
  async 'successes, grouped (recordSuccesses)'(store, jobs) {
    await inGroups(jobs.claimed, async (group) => {
      const writes = await store.recordSuccesses(group.map(success));
      if (writes.some((write) => write.kind !== 'written')) {
        throw new Error('a grouped success was not written');
      }
    });
  },
  async 'successes, one request each (finishAttempt)'(store, jobs) {
    await inGroups(jobs.claimed, async (group) => {
      await Promise.all(
        group
          .map(success)
          .map(({ claimed, result, now }) => store.finishAttempt(claimed, result, now)),
      );
    });
  },
};

/** Claims each form needs first (unmeasured): none for claims, grouped claims for successes. */
async function prepared(store: JobStore, form: StoreWriteForm, count: number): Promise<Jobs> {
  const jobs = await enqueued(store, count);
  if (form.startsWith('successes')) await WRITES['claims, grouped (claimMany)'](store, jobs);
  return jobs;
}

async function measure(
  cpu: CpuClock,
  target: Measured,
  form: StoreWriteForm,
  table: StoreWriteTable,
  count: number,
): Promise<StoreWriteCost> {
  const jobs = await prepared(target.store, form, count);
  // Let the emulator finish what the preparation set off (GC, JIT) outside the window.
  await setTimeout(QUIET_MS);
  target.requests.reset();
  const before = cpu.snapshot();
  await WRITES[form](target.store, jobs);
  const used = cpu.since(before);
  const requestsPerWrite = Object.fromEntries(
    Object.values(target.requests.snapshot()).map((t) => [t.operation, t.requests / count]),
  );
  return {
    form,
    table,
    requestsPerWrite,
    ...(used.emulatorUs === undefined ? {} : { emulatorUsPerWrite: used.emulatorUs / count }),
    nodeUsPerWrite: used.nodeUs / count,
  };
}

/**
 * What each form of the job store's two per-job writes costs DynamoDB Local and this process,
 * one write at a time: the store's own calls (no worker, no queue), `LANES` groups of ten in
 * flight as the worker sends them, on the job table as `full` deploys it and on a table with
 * the same key and TTL and no index, each form measured in {@link PASSES} passes taking
 * turns. Context for the throughput benchmark, which both CPUs bound: it shows which side,
 * the emulator's JVM or this process, each form and each index definition is paid on.
 *
 * @example
 * ```ts
 * const { rows } = await runStoreWriteCostBenchmark({ emulators, writes: 2000, progress });
 * ```
 */
export async function runStoreWriteCostBenchmark(options: {
  readonly emulators: BenchEmulators;
  readonly writes: number;
  readonly progress: (line: string) => void;
}): Promise<StoreWriteCostResults> {
  const config = benchConfig('full');
  const resources = await options.emulators.provision(config, 'store-writes');
  const targets: [StoreWriteTable, Measured][] = [];
  const cpu = createCpuClock();
  try {
    const plainTable = await resources.createPlainTable(
      'no-index',
      TABLE_SCHEMA.partitionKey,
      TABLE_SCHEMA.ttlAttribute,
    );
    targets.push(
      [
        'job table (its index)',
        measuredStore(options.emulators, resources, resources.tableName, config),
      ],
      ['no index', measuredStore(options.emulators, resources, plainTable, config)],
    );
    const warmUp = Math.min(WARM_UP_WRITES, options.writes);
    options.progress(`store writes: warming up with ${warmUp} writes of each form`);
    for (const [table, target] of targets) {
      for (const form of STORE_WRITE_FORMS) await measure(cpu, target, form, table, warmUp);
    }
    const byTable = new Map(targets);
    const samples: StoreWriteCost[] = [];
    for (let pass = 1; pass <= PASSES; pass++) {
      for (const [table, form] of passOrder([...byTable.keys()], pass)) {
        const sample = await measure(cpu, byTable.get(table)!, form, table, options.writes);
        const jvm =
          sample.emulatorUsPerWrite === undefined ? '?' : Math.round(sample.emulatorUsPerWrite);
        options.progress(
          `store writes ${pass}/${PASSES}, ${table}, ${form}: ${jvm} µs DynamoDB Local, ${Math.round(sample.nodeUsPerWrite)} µs Node per write`,
        );
        samples.push(sample);
      }
    }
    const rows = targets.flatMap(([table]) =>
      STORE_WRITE_FORMS.map((form) =>
        medianPass(samples.filter((s) => s.table === table && s.form === form)),
      ),
    );
    return { writes: options.writes, inFlight: LANES * GROUP, group: GROUP, passes: PASSES, rows };
  } finally {
    for (const [, target] of targets) target.client.destroy();
    await resources.dispose();
  }
}

/**
 * Every table and form of one pass, the order turned by one place each pass, so that no form
 * always follows the same other one.
 *
 * @example
 * ```ts
 * passOrder(['no index'], 2)[0]; // ['no index', 'claims, one request each (claim)']
 * ```
 */
export function passOrder(
  tables: readonly StoreWriteTable[],
  pass: number,
): [StoreWriteTable, StoreWriteForm][] {
  const all = tables.flatMap((table) =>
    STORE_WRITE_FORMS.map((form): [StoreWriteTable, StoreWriteForm] => [table, form]),
  );
  const turn = (pass - 1) % all.length;
  return [...all.slice(turn), ...all.slice(0, turn)];
}

/**
 * One form's figures: the whole pass whose emulator and Node CPU together are nearest their
 * median, so that every figure of a row comes from one measurement.
 *
 * @example
 * ```ts
 * medianPass(samplesOfOneForm).nodeUsPerWrite;
 * ```
 */
export function medianPass(passes: readonly StoreWriteCost[]): StoreWriteCost {
  const total = (p: StoreWriteCost) => (p.emulatorUsPerWrite ?? 0) + p.nodeUsPerWrite;
  const middle = median(passes.map(total));
  return passes.reduce((best, p) =>
    Math.abs(total(p) - middle) < Math.abs(total(best) - middle) ? p : best,
  );
}

/**
 * The job store the worker's runtime builds (`createAwsJobRuntime`) on `tableName`, on a
 * client whose requests are counted and sent as the store wrote them.
 */
function measuredStore(
  emulators: BenchEmulators,
  resources: BenchResources,
  tableName: string,
  config: LambdaJobsConfig,
) {
  const requests = createRequestCounter();
  const client = createDynamoDbClient();
  countRequests(client, requests, { measureCapacity: false });
  const { store } = createAwsJobRuntime({
    registry: benchRegistry,
    config,
    env: { ...resources.env, [ENV.tableName]: tableName },
    dynamodb: client,
    // The store sends nothing to SQS; the emulators' own client saves building another.
    sqs: emulators.setup.sqs,
  });
  return { requests, store, client };
}
