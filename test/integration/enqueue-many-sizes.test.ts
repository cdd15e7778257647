/**
 * `enqueueMany` splits its SendMessageBatch requests by bytes as well as by count: ten jobs of
 * 150 KB each are more than one request may carry, and every one of them is still enqueued.
 * Real job client against fauxqs and DynamoDB Local; then the memory transport, which refuses
 * an oversized request as SQS does.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createAwsJobRuntime } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createMemoryQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-queue-transport.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { LIMITS } from '../../packages/lambda-jobs/src/runtime/limits.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';

const bulky = defineJob({
  type: 'bulky',
  schema: z.object({ text: z.string() }),
  timeoutSeconds: 5,
  run: () => {},
});
const registry = createRegistry([bulky]);
const clients = emulatorClients();
let resources: ProvisionedResources;

beforeAll(async () => {
  resources = await provisionTestResources(testConfig());
});

/** Ten payloads of 150 KB: 1.5 MB in all, more than any one SendMessageBatch carries. */
const tenLargeEntries = () =>
  Array.from({ length: 10 }, (_, i) => ({ payload: { text: String(i).repeat(150_000) } }));

async function visibleMessages(url: string): Promise<number> {
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

describe('enqueueMany with large payloads', () => {
  it('enqueues ten 150 KB jobs through SQS, in requests each under the batch byte limit', async () => {
    const runtime = createAwsJobRuntime({
      registry,
      config: testConfig(),
      env: resourceEnv(resources),
      ...clients,
    });
    const outcomes = await runtime.client.enqueueMany(bulky, tenLargeEntries());
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(10).fill('enqueued'));
    expect(await visibleMessages(resources.queues.default!.url)).toBe(10);
  });

  it('the memory transport refuses a request over the byte limit, as SQS does', async () => {
    const transport = createMemoryQueueTransport();
    const body = 'x'.repeat(LIMITS.sqsBatchBytes / 2 + 1);
    await expect(
      transport.sendBatch('memory://default', [
        { entryId: '0', body },
        { entryId: '1', body },
      ]),
    ).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
  });
});
