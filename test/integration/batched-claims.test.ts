import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import { createDynamoDbClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import type { QueueMessage } from '../../packages/lambda-jobs/src/runtime/dispatcher.ts';
import { newJobId } from '../../packages/lambda-jobs/src/runtime/job-id.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { ClaimRequest, JobStore } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { envelopeBody } from '../support/envelope-body.ts';
import { capturingMetrics, echo } from '../support/test-jobs.ts';

/** The DynamoDB requests the worker made, by command name (`PutItem`, `BatchExecuteStatement`). */
let requests: { command: string; statements: string[] }[];
/** When set, the next claim batch fails before reaching DynamoDB. */
let failNextClaimBatch: boolean;
const warnings: string[] = [];

const registry = createRegistry([echo]);
const configs: Record<'full' | 'minimal', LambdaJobsConfig> = {
  full: testConfig({ tracking: 'full' }),
  minimal: testConfig({ tracking: 'minimal' }),
};
const resources: Partial<Record<'full' | 'minimal', ProvisionedResources>> = {};

const isClaimStatement = (statement: string) =>
  statement.startsWith('INSERT') || statement.endsWith('"trusted" IS MISSING');

function observedWorker(tracking: 'full' | 'minimal') {
  const dynamodb = createDynamoDbClient();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as { Statements?: { Statement?: string }[] };
      const statements = (input.Statements ?? []).map((s) => s.Statement ?? '');
      if (command === 'BatchExecuteStatement' && statements.every(isClaimStatement)) {
        if (failNextClaimBatch) {
          failNextClaimBatch = false;
          throw Object.assign(new Error('Injected: the claim batch failed'), {
            name: 'InternalServerError',
            $fault: 'server',
            $metadata: {},
          });
        }
      }
      requests.push({ command, statements });
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'observeClaims' },
  );
  const logger = new Logger({ serviceName: 'batched-claims', logLevel: 'WARN' });
  logger.warn = ((message: string) => {
    warnings.push(message);
  }) as Logger['warn'];
  return createWorker({
    registry,
    config: configs[tracking],
    queueName: 'default',
    env: resourceEnv(resources[tracking]!),
    dynamodb,
    logger,
    metricsRecorder: capturingMetrics(),
    outcomeLingerMs: 60_000,
  });
}

function storeOf(tracking: 'full' | 'minimal'): JobStore {
  return createDynamoDbJobStore({
    client: emulatorClients().dynamodb,
    tableName: resources[tracking]!.tableName,
    retentionSeconds: 3600,
    ...(tracking === 'minimal'
      ? { unlistedStatuses: [JobStatus.RUNNING, JobStatus.SUCCESSFUL] }
      : {}),
    queuedRecords: tracking === 'full',
  });
}

function message(payload: unknown): QueueMessage & { id: string } {
  const id = newJobId();
  return {
    id,
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: envelopeBody(id, 'echo', payload),
    attributes: { ApproximateReceiveCount: '1' },
  };
}

/** The QUEUED record enqueue writes under `full`, with what else a producer may set. */
function producerRecord(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  const at = new Date().toISOString();
  return {
    id,
    type: 'echo',
    queue: 'default',
    status: JobStatus.QUEUED,
    attempts: 0,
    maxAttempts: 3,
    enqueuedAt: at,
    updatedAt: at,
    expiresAt: 0,
    ...extra,
  };
}

function claimRequest(id: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  const now = new Date();
  return {
    id,
    type: 'echo',
    queue: 'default',
    enqueuedAt: new Date(now.getTime() - 1000).toISOString(),
    maxAttempts: 3,
    leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(),
    now: now.toISOString(),
    messageId: randomUUID(),
    envelope: envelopeBody(id, 'echo', { n: 1 }),
    claimToken: randomUUID(),
    firstDelivery: true,
    dueBy: new Date(now.getTime() + 1000).toISOString(),
    ...overrides,
  };
}

async function rawItem(tracking: 'full' | 'minimal', id: string) {
  const { Item } = await emulatorClients().dynamodb.send(
    new GetItemCommand({
      TableName: resources[tracking]!.tableName,
      Key: { pk: { S: `JOB#${id}` } },
      ConsistentRead: true,
    }),
  );
  return Item ? unmarshall(Item) : undefined;
}

beforeAll(async () => {
  resources.full = await provisionTestResources(configs.full);
  resources.minimal = await provisionTestResources(configs.minimal);
});

beforeEach(() => {
  requests = [];
  failNextClaimBatch = false;
  warnings.length = 0;
});

describe.each(['full', 'minimal'] as const)(
  'first deliveries of a batch, tracking %s',
  (tracking) => {
    it('are claimed by one BatchExecuteStatement, no PutItem, and run to SUCCESSFUL', async () => {
      // Prepare
      const worker = observedWorker(tracking);
      const messages = Array.from({ length: 6 }, (_, n) => message({ n }));
      if (tracking === 'full') {
        for (const m of messages) await storeOf('full').putQueued(producerRecord(m.id));
      }

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const claimBatches = requests.filter(
        (r) => r.command === 'BatchExecuteStatement' && r.statements.every(isClaimStatement),
      );
      expect(claimBatches).toHaveLength(1);
      expect(claimBatches[0]?.statements).toHaveLength(6);
      expect(claimBatches[0]?.statements[0]).toMatch(tracking === 'full' ? /^UPDATE / : /^INSERT /);
      expect(requests.filter((r) => r.command === 'PutItem')).toEqual([]);
      for (const m of messages) {
        expect(await worker.runtime.store.get(m.id)).toMatchObject({
          status: 'SUCCESSFUL',
          attempts: 1,
          envelope: m.body,
          messageId: m.messageId,
        });
      }
    });

    it('fall back to one claim each when the batch request fails, losing none', async () => {
      // Prepare
      const worker = observedWorker(tracking);
      const messages = Array.from({ length: 3 }, (_, n) => message({ n }));
      if (tracking === 'full') {
        for (const m of messages) await storeOf('full').putQueued(producerRecord(m.id));
      }
      failNextClaimBatch = true;

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(warnings).toContain('Batch claim failed; claiming one by one');
      expect(requests.filter((r) => r.command === 'PutItem')).toHaveLength(3);
      for (const m of messages) {
        expect(await worker.runtime.store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
      }
    });

    it('leave a job running elsewhere to the single claim, which refuses it, and claim the rest', async () => {
      // Prepare: one job is RUNNING under another delivery's claim.
      const worker = observedWorker(tracking);
      const messages = Array.from({ length: 3 }, (_, n) => message({ n }));
      const store = storeOf(tracking);
      if (tracking === 'full') {
        for (const m of messages) await store.putQueued(producerRecord(m.id));
      }
      const elsewhere = await store.claim(
        claimRequest(messages[1]!.id, { claimToken: 'elsewhere' }),
      );
      expect(elsewhere.kind).toBe('claimed');

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess: the running job's message is kept, its record untouched; the others succeeded.
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: messages[1]!.messageId }]);
      expect(await store.get(messages[1]!.id)).toMatchObject({
        status: 'RUNNING',
        claimToken: 'elsewhere',
      });
      for (const m of [messages[0]!, messages[2]!]) {
        expect(await store.get(m.id)).toMatchObject({ status: 'SUCCESSFUL' });
      }
    });
  },
);

describe('claimMany on DynamoDB', () => {
  it('under full, leaves exactly the record the whole-record claim leaves, dropping what the producer set', async () => {
    // Prepare: two producer records with a retryAt and a concurrency key the delivery lacks.
    const store = storeOf('full');
    const [batched, single] = [newJobId(), newJobId()];
    const extra = { retryAt: '2030-01-01T00:00:00.000Z', concurrencyKey: 'forged-key' };
    await store.putQueued(producerRecord(batched, extra));
    await store.putQueued(producerRecord(single, extra));
    const request = claimRequest(batched);
    const other = claimRequest(newJobId());

    // Act
    const outcomes = await store.claimMany!([request, other]);
    await store.claim({ ...request, id: single });

    // Assess
    expect(outcomes[0]).toMatchObject({ kind: 'claimed' });
    const viaBatch = await rawItem('full', batched);
    const viaPut = await rawItem('full', single);
    // Two jobs: their ids differ, and so do the index shards the ids hash to.
    const comparable = (item: Record<string, unknown> | undefined) => {
      const { pk: _pk, id: _id, gsi1pk, gsi1sk, ...rest } = item ?? {};
      return {
        ...rest,
        gsi1pk: String(gsi1pk).split('#').slice(0, 2).join('#'),
        gsi1sk: String(gsi1sk).split('#')[0],
      };
    };
    expect(comparable(viaBatch)).toEqual(comparable(viaPut));
    expect(viaBatch).toMatchObject({ status: 'RUNNING', attempts: 1, trusted: true });
    expect(viaBatch?.retryAt).toBeUndefined();
    expect(viaBatch?.concurrencyKey).toBeUndefined();
    expect(outcomes[0]?.kind === 'claimed' && outcomes[0].record).toEqual(await store.get(batched));
    // No QUEUED record for `other`: an UPDATE needs the item, so `claim` decides.
    expect(outcomes[1]).toBeUndefined();
    expect(await store.get(other.id)).toBeUndefined();
  });

  it.each(['full', 'minimal'] as const)(
    'under %s, answers a worker record, a second copy in the request and a retried request as claim would',
    async (tracking) => {
      // Prepare
      const store = storeOf(tracking);
      const fresh = claimRequest(newJobId());
      const workers = claimRequest(newJobId());
      if (tracking === 'full') {
        await store.putQueued(producerRecord(fresh.id));
        await store.putQueued(producerRecord(workers.id));
      }
      await store.claim({ ...workers, claimToken: 'earlier-delivery' });
      const before = await rawItem(tracking, workers.id);

      // Act
      const first = await store.claimMany!([fresh, workers, { ...fresh, claimToken: 'copy' }]);
      const retried = await store.claimMany!([fresh, claimRequest(newJobId())]);

      // Assess
      expect(first[0]).toMatchObject({ kind: 'claimed', record: { claimToken: fresh.claimToken } });
      expect(first[1]).toBeUndefined();
      expect(first[2]).toBeUndefined();
      expect(await rawItem(tracking, workers.id)).toEqual(before);
      // A retried request finds this claim's own record: the batch says so (an UPDATE's refusal
      // returns the item), or leaves it to `claim` (an INSERT's refusal returns none), which does.
      expect(retried[0] ?? (await store.claim(fresh))).toMatchObject({
        kind: 'claimed',
        record: { status: 'RUNNING', claimToken: fresh.claimToken },
      });
      if (tracking === 'full') expect(retried[0]).toBeDefined();
      expect(await store.get(fresh.id)).toMatchObject({
        status: 'RUNNING',
        attempts: 1,
        claimToken: fresh.claimToken,
      });
    },
  );
});
