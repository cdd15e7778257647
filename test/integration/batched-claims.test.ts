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
import { attributeText } from '../support/attribute-text.ts';
import { fakeLambdaContext } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { envelopeBody } from '../support/envelope-body.ts';
import { capturingMetrics, echo } from '../support/test-jobs.ts';

/** The claims the worker wrote: the job id of each PutItem of a RUNNING record, in order. */
let claimPuts: string[];
/** The DynamoDB commands the worker sent (`PutItem`, `UpdateItem`, …), in order. */
let commands: string[];
/** The job whose next claim put fails before reaching DynamoDB. */
let failClaimPutOf: string | undefined;
const warnings: string[] = [];

const registry = createRegistry([echo]);
const configs: Record<'full' | 'minimal', LambdaJobsConfig> = {
  full: testConfig({ tracking: 'full' }),
  minimal: testConfig({ tracking: 'minimal' }),
};
const resources: Partial<Record<'full' | 'minimal', ProvisionedResources>> = {};

function observedWorker(tracking: 'full' | 'minimal') {
  const dynamodb = createDynamoDbClient();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      commands.push(command);
      const item = (args.input as { Item?: Record<string, unknown> }).Item;
      if (command === 'PutItem' && attributeText(item?.status) === 'RUNNING') {
        const id = attributeText(item?.pk)?.slice('JOB#'.length) ?? '?';
        claimPuts.push(id);
        if (failClaimPutOf === id) {
          failClaimPutOf = undefined;
          throw Object.assign(new Error('Injected: the claim put failed'), {
            name: 'InternalServerError',
            $fault: 'server',
            $metadata: {},
          });
        }
      }
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
  claimPuts = [];
  commands = [];
  failClaimPutOf = undefined;
  warnings.length = 0;
});

describe.each(['full', 'minimal'] as const)(
  'first deliveries of a batch, tracking %s',
  (tracking) => {
    it('are claimed together, one conditional whole-record put each, no update, and run to SUCCESSFUL', async () => {
      // Prepare
      const worker = observedWorker(tracking);
      const messages = Array.from({ length: 6 }, (_, n) => message({ n }));
      if (tracking === 'full') {
        for (const m of messages) await storeOf('full').putQueued(producerRecord(m.id));
      }

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess: the six claims were sent before any other write of the batch.
      expect(response.batchItemFailures).toEqual([]);
      expect([...claimPuts].sort()).toEqual(messages.map((m) => m.id).sort());
      expect(commands.slice(0, 6)).toEqual(Array(6).fill('PutItem'));
      for (const m of messages) {
        expect(await worker.runtime.store.get(m.id)).toMatchObject({
          status: 'SUCCESSFUL',
          attempts: 1,
          envelope: m.body,
          messageId: m.messageId,
        });
      }
    });

    it('leave a claim whose put fails to the single claim, losing none', async () => {
      // Prepare
      const worker = observedWorker(tracking);
      const messages = Array.from({ length: 3 }, (_, n) => message({ n }));
      if (tracking === 'full') {
        for (const m of messages) await storeOf('full').putQueued(producerRecord(m.id));
      }
      failClaimPutOf = messages[1]!.id;

      // Act
      const response = await worker.dispatchBatch(messages, fakeLambdaContext());

      // Assess: its claim was put again, by the single claim.
      expect(response.batchItemFailures).toEqual([]);
      expect(claimPuts.filter((id) => id === messages[1]!.id)).toHaveLength(2);
      expect(claimPuts).toHaveLength(4);
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
  it.each(['full', 'minimal'] as const)(
    'under %s, leaves exactly the record the single claim leaves, dropping what a producer set',
    async (tracking) => {
      // Prepare: producer records with a retryAt and a concurrency key the delivery lacks.
      const store = storeOf(tracking);
      const [grouped, single] = [newJobId(), newJobId()];
      const extra = { retryAt: '2030-01-01T00:00:00.000Z', concurrencyKey: 'forged-key' };
      await store.putQueued(producerRecord(grouped, extra));
      await store.putQueued(producerRecord(single, extra));
      const request = claimRequest(grouped);
      const fresh = claimRequest(newJobId());

      // Act
      const outcomes = await store.claimMany!([request, fresh]);
      await store.claim({ ...request, id: single });

      // Assess
      const viaGroup = await rawItem(tracking, grouped);
      const viaClaim = await rawItem(tracking, single);
      // Two jobs: their ids differ, and so do the index shards the ids hash to.
      const comparable = (item: Record<string, unknown> | undefined) => {
        const { pk: _pk, id: _id, gsi1pk, gsi1sk, ...rest } = item ?? {};
        return {
          ...rest,
          gsi1pk: String(gsi1pk).split('#').slice(0, 2).join('#'),
          gsi1sk: String(gsi1sk).split('#')[0],
        };
      };
      expect(comparable(viaGroup)).toEqual(comparable(viaClaim));
      expect(viaGroup).toMatchObject({ status: 'RUNNING', attempts: 1, trusted: true });
      expect(viaGroup?.retryAt).toBeUndefined();
      expect(viaGroup?.concurrencyKey).toBeUndefined();
      expect(outcomes[0]?.kind === 'claimed' && outcomes[0].record).toEqual(
        await store.get(grouped),
      );
      // No record at all: the put creates it.
      expect(outcomes[1]).toMatchObject({ kind: 'claimed' });
      expect(await store.get(fresh.id)).toMatchObject({ status: 'RUNNING' });
    },
  );

  it.each(['full', 'minimal'] as const)(
    'under %s, answers a worker record, a second copy in the group and a retried group as claim would',
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
      // RUNNING under another delivery's claim: the conflict claim answers, with the record.
      expect(first[1]).toMatchObject({
        kind: 'conflict',
        current: { status: 'RUNNING', claimToken: 'earlier-delivery' },
      });
      expect(first[2]).toBeUndefined();
      expect(await rawItem(tracking, workers.id)).toEqual(before);
      // A retried group finds this claim's own record in the put's refusal.
      expect(retried[0]).toMatchObject({
        kind: 'claimed',
        record: { status: 'RUNNING', claimToken: fresh.claimToken },
      });
      expect(await store.get(fresh.id)).toMatchObject({
        status: 'RUNNING',
        attempts: 1,
        claimToken: fresh.claimToken,
      });
    },
  );
});
