import { type QueueAttributeName, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { startSqsEventSource } from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import type { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { queueCount, until as waitUntil } from '../support/queue-polling.ts';
import { capturingMetrics, echo, flaky, testRegistry } from '../support/test-jobs.ts';

const { sqs } = emulatorClients();
const config = testConfig();
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
let source: Awaited<ReturnType<typeof startSqsEventSource>>;

const until = (condition: () => Promise<boolean>) => waitUntil(condition, 20_000);
const count = (url: string, attribute: QueueAttributeName) => queueCount(sqs, url, attribute);

beforeAll(async () => {
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
  });
  source = await startSqsEventSource({
    sqs,
    queueUrl: resources.queues.default!.url,
    handler: worker.handler,
    batchSize: 10,
    batchingWindowSeconds: 0,
    maxConcurrency: 3,
    functionTimeoutSeconds: 10,
    pollWaitSeconds: 1,
  });
});

afterAll(() => source.stop());

describe('the real worker handler behind the local SQS event source', () => {
  it('accounts for every job of a mixed batch: successes, retried successes, and poison in the DLQ', async () => {
    const ids = await Promise.all([
      ...Array.from({ length: 30 }, (_, n) => worker.runtime.client.enqueue(echo, { n })),
      ...Array.from({ length: 5 }, () =>
        worker.runtime.client.enqueue(flaky, { succeedOnAttempt: 2 }),
      ),
    ]);
    for (const body of ['not json', '{"version":1}']) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: resources.queues.default!.url, MessageBody: body }),
      );
    }
    const statusOf = async (id: string | null) =>
      (await worker.runtime.store.get(id!))?.status as JobStatus;
    await until(async () =>
      (await Promise.all(ids.map(statusOf))).every((s) => s === 'SUCCESSFUL'),
    );
    await until(
      async () =>
        (await count(resources.queues.default!.dlqUrl, 'ApproximateNumberOfMessages')) === 2,
    );
    await until(
      async () => (await count(resources.queues.default!.url, 'ApproximateNumberOfMessages')) === 0,
    );
    const flakyRecords = await Promise.all(
      ids.slice(30).map((id) => worker.runtime.store.get(id!)),
    );
    expect(flakyRecords.map((r) => r?.attempts)).toEqual([2, 2, 2, 2, 2]);
    expect(source.stats().invocations).toBeGreaterThan(1);
  });
});
