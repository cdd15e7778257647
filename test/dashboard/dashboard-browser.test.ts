import { existsSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetQueueAttributesCommand, type QueueAttributeName } from '@aws-sdk/client-sqs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createDevMonitorSamples } from '../../packages/lambda-jobs/src/local/dev-monitor-samples.ts';
import { createDevOutcomeCounter } from '../../packages/lambda-jobs/src/local/dev-outcome-counter.ts';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createWorker,
  type Worker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsJobsAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-jobs-admin.ts';
import { createSqsQueueDepthSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-sqs.ts';
import { createDynamoDbMonitorStateStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-state-dynamodb.ts';
import type { JobsAdmin } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';
import { createMonitor } from '../../packages/lambda-jobs/src/runtime/monitor/create-monitor.ts';
import { createJobStoreCompletionSource } from '../../packages/lambda-jobs/src/runtime/monitor/job-store-completions.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics, echo, unrecoverable } from '../support/test-jobs.ts';
import { dashboardRegistry, visibleEcho } from './dashboard-test-jobs.ts';

/** Debian's chromium (`apt-get install chromium`); playwright cannot download browsers here. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const { sqs, dynamodb } = emulatorClients();
let config: LambdaJobsConfig;
let resources: ProvisionedResources;
let worker: Worker;
let admin: JobsAdmin;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
const ids = {
  succeeded: [] as string[],
  errored: [] as string[],
  visible: '',
  waiting: [] as string[],
};

async function attribute(url: string, name: QueueAttributeName): Promise<number> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [name] }),
  );
  return Number(result.Attributes?.[name] ?? 0);
}

/** Runs the worker until the queue shows nothing (bounded). */
async function drain(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const { received } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 0,
    });
    if (received.length === 0) return;
  }
}

async function open(hash: string): Promise<void> {
  await page.goto(`${dashboard.url}/${hash}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`,
    );
  }
  config = testConfig({
    queues: {
      default: {
        batchSize: 10,
        functionTimeoutSeconds: 10,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 10,
        thresholds: { backlog: { warning: 4, critical: 8 } },
      },
    },
  });
  resources = await provisionTestResources(config);
  const env = resourceEnv(resources);
  const outcomes = createDevOutcomeCounter(Object.keys(config.queues));
  worker = createWorker({
    registry: dashboardRegistry,
    config,
    queueName: 'default',
    env,
    // The workers' metric events, counted per queue, outcome and minute as dev mode does.
    metricsRecorder: outcomes.counting(capturingMetrics()),
  });
  const { client, store, keys, transport } = worker.runtime;
  // The real monitor, publishing into dev mode's in-memory samples: one run four minutes "ago"
  // (before the worker drains the queue) and one now give the chart a line to draw.
  let sampleClock = new Date(Date.now() - 4 * 60_000);
  const samples = createDevMonitorSamples(60, () => sampleClock);
  const oldestAge = createEmulatorOldestAgeSource();
  const monitor = createMonitor({
    config,
    queueUrls: resources.queues,
    depth: createSqsQueueDepthSource(sqs),
    oldestAge,
    completions: createJobStoreCompletionSource(store),
    state: createDynamoDbMonitorStateStore({ client: dynamodb, tableName: resources.tableName }),
    metrics: samples,
    rescue: { store, keys, registry: dashboardRegistry, transport },
    logger: new Logger({ serviceName: 'dashboard-test-monitor' }),
  });
  ids.succeeded = [
    (await client.enqueue(echo, { n: 1 }))!,
    (await client.enqueue(echo, { n: 2 }))!,
  ];
  ids.visible = (await client.enqueue(visibleEcho, { note: 'shown-to-operators' }))!;
  ids.errored = [
    (await client.enqueue(unrecoverable, {}))!,
    (await client.enqueue(unrecoverable, {}))!,
  ];
  await monitor.run();
  await drain();
  ids.waiting = [
    (await client.enqueue(echo, { n: 3 }))!,
    (await client.enqueue(echo, { n: 4 }))!,
    (await client.enqueue(echo, { n: 5 }))!,
  ];
  sampleClock = new Date();
  await monitor.run();
  admin = createAwsJobsAdmin({
    registry: dashboardRegistry,
    config,
    env,
    sqs,
    dynamodb,
    receiveWaitSeconds: 0,
    oldestAge,
    samples,
    outcomes,
  });
  dashboard = await startDashboard({
    admin,
    config,
    registry: dashboardRegistry,
    host: '127.0.0.1',
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(5000);
  // As the operator does: open the printed address once; the tab keeps the token.
  await page.goto(dashboard.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

describe('dashboard in Chromium against the emulators', () => {
  it('takes the session token from the printed address and removes it from the address bar', async () => {
    // Act
    await page.goto(dashboard.openUrl);
    await page.locator('tr[data-queue="default"]').waitFor();

    // Assess
    expect(page.url()).toBe(`${dashboard.url}/#/`);
    expect(page.url()).not.toContain(dashboard.token);
  });

  it('shows no data in a tab opened without the token, and says where the token is', async () => {
    // Prepare
    const stranger = await browser.newPage();
    const answers: number[] = [];
    stranger.on('response', (response) => {
      if (response.url().includes('/api/')) answers.push(response.status());
    });
    try {
      // Act
      await stranger.goto(`${dashboard.url}/#/dlq/default`);
      const note = stranger.locator('[data-note="token"]');
      await note.waitFor({ timeout: 5000 });

      // Assess
      expect(await note.textContent()).toContain('#token=');
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.every((status) => status === 401)).toBe(true);
      expect(await stranger.locator('tbody tr').count()).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  it('shows the live queue depth, the DLQ depth and the counts per queue and outcome for 1 h and 24 h', async () => {
    // Act
    await open('#/');
    const row = page.locator('tr[data-queue="default"]');
    const card = (outcome: string, minutes: number) =>
      page.locator(`[data-count="${outcome}"] [data-window="${minutes}"]`).textContent();
    const cell = (outcome: string, minutes: number) =>
      page
        .locator(
          `tr[data-outcome-queue="default"] td[data-outcome="${outcome}"] [data-window="${minutes}"]`,
        )
        .textContent();

    // Assess
    await expect.poll(() => row.locator('[data-field="visible"]').textContent()).toBe('3');
    expect(await row.locator('[data-field="dlqDepth"]').textContent()).toBe('2');
    expect(await row.locator('[data-field="level"] .badge').textContent()).toMatch(
      /ok|warning|critical/,
    );
    expect(await card('succeeded', 1440)).toBe('3');
    expect(await card('succeeded', 60)).toBe('3');
    expect(await card('errored', 1440)).toBe('2');
    expect(await card('lost', 1440)).toBe('0');
    expect(await cell('succeeded', 60)).toBe('3');
    expect(await cell('errored', 1440)).toBe('2');
    expect(await cell('retried', 1440)).toBe('0');
    await page.screenshot({ path: '/tmp/dashboard-overview.png', fullPage: true });
  });

  it('charts jobs per minute by outcome and the backlog with its threshold lines, over the range chosen', async () => {
    // Prepare
    await open('#/');
    await page.locator('[data-chart="throughput"]').waitFor();
    const hourHeading = await page.locator('#chart-heading').textContent();

    // Act
    await page
      .getByRole('group', { name: 'Time range' })
      .getByRole('link', { name: '24 h' })
      .click();
    await expect.poll(() => page.locator('#chart-heading').textContent()).toBe('Last 24 h');
    const throughput = page.locator('[data-chart="throughput"]');
    const backlog = page.locator('[data-backlog-chart="default"]');
    const dayLegend = await throughput.locator('.legend').textContent();
    await page
      .getByRole('group', { name: 'Time range' })
      .getByRole('link', { name: '15 min' })
      .click();
    await expect.poll(() => page.locator('#chart-heading').textContent()).toBe('Last 15 min');

    // Assess
    expect(hourHeading).toBe('Last 1 h');
    expect(new URL(page.url()).hash).toBe('#/?range=15');
    expect(dayLegend).toContain('Succeeded · 3 in 24 h');
    expect(dayLegend).toContain('Errored · 2 in 24 h');
    expect(await throughput.locator('path.chart-line.series-1').count()).toBe(1);
    expect(await backlog.locator('line.chart-threshold-warning').count()).toBe(1);
    expect(await backlog.locator('line.chart-threshold-critical').count()).toBe(1);
    expect(await backlog.locator('path.chart-line').count()).toBe(1);
    expect(await backlog.locator('[data-threshold]').allTextContents()).toEqual([
      'warning at 4',
      'critical at 8',
    ]);
    await page.screenshot({ path: '/tmp/dashboard-overview-15m.png', fullPage: true });
  });

  it('lists a SUCCESSFUL job with live data', async () => {
    // Act
    await open('#/jobs?status=SUCCESSFUL');
    const row = page.locator(`tr[data-job-id="${ids.succeeded[0]}"]`);

    // Assess
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getAttribute('data-status')).toBe('SUCCESSFUL');
    expect(await row.locator('td').nth(1).textContent()).toBe('echo');
  });

  it('says RUNNING and SUCCESSFUL jobs are not listed under tracking minimal, and nothing under full', async () => {
    // Prepare: the same admin behind a dashboard told the config tracks minimally.
    const minimal = await startDashboard({
      admin,
      config: { ...config, tracking: 'minimal' },
      registry: dashboardRegistry,
      host: '127.0.0.1',
    });
    try {
      // Act
      await open('#/jobs?status=SUCCESSFUL');
      await page.locator(`tr[data-job-id="${ids.succeeded[0]}"]`).waitFor();
      const notesUnderFull = await page.locator('[data-note="unlisted"]').count();
      await page.goto(minimal.openUrl);
      await page.goto(`${minimal.url}/#/jobs?status=SUCCESSFUL`);
      const note = page.locator('[data-note="unlisted"]');
      await note.waitFor();
      const successfulNote = await note.textContent();
      await page.goto(`${minimal.url}/#/jobs?status=ERRORED`);
      await page.locator(`tr[data-job-id="${ids.errored[0]}"]`).waitFor();
      const notesOnErrored = await note.count();

      // Assess
      expect(notesUnderFull).toBe(0);
      expect(successfulNote).toContain(
        "With tracking 'minimal', SUCCESSFUL jobs are kept but not listed",
      );
      expect(successfulNote).toContain('lambda-jobs jobs show ID');
      expect(notesOnErrored).toBe(0);
    } finally {
      await minimal.close();
    }
  });

  it('narrows the list to errored jobs with the status filter, and to one type with the type filter', async () => {
    // Prepare
    await open('#/jobs');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(8);

    // Act
    await page.getByLabel('Status', { exact: true }).selectOption('ERRORED');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    const erroredStatuses = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    const erroredIds = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByLabel('Type', { exact: true }).fill('visible-echo');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);

    // Assess
    expect(erroredStatuses).toEqual(['ERRORED', 'ERRORED']);
    expect(erroredIds.sort()).toEqual([...ids.errored].sort());
    expect(new URL(page.url()).hash).toBe('#/jobs?type=visible-echo');
    expect(await page.locator('tbody tr').getAttribute('data-job-id')).toBe(ids.visible);
  });

  it('shows an errored job with its attempts, error and stack, and hides its payload', async () => {
    // Act
    await open(`#/jobs/${ids.errored[0]}`);
    const stack = page.getByLabel('Stack trace');

    // Assess
    await expect
      .poll(() => page.locator('.error-title').textContent())
      .toBe('UnrecoverableJobError: the receiver said 404');
    // The error once: its stack without the repeated first line, folded until opened.
    expect(await page.getByText('the receiver said 404').count()).toBe(1);
    expect(await stack.isVisible()).toBe(false);
    await page.locator('.stack-fold summary').click();
    expect(await stack.isVisible()).toBe(true);
    expect(await stack.textContent()).toMatch(/^\s*at /);
    expect(await page.locator('[data-field="attempts"]').textContent()).toBe('1 of 6');
    expect(await page.locator('[data-field="payload"]').textContent()).toBe(
      'hidden (job type does not expose payloads)',
    );
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await page.screenshot({ path: '/tmp/dashboard-job-detail.png', fullPage: true });
  });

  it('shows the payload of a job type that exposes payloads', async () => {
    // Act
    await open(`#/jobs/${ids.visible}`);

    // Assess
    await expect
      .poll(() => page.locator('[data-field="payload"]').textContent())
      .toContain('shown-to-operators');
  });

  it('changes nothing when the user dismisses the confirmation', async () => {
    // Prepare
    await open('#/dlq/default');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    page.once('dialog', (dialog) => void dialog.dismiss());

    // Act
    await page.getByRole('button', { name: 'Purge' }).click();

    // Assess
    expect(await page.locator('.alert-success').count()).toBe(0);
    expect(await attribute(resources.queues.default!.dlqUrl, 'ApproximateNumberOfMessages')).toBe(
      2,
    );
  });

  it('moves the dead letters back as a task with progress when Redrive is clicked and confirmed', async () => {
    // Prepare
    await open('#/dlq/default');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });

    // Act
    await page.getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.locator('.alert-success').textContent(), { timeout: 10_000 })
      .toBe('Moved 2 messages.');
    const progress = await page.locator('[data-field="redrive-progress"]').textContent();

    // Assess
    expect(question).toContain('back to queue "default"');
    expect(progress).toContain('moved 2, skipped 0, left 0');
    expect(await attribute(resources.queues.default!.dlqUrl, 'ApproximateNumberOfMessages')).toBe(
      0,
    );
    expect(await attribute(resources.queues.default!.url, 'ApproximateNumberOfMessages')).toBe(5);
    for (const id of ids.errored) {
      expect((await worker.runtime.store.get(id))?.status).toBe('QUEUED');
    }
    expect(await page.locator('tbody tr').count()).toBe(0);
  });

  it("shows a running job's progress on its detail, and none left by an earlier attempt", async () => {
    // Prepare: a job claimed by a worker that has reported 40 %
    const at = new Date();
    const claim = await worker.runtime.store.claim({
      id: 'reporting-progress',
      type: 'echo',
      queue: 'default',
      enqueuedAt: at.toISOString(),
      maxAttempts: 3,
      leaseExpiresAt: new Date(at.getTime() + 60_000).toISOString(),
      now: at.toISOString(),
    });
    if (claim.kind !== 'claimed') throw new Error('not claimed');
    await worker.runtime.store.recordProgress(claim.record, {
      fraction: 0.4,
      note: 'copying rows',
      at: at.toISOString(),
      attempt: claim.record.attempts,
    });

    // Act
    await open('#/jobs/reporting-progress');
    const progress = page.locator('[data-field="progress"]');
    await progress.waitFor();

    // Assess
    expect(await progress.textContent()).toContain('40 % (copying rows), reported');
    expect(await progress.locator('progress').getAttribute('value')).toBe('0.4');
    await page.goto('about:blank');
    await worker.runtime.store.finishAttempt(
      claim.record,
      {
        status: 'RETRYING',
        durationMs: 5,
        error: { name: 'Error', message: 'boom' },
        retryAt: at.toISOString(),
      },
      new Date().toISOString(),
    );
    await open('#/jobs/reporting-progress');
    await page.locator('[data-field="attempts"]').waitFor();
    expect(await page.locator('[data-field="progress"]').count()).toBe(0);
  });

  it('shows a lost attempt that will be retried as "lost, will retry", distinct from a terminal LOST', async () => {
    // Prepare: the records the rescue leaves (a lost attempt with attempts left, and a last one)
    const at = new Date().toISOString();
    const lost = (id: string, status: 'RETRYING' | 'LOST') => ({
      id,
      type: 'echo',
      queue: 'default',
      status,
      attempts: 1,
      maxAttempts: status === 'LOST' ? 1 : 3,
      enqueuedAt: at,
      updatedAt: at,
      lostAttempts: 1,
      error: { name: 'JobLostError', message: `attempt 1 lost: lease expired at ${at}` },
      expiresAt: 0,
    });
    await worker.runtime.store.putQueued(lost('lost-then-retried', 'RETRYING'));
    await worker.runtime.store.putQueued(lost('lost-for-good', 'LOST'));

    // Act
    await open('#/jobs?status=RETRYING');
    const retryBadge = page.locator('tr[data-job-id="lost-then-retried"] .badge');
    await retryBadge.waitFor();
    const retryText = await retryBadge.textContent();
    const retryClass = await retryBadge.getAttribute('class');
    await open('#/jobs?status=LOST');
    const lostBadge = page.locator('tr[data-job-id="lost-for-good"] .badge');
    await lostBadge.waitFor();
    const lostText = await lostBadge.textContent();
    await open('#/jobs/lost-then-retried');
    const detailBadge = page.locator('.detail-head .badge');
    await detailBadge.waitFor();

    // Assess
    expect(retryText).toBe('lost, will retry');
    expect(retryClass).toContain('status-lost-retry');
    expect(lostText).toBe('LOST');
    expect(await detailBadge.textContent()).toBe('lost, will retry');
  });
});
