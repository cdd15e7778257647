import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppJobs } from '../../jobs/index.ts';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../jobs/webhook-signature.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { startHttpSink } from '../support/http-sink.ts';

const { sqs } = emulatorClients();
let config: ReturnType<typeof testConfig>;
let jobs: ReturnType<typeof createAppJobs>;
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
  server = await startHttpSink((request) => {
    const [, scenario, failures] = /\/(\w+)\/(\d+)/.exec(request.path) ?? [];
    const seen = server.requests.filter((r) => r.path === request.path).length;
    if (scenario === 'flaky') return { status: seen <= Number(failures) ? 503 : 200 };
    if (scenario === 'gone') return { status: 404 };
    return { status: 200 };
  });
  // Dev mode's wiring: the receiver's exact address is allowed, secrets have local values.
  config = testConfig({
    queues: {
      default: { functionTimeoutSeconds: 60, maxReceiveCount: 20 },
      slow: { functionTimeoutSeconds: 300, batchSize: 1 },
    },
    webhooks: {
      signingKeys: { receiver: { secret: 'test/signing', destinations: [`${server.url}/flaky/`] } },
      secretHeaders: { token: { secret: 'test/token', destinations: [`${server.url}/`] } },
    },
    dev: {
      outboundAllow: [new URL(server.url).host],
      secretValues: { 'test/signing': 'hush', 'test/token': 'Bearer t0ken' },
    },
  });
  jobs = createAppJobs('dev', config);
  resources = await provisionTestResources(config);
  worker = createWorker({
    registry: jobs.registry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
  });
});

afterAll(() => server.close());

describe('webhook job through the real worker', () => {
  it('retries 5xx answers and succeeds when the receiver recovers, signed each time', async () => {
    const url = `${server.url}/flaky/2`;
    const id = await worker.runtime.client.enqueue(
      jobs.webhook,
      {
        url,
        body: { event: 'order.paid' },
        signingKey: 'receiver',
        headers: { authorization: { secretHeader: 'token' } },
      },
      { retryDelay: { kind: 'fixed', seconds: 0 } },
    );
    await drain();
    const record = await worker.runtime.store.get(id!);
    expect(record).toMatchObject({ status: 'SUCCESSFUL', attempts: 3, output: { status: 200 } });
    const deliveries = server.requests.filter((r) => r.path === '/flaky/2');
    expect(deliveries).toHaveLength(3);
    for (const delivery of deliveries) {
      expect(delivery.headers['x-lambda-jobs-id']).toBe(id);
      expect(delivery.headers.authorization).toBe('Bearer t0ken');
      const header = String(delivery.headers[SIGNATURE_HEADER]);
      expect(
        verifyWebhookSignature({
          header,
          secret: 'hush',
          jobId: id!,
          method: 'POST',
          url,
          body: delivery.body,
        }),
      ).toBe(true);
    }
    // The record never holds the secret header's value (the envelope holds only its id).
    expect(JSON.stringify(record)).not.toContain('t0ken');
  });

  it('refuses a delivery to another local port spelled in decimal: ERRORED at once, in the DLQ, nothing sent', async () => {
    // Prepare: a local service the allow-list does not name (dev mode's dashboard, say).
    const dashboard = await startHttpSink(() => ({ status: 200 }));
    try {
      // Act
      const id = await worker.runtime.client.enqueue(jobs.webhook, {
        url: `http://2130706433:${new URL(dashboard.url).port}/api/dlq/default/purge`,
        body: {},
      });
      await drain();

      // Assess
      expect(await worker.runtime.store.get(id!)).toMatchObject({
        status: 'ERRORED',
        attempts: 1,
        error: { name: 'OutboundRequestRefusedError' },
      });
      expect(dashboard.requests).toHaveLength(0);
      const dlq = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: resources.queues.default!.dlqUrl,
          MaxNumberOfMessages: 10,
        }),
      );
      expect(dlq.Messages?.some((m) => m.Body?.includes(id!))).toBe(true);
    } finally {
      await dashboard.close();
    }
  });

  it('errors at once on a 404 and moves the job to the DLQ', async () => {
    const id = await worker.runtime.client.enqueue(jobs.webhook, {
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
