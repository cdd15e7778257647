/**
 * The dashboard in Chromium shows where a job's message lives: a FIFO queue is marked on the
 * overview, and a job's page names its message group and, for a payload that went through S3,
 * its size and its object. Real worker, admin and dashboard against the emulators.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsJobsAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-jobs-admin.ts';
import { UnrecoverableJobError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];

/** A job of a FIFO queue, grouped by account, that refuses its (large) rows for good. */
const importRows = defineJob({
  type: 'import-rows',
  queue: 'ordered',
  schema: z.object({ account: z.string(), rows: z.array(z.string()) }),
  timeoutSeconds: 5,
  retries: 0,
  groupKey: (payload) => `account-${payload.account}`,
  run: () => {
    throw new UnrecoverableJobError('rows refused');
  },
});

const { sqs, dynamodb } = emulatorClients();
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
let jobId: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`,
    );
  }
  const config = testConfig({
    largePayloads: { enabled: true },
    queues: {
      default: { batchSize: 10, functionTimeoutSeconds: 10, visibilityTimeoutSeconds: 60 },
      ordered: {
        fifo: true,
        batchSize: 10,
        functionTimeoutSeconds: 10,
        visibilityTimeoutSeconds: 60,
      },
    },
  });
  const registry = createRegistry([importRows]);
  const resources = await provisionTestResources(config);
  const env = resourceEnv(resources);
  const worker = createWorker({
    registry,
    config,
    queueName: 'ordered',
    env,
    metricsRecorder: capturingMetrics(),
    deadlineMarginMs: 100,
  });
  // 300 rows of 1 KiB: over the threshold, so the payload goes to S3.
  const rows = Array.from({ length: 300 }, (_, i) => `${i}:${'x'.repeat(1018)}`);
  jobId = (await worker.runtime.client.enqueue(importRows, { account: 'a1', rows }))!;
  await deliverOnce(sqs, resources.queues.ordered!.url, worker.handler, { waitSeconds: 0 });
  const admin = createAwsJobsAdmin({ registry, config, env, sqs, dynamodb, receiveWaitSeconds: 0 });
  dashboard = await startDashboard({ admin, config, registry, host: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(10_000);
  await page.goto(dashboard.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

describe('dashboard: FIFO queues, message groups and payloads in S3', () => {
  it('marks the FIFO queue on the overview, and only that one', async () => {
    // Act
    await page.goto(`${dashboard.url}/#/`);
    await page.locator('tr[data-queue="ordered"]').waitFor();

    // Assess
    expect(await page.locator('tr[data-queue="ordered"] [data-field="fifo"]').count()).toBe(1);
    expect(await page.locator('tr[data-queue="default"] [data-field="fifo"]').count()).toBe(0);
  });

  it("shows a job's message group, and its payload's size and S3 object", async () => {
    // Act
    await page.goto(`${dashboard.url}/#/jobs/${jobId}`);
    const stored = page.locator('[data-field="stored-payload"]');
    await stored.waitFor();

    // Assess
    expect(await page.locator('[data-field="messageGroup"]').textContent()).toBe('account-a1');
    const text = (await stored.textContent()) ?? '';
    expect(text).toMatch(/^[\d,]+ bytes in s3:\/\/\S+/);
    expect(Number(text.split(' ')[0]!.replaceAll(',', ''))).toBeGreaterThan(300 * 1024);
    expect(text).toContain(`payloads/${jobId}/`);
  });
});
