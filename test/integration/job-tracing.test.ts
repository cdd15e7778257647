/**
 * Traces from the producer to the job: an enqueue makes a `send <queue>` PRODUCER span whose
 * context rides in the envelope; the run makes a `process <queue>` CONSUMER span linked to it,
 * with the messaging semantic conventions and the job's id, type and attempt; the job's log
 * lines carry the trace id. An OpenTelemetry SDK with an in-memory exporter records them; the
 * real client and worker run against fauxqs and DynamoDB Local.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { captureJsonOutput, testLogger } from '../monitor/monitor-test-kit.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import {
  capturingMetrics,
  echo,
  keyed,
  testRegistry,
  unrecoverable,
} from '../support/test-jobs.ts';

const exporter = new InMemorySpanExporter();
const { sqs } = emulatorClients();
let worker: ReturnType<typeof createWorker>;
let queueUrl: string;

beforeAll(async () => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  const config = testConfig();
  const resources = await provisionTestResources(config);
  queueUrl = resources.queues.default!.url;
  worker = createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    metricsRecorder: capturingMetrics(),
    logger: testLogger(),
    deadlineMarginMs: 100,
  });
});

afterEach(() => {
  exporter.reset();
  vi.restoreAllMocks();
});

afterAll(() => {
  trace.disable();
});

const spanNamed = (name: string, jobId: string): ReadableSpan => {
  const span = exporter
    .getFinishedSpans()
    .find((s) => s.name === name && s.attributes['lambda_jobs.job.id'] === jobId);
  if (!span) throw new Error(`no finished span "${name}" for job ${jobId}`);
  return span;
};

describe('traces from the producer to the job', () => {
  it('links the run to the enqueue, with the messaging attributes, and tags the log lines', async () => {
    // Act
    const id = (await worker.runtime.client.enqueue(echo, { n: 1 }))!;
    const output = captureJsonOutput();
    const { received } = await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0 });

    // Assess
    const send = spanNamed('send default', id);
    const process = spanNamed('process default', id);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'default',
      'messaging.message.id': received[0]!.messageId,
      'lambda_jobs.job.type': 'echo',
    });
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'default',
      'messaging.message.id': received[0]!.messageId,
      'lambda_jobs.job.id': id,
      'lambda_jobs.job.type': 'echo',
      'lambda_jobs.job.attempt': 1,
    });
    expect(process.links.map((link) => link.context)).toEqual([
      expect.objectContaining({
        traceId: send.spanContext().traceId,
        spanId: send.spanContext().spanId,
      }),
    ]);
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
    const succeeded = output
      .logs('Jobs succeeded')
      .flatMap((line) => line.jobs as { job_id: string; trace_id?: string }[])
      .find((job) => job.job_id === id);
    expect(succeeded?.trace_id).toBe(process.spanContext().traceId);
  });

  it("records a failed run as the span's error, with error.type", async () => {
    const id = (await worker.runtime.client.enqueue(unrecoverable, {}))!;
    await deliverOnce(sqs, queueUrl, worker.handler, { waitSeconds: 0 });

    const process = spanNamed('process default', id);
    expect(process.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: 'the receiver said 404',
    });
    expect(process.attributes['error.type']).toBe('UnrecoverableJobError');
  });

  it('marks an enqueue skipped for its concurrency key on its send span', async () => {
    const first = await worker.runtime.client.enqueue(keyed, { account: 'traced' });
    const second = await worker.runtime.client.enqueue(keyed, { account: 'traced' });

    expect(first).not.toBeNull();
    expect(second).toBeNull();
    const sends = exporter.getFinishedSpans().filter((span) => span.name === 'send default');
    expect(sends.map((span) => span.attributes['lambda_jobs.enqueue.skipped'])).toEqual([
      undefined,
      true,
    ]);
  });
});
