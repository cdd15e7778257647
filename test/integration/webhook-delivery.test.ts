import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceEnv } from '../../config/env.ts';
import { registry, webhook } from '../../jobs/index.ts';
import type { ProvisionedResources } from '../../local/provision-resources.ts';
import { createWorker } from '../../runtime/adapters/aws/aws-job-runtime.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { startHttpSink } from '../support/http-sink.ts';

const { sqs } = emulatorClients();
const config = testConfig({
  queues: {
    default: { functionTimeoutSeconds: 60, maxReceiveCount: 20 },
    slow: { functionTimeoutSeconds: 300, batchSize: 1 },
  },
});
let resources: ProvisionedResources;
let worker: ReturnType<typeof createWorker>;
let server: Awaited<ReturnType<typeof startHttpSink>>;

async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const { received } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 0,
    });
    if (received.length === 0) return;
  }
}

beforeAll(async () => {
  process.env.TEST_WEBHOOK_SECRET = 'hush';
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
  });
  server = await startHttpSink((request) => {
    const [, scenario, failures] = /\/(\w+)\/(\d+)/.exec(request.path) ?? [];
    const seen = server.requests.filter((r) => r.path === request.path).length;
    if (scenario === 'flaky') return { status: seen <= Number(failures) ? 503 : 200 };
    if (scenario === 'gone') return { status: 404 };
    return { status: 200 };
  });
});

afterAll(() => server.close());

describe('webhook job through the real worker', () => {
  it('retries 5xx answers and succeeds when the receiver recovers', async () => {
    const id = await worker.runtime.client.enqueue(
      webhook,
      {
        url: `${server.url}/flaky/2`,
        body: { event: 'order.paid' },
        secretRef: 'env:TEST_WEBHOOK_SECRET',
      },
      { retryDelay: { kind: 'fixed', seconds: 0 } },
    );
    await drain();
    const record = await worker.runtime.store.get(id!);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', attempts: 3, output: { status: 200 } });
    expect(server.requests.filter((r) => r.path === '/flaky/2')).toHaveLength(3);
  });

  it('errors at once on a 404 and moves the job to the DLQ', async () => {
    const id = await worker.runtime.client.enqueue(webhook, {
      url: `${server.url}/gone/0`,
      body: {},
    });
    await drain();
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'ERRORED',
      attempts: 1,
      error: { name: 'UnrecoverableJobError' },
    });
    const dlq = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: resources.queues.default!.dlqUrl,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(dlq.Messages?.some((m) => m.Body?.includes(id!))).toBe(true);
  });
});
