/**
 * The circuit breaker per job type, end to end on the emulators: the real worker (createWorker)
 * against fauxqs and DynamoDB Local, one batch at a time. A held job spends neither an attempt
 * nor an SQS receive count; jobs of other types on the queue keep running; the failure rate
 * opens the circuit; after the cool-down one probe runs; its success closes the circuit and
 * its failure opens it again.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbCircuitState } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-circuit-state.ts';
import type { CircuitStateStore } from '../../packages/lambda-jobs/src/runtime/circuit/circuit-ports.ts';
import { RetryJobError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { RESENT_ATTRIBUTE } from '../../packages/lambda-jobs/src/runtime/message-resend.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { type CapturedOutput, captureJsonOutput, testLogger } from '../monitor/monitor-test-kit.ts';
import { fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { until } from '../support/queue-polling.ts';
import { receiveRecords } from '../support/receive-records.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/** Whether the upstream the `calls-upstream` jobs depend on is down. */
let upstreamDown = false;
const ran: string[] = [];

const callsUpstream = defineJob({
  type: 'calls-upstream',
  schema: z.object({ n: z.number() }),
  timeoutSeconds: 3,
  retries: 10,
  run: (_payload, ctx) => {
    ran.push(ctx.jobId);
    if (upstreamDown) throw new RetryJobError('upstream unavailable', { afterSeconds: 0 });
    return 'ok';
  },
});

const steady = defineJob({
  type: 'steady',
  schema: z.object({ n: z.number() }),
  timeoutSeconds: 3,
  run: (_payload, ctx) => {
    ran.push(ctx.jobId);
    return 'ok';
  },
});

const registry = createRegistry([callsUpstream, steady]);
/** SQS dead-letters after 3 receives: a hold that spent receive counts would show. */
const config = testConfig({
  queues: {
    default: {
      batchSize: 10,
      functionTimeoutSeconds: 10,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 3,
    },
  },
  circuitBreakers: {
    'calls-upstream': { failureRate: 0.5, minAttempts: 4, windowSeconds: 60, coolDownSeconds: 1 },
  },
});

const { sqs } = emulatorClients();
const metrics = capturingMetrics();
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
let circuits: CircuitStateStore;
let output: CapturedOutput | undefined;
const url = () => resources.queues.default!.url;

beforeAll(async () => {
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: metrics,
    logger: testLogger(),
    // Every gate reads the shared state: the test needs no wait for a cache to expire.
    circuitStateCacheMs: 0,
    // The counts and the opening are written before the batch answers, however slow the machine.
    circuitFlushBudgetMs: 60_000,
  });
  circuits = createDynamoDbCircuitState({
    client: worker.runtime.dynamodb,
    tableName: worker.runtime.tableName,
  });
});

afterEach(async () => {
  output = undefined;
  vi.restoreAllMocks();
  upstreamDown = false;
  await circuits.setManually('calls-upstream', 'closed', new Date().toISOString());
});

const dispatch = async (count: number) =>
  worker.dispatchBatch(await receiveRecords(sqs, url(), count), fakeLambdaContext());

describe('a job type with an open circuit', () => {
  it('holds its jobs without spending attempts or receive counts, while other types run', async () => {
    // Prepare: an operator opened the circuit (held until closed).
    await circuits.setManually('calls-upstream', 'open', new Date().toISOString());
    const held = await worker.runtime.client.enqueue(callsUpstream, { n: 1 });
    const other = await worker.runtime.client.enqueue(steady, { n: 1 });

    // Act: five deliveries of the held job, more than maxReceiveCount (3).
    const first = await dispatch(2);
    for (let delivery = 2; delivery <= 5; delivery++) {
      const [record] = await receiveRecords(sqs, url(), 1);
      expect(record!.attributes.ApproximateReceiveCount).toBe('1');
      expect(record!.messageAttributes[RESENT_ATTRIBUTE]?.stringValue).toBe('1');
      expect(
        (await worker.dispatchBatch([record!], fakeLambdaContext())).batchItemFailures,
      ).toEqual([]);
    }

    // Assess: the other type ran; the held job never did and still waits, nothing in the DLQ.
    expect(first.batchItemFailures).toEqual([]);
    expect(await worker.runtime.store.get(other!)).toMatchObject({ status: 'SUCCESSFUL' });
    expect(ran).not.toContain(held);
    expect(await worker.runtime.store.get(held!)).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(
      metrics.events.filter((e) => e.outcome === 'circuit-open').length,
    ).toBeGreaterThanOrEqual(5);

    // Act: the operator closes it; the next delivery runs the job on its first attempt.
    await circuits.setManually('calls-upstream', 'closed', new Date().toISOString());
    await dispatch(1);
    expect(await worker.runtime.store.get(held!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
    });
  });
});

describe('the failure rate', () => {
  async function openByFailures(): Promise<string[]> {
    upstreamDown = true;
    const ids = await Promise.all(
      [1, 2, 3, 4].map((n) => worker.runtime.client.enqueue(callsUpstream, { n })),
    );
    const response = await dispatch(4);
    expect(response.batchItemFailures).toEqual([]);
    return ids.map((id) => id!);
  }

  it('opens the circuit once at ≥ 50 % of 4 attempts, and one probe closes it', async () => {
    // Prepare / Act: four failed attempts in one invocation.
    output = captureJsonOutput();
    const ids = await openByFailures();

    // Assess: open, with the figures logged as a warning.
    const opened = await circuits.read('calls-upstream');
    expect(opened).toMatchObject({ position: 'open', mode: 'automatic', attempts: 4, failures: 4 });
    const warning = output.logs('Circuit opened: the job type fails too often; its jobs are held');
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatchObject({
      level: 'WARN',
      job_type: 'calls-upstream',
      attempts: 4,
      failures: 4,
      failure_rate: 0.5,
      min_attempts: 4,
    });

    // Act: the upstream recovers; past the cool-down, the four retries arrive in one batch.
    upstreamDown = false;
    await until(async () => Date.now() > Date.parse(opened.probeAfter!));
    ran.length = 0;
    const probing = await dispatch(4);

    // Assess: one probe took the turn (a conditional write among the four lanes) and closed it.
    expect(probing.batchItemFailures).toEqual([]);
    expect(output.logs('Circuit half-open: one probe job runs')).toHaveLength(1);
    expect(output.logs('Circuit closed: the probe job succeeded')).toHaveLength(1);
    expect(await circuits.read('calls-upstream')).toMatchObject({
      position: 'closed',
      generation: opened.generation + 1,
    });

    // Every job ends on its second attempt: the holds spent none.
    const heldBack = 4 - ran.length;
    if (heldBack > 0) await dispatch(heldBack);
    for (const id of ids) {
      expect(await worker.runtime.store.get(id)).toMatchObject({
        status: 'SUCCESSFUL',
        attempts: 2,
      });
    }
  });

  it('opens the circuit again when the probe fails', async () => {
    // Prepare
    output = captureJsonOutput();
    await openByFailures();
    const opened = await circuits.read('calls-upstream');
    await until(async () => Date.now() > Date.parse(opened.probeAfter!));

    // Act: the upstream is still down when the probe runs.
    await dispatch(4);

    // Assess
    expect(output.logs('Circuit opened again: the probe job failed')).toHaveLength(1);
    const reopened = await circuits.read('calls-upstream');
    expect(reopened).toMatchObject({ position: 'open', generation: opened.generation + 1 });
    expect(Date.parse(reopened.probeAfter!)).toBeGreaterThan(Date.parse(opened.probeAfter!));
  });
});
