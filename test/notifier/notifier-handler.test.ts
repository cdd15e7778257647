import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import { SlackWebhookError } from '../../packages/lambda-jobs/src/runtime/notifier/slack-notifier.ts';
import { type ReceivedRequest, startHttpSink } from '../support/http-sink.ts';
import { BACKLOG_CRITICAL, MONITOR_SILENT, snsEvent } from './alarm-notifications.ts';

const SECRET_NAME = 'shop/slack-webhook';
const WEBHOOK_PATH = '/services/T0000/B0000/secret-token';

/** Slack's answer per request index: 200 unless a test says otherwise. */
let answers: Record<number, number> = {};
let sink: Awaited<ReturnType<typeof startHttpSink>>;
let handler: (event: SNSEvent) => Promise<void>;
const secrets = mockClient(SecretsManagerClient);

function posted(request: ReceivedRequest): { text: string; blocks: unknown[] } {
  return JSON.parse(request.body) as { text: string; blocks: unknown[] };
}

beforeAll(async () => {
  sink = await startHttpSink((_request, index) => ({ status: answers[index] ?? 200 }));
  secrets
    .on(GetSecretValueCommand, { SecretId: SECRET_NAME })
    .resolves({ SecretString: JSON.stringify({ url: `${sink.url}${WEBHOOK_PATH}` }) });
  process.env[ENV.slackWebhookSecret] = SECRET_NAME;
  process.env[ENV.runbookBaseUrl] = 'https://git.example.com/shop/blob/main/';
  // The real entry point, as Lambda loads it: env read and clients built at module scope.
  ({ handler } = await import('../../packages/lambda-jobs/src/handlers/notifier.ts'));
});

afterEach(() => {
  sink.requests.length = 0;
  answers = {};
});

afterAll(async () => {
  await sink.close();
  secrets.restore();
  delete process.env[ENV.slackWebhookSecret];
  delete process.env[ENV.runbookBaseUrl];
});

describe('notifier function', () => {
  it('posts a readable alarm message to the webhook from Secrets Manager', async () => {
    // Act
    await handler(snsEvent([BACKLOG_CRITICAL]));

    // Assess
    expect(sink.requests).toHaveLength(1);
    const [request] = sink.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(WEBHOOK_PATH);
    expect(request!.headers['content-type']).toBe('application/json');
    const message = posted(request!);
    expect(message.text).toBe(
      ':red_circle: ALARM: shop-default-backlog-critical (queue default) 1204 (alarm when ≥ 1000)',
    );
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('*Reason*\\nThreshold Crossed');
    expect(blocks).toContain(
      '<https://git.example.com/shop/blob/main/docs/runbooks/job-queue-backlog.md|Runbook>',
    );
  });

  it('posts one message per record and reads the secret once per warm container', async () => {
    // Prepare
    secrets.resetHistory();

    // Act
    await handler(snsEvent([BACKLOG_CRITICAL, MONITOR_SILENT]));
    await handler(snsEvent([MONITOR_SILENT]));

    // Assess
    expect(sink.requests.map((r) => posted(r).text)).toEqual([
      expect.stringContaining('shop-default-backlog-critical'),
      expect.stringContaining('shop-monitor-not-reporting'),
      expect.stringContaining('shop-monitor-not-reporting'),
    ]);
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBeLessThanOrEqual(1);
  });

  it('passes a notification that is not an alarm through as text', async () => {
    await handler(snsEvent(['Subscription test'], 'Hello from SNS'));
    expect(posted(sink.requests[0]!).text).toBe('Hello from SNS: Subscription test');
  });

  it('throws when Slack refuses a message, after posting the others, without revealing the URL', async () => {
    // Prepare
    answers = { 0: 500 };

    // Act
    const result = handler(snsEvent([BACKLOG_CRITICAL, MONITOR_SILENT]));

    // Assess
    await expect(result).rejects.toThrow(SlackWebhookError);
    await expect(result).rejects.toThrow(/answered 500 for shop-default-backlog-critical/);
    await result.catch((error: Error) => expect(error.message).not.toContain('secret-token'));
    expect(sink.requests).toHaveLength(2);
  });
});
