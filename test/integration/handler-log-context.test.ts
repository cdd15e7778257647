/**
 * The deployed entry points (`functions/*.ts`) tag every log line of an invocation with its
 * Lambda request id and the cold-start flag, so one invocation's lines can be found together.
 * Each real handler is invoked twice with a Lambda context; its JSON log lines are parsed.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import config from '../../lambda-jobs.config.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createSqsClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { captureJsonOutput } from '../monitor/monitor-test-kit.ts';
import { BACKLOG_CRITICAL, snsEvent } from '../notifier/alarm-notifications.ts';
import { deliverOnce, fakeLambdaContext } from '../support/deliver-once.ts';
import { referenceEntries } from '../support/deployed-entries.ts';
import { provisionTestResources } from '../support/emulated-resources.ts';
import { startHttpSink } from '../support/http-sink.ts';

type LogLine = Readonly<Record<string, unknown>>;

const cloudwatch = mockClient(CloudWatchClient);
const secrets = mockClient(SecretsManagerClient);
let resources: ProvisionedResources;
let sink: Awaited<ReturnType<typeof startHttpSink>>;

beforeAll(async () => {
  resources = await provisionTestResources(config);
  sink = await startHttpSink(() => ({ status: 200 }));
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ url: `${sink.url}/hook` }) });
  process.env.LAMBDA_JOBS_TABLE = resources.tableName;
  process.env.LAMBDA_JOBS_QUEUE_URLS = JSON.stringify(resources.queues);
  process.env.LAMBDA_JOBS_WORKER_QUEUE = 'default';
  process.env[ENV.slackWebhookSecret] = 'shop/slack-webhook';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  // As Lambda sets it for an on-demand execution environment (Powertools reads it).
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
});

afterAll(async () => {
  await sink.close();
  cloudwatch.restore();
  secrets.restore();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  delete process.env[ENV.slackWebhookSecret];
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
});

/** Powertools Logger lines (not EMF metric documents) written while `act` runs. */
async function loggedDuring(act: () => Promise<unknown>): Promise<LogLine[]> {
  const output = captureJsonOutput();
  try {
    await act();
  } finally {
    vi.restoreAllMocks();
  }
  return output.logs();
}

/**
 * Every line names the invocation's request id and whether it was a cold start, and no more of
 * the context: the function's name, ARN and memory are the log group's (bytes billed per line).
 */
function expectTagged(lines: readonly LogLine[], context: Context, coldStart: boolean): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).toMatchObject({
      function_request_id: context.awsRequestId,
      cold_start: coldStart,
    });
    expect(line).not.toHaveProperty('function_arn');
    expect(line).not.toHaveProperty('function_memory_size');
  }
}

describe('log lines of the deployed handlers', () => {
  it('worker: each line carries the request id; only the first invocation is a cold start', async () => {
    const { handler } = await import(referenceEntries().worker);
    const sqs = createSqsClient();
    for (const coldStart of [true, false]) {
      // Prepare: a message that is not an envelope (rejected, logged as an error).
      await sqs.send(
        new SendMessageCommand({ QueueUrl: resources.queues.default!.url, MessageBody: 'nope' }),
      );
      let context: Context | undefined;
      const invoke = (event: SQSEvent, ctx: Context): Promise<SQSBatchResponse> => {
        context = ctx;
        return handler(event, ctx);
      };

      // Act
      const lines = await loggedDuring(() =>
        deliverOnce(sqs, resources.queues.default!.url, invoke),
      );

      // Assess
      expectTagged(lines, context!, coldStart);
    }
  });

  it('monitor: each line of a run carries the request id', async () => {
    const { handler } = await import(referenceEntries().monitor);
    for (const coldStart of [true, false]) {
      const context = fakeLambdaContext();
      const lines = await loggedDuring(() => handler(undefined, context));
      expectTagged(lines, context, coldStart);
    }
  });

  it('notifier: each line carries the request id', async () => {
    const { handler } = await import('../../packages/lambda-jobs/src/handlers/notifier.ts');
    for (const coldStart of [true, false]) {
      const context = fakeLambdaContext();
      const event: SNSEvent = snsEvent([BACKLOG_CRITICAL]);
      const lines = await loggedDuring(() => handler(event, context));
      expectTagged(lines, context, coldStart);
    }
  });
});
