/**
 * The monitor as dev mode wires it, against the emulators: the deployed wiring
 * (`createAwsMonitor`: SQS depth, DynamoDB state and lost-job rescue) with the two CloudWatch
 * reads swapped for fauxqs' inspect API (oldest age) and the job store (completions); real
 * Powertools Logger and EMF metrics, parsed from stdout.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createAwsMonitor } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-monitor.ts';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import { createJobStoreCompletionSource } from '../../packages/lambda-jobs/src/runtime/monitor/job-store-completions.ts';
import { MONITOR_LOG_MESSAGES as MSG } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-log.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { provisionTestResources, testConfig } from '../support/emulated-resources.ts';
import {
  type CapturedOutput,
  captureJsonOutput,
  testLogger,
  testMetrics,
} from './monitor-test-kit.ts';

const aborted: { id: string; payload: unknown; status: string }[] = [];
const report = defineJob({
  type: 'report',
  schema: z.object({ reportId: z.string() }),
  concurrencyKey: (p) => `report:${p.reportId}`,
  run: () => {},
  onAborted: (payload, { record }) => {
    aborted.push({ id: record.id, payload, status: record.status });
  },
});
const registry = createRegistry([report]);

const config: LambdaJobsConfig = testConfig({
  queues: {
    default: {
      functionTimeoutSeconds: 5,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
      thresholds: {
        backlog: { warning: 20, critical: 50 },
        oldestAgeSeconds: { warning: 120, critical: 3600 },
      },
    },
  },
});
const sqs = createSqsClient();
const dynamodb = createDynamoDbClient();
let resources: ProvisionedResources;
let store: ReturnType<typeof createDynamoDbJobStore>;
let keys: ReturnType<typeof createDynamoDbConcurrencyKeys>;
let output: CapturedOutput;

/**
 * A monitor as dev mode builds it for one tick (a new one per call, as separate Lambda
 * invocations would), its clock `aheadMs` ahead.
 */
function monitor(aheadMs = 0) {
  return createAwsMonitor({
    config,
    registry,
    env: { ...process.env, ...resourceEnv(resources) },
    oldestAge: createEmulatorOldestAgeSource(),
    completions: createJobStoreCompletionSource(store),
    metrics: testMetrics(),
    logger: testLogger(),
    now: () => new Date(Date.now() + aheadMs),
  });
}

const queueUrl = () => resources.queues.default!.url;

async function send(count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 10) {
    const entries = Array.from({ length: Math.min(10, count - sent) }, (_, i) => ({
      Id: `m${i}`,
      MessageBody: JSON.stringify({ n: sent + i }),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: entries }));
  }
}

async function receive(max: number): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl(),
      MaxNumberOfMessages: max,
      VisibilityTimeout: 30,
    }),
  );
  return Messages.map((m) => m.ReceiptHandle!);
}

async function remove(handles: readonly string[]): Promise<void> {
  for (let i = 0; i < handles.length; i += 10) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl(),
        Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: `d${j}`, ReceiptHandle: h })),
      }),
    );
  }
}

/** Two jobs that finished a minute ago: the completion rate behind the drain estimate. */
async function recordTwoCompletions(): Promise<void> {
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  for (let i = 0; i < 2; i++) {
    const id = newJobId();
    const claim = await store.claim({
      id,
      type: 'report',
      queue: 'default',
      enqueuedAt: startedAt,
      maxAttempts: 1,
      leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
      now: startedAt,
    });
    if (claim.kind !== 'claimed') throw new Error('could not claim');
    await store.finishAttempt(claim.record, { status: 'SUCCESSFUL', durationMs: 5 }, startedAt);
  }
}

beforeAll(async () => {
  resources = await provisionTestResources(config);
  store = createDynamoDbJobStore({
    client: dynamodb,
    tableName: resources.tableName,
    retentionSeconds: 3600,
  });
  keys = createDynamoDbConcurrencyKeys({ client: dynamodb, tableName: resources.tableName });
});

beforeEach(() => {
  output = captureJsonOutput();
  aborted.length = 0;
});

describe('backlog monitor against the emulators', () => {
  it('reports a queue filled past warning, then critical, then drained', async () => {
    // Prepare: 20 messages, 5 of them received (in flight), and 2 recent completions.
    await recordTwoCompletions();
    await send(20);
    const inFlight = await receive(5);

    // Act 1
    await monitor().run();

    // Assess 1: warning, with the proposal's counts
    expect(output.logs(MSG.stats)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        queue: 'default',
        jobs_requested: 15,
        jobs_processing: 5,
        jobs_delayed: 0,
        jobs_backlog: 20,
        oldest_age_seconds: expect.any(Number),
        dlq_depth: 0,
        jobs_completed: 2,
        drain_seconds: 6000,
        backlog_level: 1,
        backlog_warning: 20,
        backlog_critical: 50,
        oldest_age_seconds_warning: 120,
        oldest_age_seconds_critical: 3600,
        dlq_depth_warning: 1,
      }),
    ]);
    expect(output.logs(MSG.backlogWarning)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        queue: 'default',
        jobs_backlog: 20,
        jobs_requested: 15,
        jobs_processing: 5,
        threshold: 20,
      }),
    ]);
    expect(output.metric('BacklogLevel', 'default')).toEqual([1]);
    expect(output.metric('JobsBacklog', 'default')).toEqual([20]);
    expect(output.metric('JobsProcessing', 'default')).toEqual([5]);
    expect(output.metric('EstimatedDrainSeconds', 'default')).toEqual([6000]);
    expect(output.metric('MonitorHeartbeat')).toEqual([1]);

    // Act 2: 30 more, and the clock 130 s on, so the oldest message is past its warning age
    output.clear();
    await send(30);
    await monitor(130_000).run();

    // Assess 2: backlog critical and oldest-age warning
    expect(output.logs(MSG.backlogCritical)).toEqual([
      expect.objectContaining({
        level: 'CRITICAL',
        queue: 'default',
        jobs_backlog: 50,
        jobs_requested: 45,
        jobs_processing: 5,
        threshold: 50,
      }),
    ]);
    expect(output.logs(MSG.backlogWarning)).toEqual([]);
    expect(output.logs(MSG.oldestAgeWarning)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        queue: 'default',
        threshold: 120,
        oldest_age_seconds: expect.any(Number),
      }),
    ]);
    expect(output.logs(MSG.oldestAgeWarning)[0]?.oldest_age_seconds).toBeGreaterThanOrEqual(130);
    expect(output.metric('BacklogLevel', 'default')).toEqual([2]);
    expect(output.metric('OldestMessageAge', 'default')[0]).toBeGreaterThanOrEqual(130);

    // Act 3: drain the queue
    output.clear();
    await remove(inFlight);
    for (let handles = await receive(10); handles.length > 0; handles = await receive(10)) {
      await remove(handles);
    }
    await monitor().run();
    await monitor().run();

    // Assess 3: back below thresholds, said once
    expect(output.logs(MSG.returnedBelow)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        queue: 'default',
        previous_level: 2,
        jobs_backlog: 0,
        oldest_age_seconds: 0,
      }),
    ]);
    expect(output.logs().filter((l) => l.level !== 'INFO')).toEqual([]);
    expect(output.metric('BacklogLevel', 'default')).toEqual([0, 0]);
    expect(output.metric('JobsBacklog', 'default')).toEqual([0, 0]);
  });

  it('rescues a RUNNING job past its deadline exactly once across two overlapping runs', async () => {
    // Prepare: a job on its last attempt whose worker died 5 minutes past its lease, holding
    // its concurrency key
    const id = newJobId();
    const startedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(await keys.acquire('report:42', id, nowSeconds + 3600, nowSeconds)).toBe(true);
    const envelope = serializeEnvelope({
      version: ENVELOPE_VERSION,
      id,
      type: 'report',
      queue: 'default',
      payload: { reportId: '42' },
      enqueuedAt: startedAt,
    });
    await store.claim({
      id,
      type: 'report',
      queue: 'default',
      enqueuedAt: startedAt,
      maxAttempts: 1,
      leaseExpiresAt: new Date(Date.now() - 5 * 60_000).toISOString(),
      now: startedAt,
      envelope,
      concurrencyKey: 'report:42',
    });

    // Act: two monitor invocations at once
    const [first, second] = await Promise.all([monitor().run(), monitor().run()]);

    // Assess
    expect(first.lostRescued + second.lostRescued).toBe(1);
    expect(aborted).toEqual([{ id, payload: { reportId: '42' }, status: 'LOST' }]);
    expect(await store.get(id)).toMatchObject({
      status: 'LOST',
      attempts: 1,
      deadLetteredAt: expect.any(String),
    });
    expect(await keys.acquire('report:42', newJobId(), nowSeconds + 3600, nowSeconds)).toBe(true);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queues.default!.dlqUrl,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(Messages.map((m) => m.Body)).toContain(envelope);
    expect(output.logs(MSG.jobLost)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        job_id: id,
        job_type: 'report',
        queue: 'default',
        attempt: 1,
      }),
    ]);
    expect(output.metric('JobsLostRescued', 'default').sort()).toEqual([0, 1]);

    // Act again: a later run finds nothing left to rescue
    const later = await monitor().run();
    expect(later.lostRescued).toBe(0);
    expect(aborted).toHaveLength(1);
  });
});
