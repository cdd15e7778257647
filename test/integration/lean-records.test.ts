import { Logger } from '@aws-lambda-powertools/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { attributeText } from '../support/attribute-text.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/** A job whose payload is as large as the test makes it. */
const bulky = defineJob({
  type: 'bulky',
  schema: z.object({ blob: z.string() }),
  timeoutSeconds: 5,
  run: ({ blob }) => blob.length,
});

/** What one write of a job record consumed: the table's units and the status index's. */
interface RecordWrite {
  readonly command: string;
  readonly table: number;
  readonly index: number;
}

/** The `JOB#…` key a write names, in its Item or its Key. */
function jobKeyOf(input: Record<string, unknown>): string | undefined {
  const item = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
  return attributeText(item?.[TABLE_SCHEMA.partitionKey]);
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** A DynamoDB client that asks every write for its capacity per index and records it. */
function measuringClient(writes: Map<string, RecordWrite[]>) {
  const dynamodb = createDynamoDbClient();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!WRITES.has(command)) return next(args);
      const input = {
        ...(args.input as Record<string, unknown>),
        ReturnConsumedCapacity: 'INDEXES',
      };
      const result = await next({ ...args, input: input as typeof args.input });
      const key = jobKeyOf(input);
      const output = result.output as {
        ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
      };
      const consumed = [output.ConsumedCapacity ?? []].flat();
      if (key) {
        const list = writes.get(key) ?? [];
        list.push({
          command: command.replace(/Command$/, ''),
          table: consumed.reduce((sum, c) => sum + (c.Table?.CapacityUnits ?? 0), 0),
          index: consumed.reduce(
            (sum, c) =>
              sum +
              (c.GlobalSecondaryIndexes?.[TABLE_SCHEMA.byQueueStatus.indexName]?.CapacityUnits ??
                0),
            0,
          ),
        });
        writes.set(key, list);
      }
      return result;
    },
    { step: 'initialize', priority: 'high', name: 'measureWrites' },
  );
  return dynamodb;
}

interface ConsumedCapacity {
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

const { sqs } = emulatorClients();

describe.each(['full', 'minimal'] as const)(
  'records with a 32 KB payload, tracking %s',
  (tracking) => {
    let resources: ProvisionedResources;
    const writes = new Map<string, RecordWrite[]>();
    let worker: ReturnType<typeof createWorker>;

    beforeAll(async () => {
      const config = testConfig({ tracking });
      resources = await provisionTestResources(config);
      worker = createWorker({
        registry: createRegistry([bulky]),
        config,
        queueName: 'default',
        env: resourceEnv(resources),
        dynamodb: measuringClient(writes),
        logger: new Logger({ serviceName: 'lean-records', logLevel: 'ERROR' }),
        metricsRecorder: capturingMetrics(),
      });
    });

    it('writes the QUEUED record, the claim and the success at one table unit each, and one index unit per entry', async () => {
      // Prepare
      const blob = 'x'.repeat(32 * 1024);

      // Act
      const id = await worker.runtime.client.enqueue(bulky, { blob });
      if (!id) throw new Error('not enqueued');
      await deliverOnce(sqs, resources.queues.default!.url, worker.handler, { waitSeconds: 1 });

      // Assess
      const expected =
        tracking === 'full'
          ? [
              // the producer's QUEUED record: its index entry put
              { command: 'PutItem', table: 1, index: 1 },
              // the claim replaces it: the entry moves from QUEUED to RUNNING (a delete, a put)
              { command: 'PutItem', table: 1, index: 2 },
              // the success: the entry moves from RUNNING to SUCCESSFUL
              { command: 'UpdateItem', table: 1, index: 2 },
            ]
          : [
              { command: 'PutItem', table: 1, index: 0 },
              { command: 'UpdateItem', table: 1, index: 0 },
            ];
      expect(writes.get(`JOB#${id}`)).toEqual(expected);
      const record = await worker.runtime.store.get(id);
      expect(record?.status).toBe('SUCCESSFUL');
      expect(record?.envelope).toBeUndefined();
    });
  },
);
