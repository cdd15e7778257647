/**
 * The dashboard's operator actions in headless Chromium, against the emulators: a job's attempt
 * history, pausing and resuming a queue's poller, and "Retry all" / "Cancel all" of a filtered
 * list, each confirmed in a dialog.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Dialog, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createDevQueueConsumption } from '../../packages/lambda-jobs/src/local/dev-queue-consumption.ts';
import {
  type SqsEventSource,
  startSqsEventSource,
} from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import {
  type AdminScenario,
  adminRegistry,
  broken,
  startAdminScenario,
} from '../admin/admin-test-kit.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';

/** Debian's chromium (`apt-get install chromium`); playwright cannot download browsers here. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];

let s: AdminScenario;
let slowPoller: SqsEventSource;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;

async function open(hash: string): Promise<void> {
  await page.goto(`${dashboard.url}/${hash}`);
}

/** Answers the next dialog (accept or dismiss) and resolves its message. */
function nextDialog(answer: 'accept' | 'dismiss'): Promise<string> {
  return new Promise((resolve) => {
    page.once('dialog', (dialog: Dialog) => {
      resolve(dialog.message());
      void (answer === 'accept' ? dialog.accept() : dialog.dismiss());
    });
  });
}

const statusOf = async (id: string) => (await s.admin.getJob(id)).status;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`,
    );
  }
  s = await startAdminScenario();
  const { sqs, dynamodb } = emulatorClients();
  // `slow` is served by a real local poller, as in dev mode; `default` is drained by the test.
  const slowWorker = createWorker({
    registry: adminRegistry,
    config: s.config,
    queueName: 'slow',
    env: s.env,
    sqs,
    dynamodb,
    metricsRecorder: capturingMetrics(),
  });
  slowPoller = await startSqsEventSource({
    sqs,
    queueUrl: s.queues.slow!.url,
    handler: slowWorker.handler,
    batchSize: 1,
    batchingWindowSeconds: 0,
    maxConcurrency: 1,
    functionTimeoutSeconds: 10,
    pollWaitSeconds: 1,
  });
  const consumption = createDevQueueConsumption({
    sources: new Map([
      [
        'slow',
        {
          poller: slowPoller,
          running: { queue: 'slow', functionName: 'slow-worker', state: 'Enabled' },
        },
      ],
    ]),
  });
  dashboard = await startDashboard({
    admin: s.admin,
    config: s.config,
    registry: adminRegistry,
    host: '127.0.0.1',
    eventSources: consumption,
    consumption,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(5000);
  await page.goto(dashboard.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await slowPoller?.stop();
});

describe('job detail in Chromium', () => {
  it('shows every attempt with full dates, the error once with its stack folded', async () => {
    // Prepare: attempt 1 fails; the operator retries it; attempt 1 of the retry fails again.
    broken.add('detail');
    const id = (await s.admin.enqueue('switchable', { label: 'detail' }))!;
    await s.drain();
    await s.admin.retryJob(id);
    await s.drain();

    // Act
    await open(`#/jobs/${id}`);
    const rows = page.locator('[data-field="attempt-history"] tbody tr');
    await rows.nth(1).waitFor();

    // Assess
    expect(await rows.count()).toBe(2);
    const first = (await rows.nth(0).locator('td').allTextContents()).map((t) => t.trim());
    expect(first[0]).toBe('1');
    expect(first[1]).toBe('failed');
    expect(first[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(first[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(first[5]).toBe('UnrecoverableJobError: broken: detail');
    expect((await rows.nth(1).locator('td').allTextContents()).at(-1)).toBe('the error above');
    expect(await page.locator('.error-title').count()).toBe(1);
    expect(await page.locator('.error-title').textContent()).toBe(
      'UnrecoverableJobError: broken: detail',
    );
    const stack = page.getByLabel('Stack trace');
    expect(await stack.isVisible()).toBe(false);
    await page.locator('.stack-fold summary').click();
    expect(await stack.textContent()).toMatch(/^\s*at /);
    expect(await page.locator('time').first().textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
    );
    broken.delete('detail');
    await s.admin.retryJob(id);
    await s.drain();
  });
});

describe('pause and resume in Chromium', () => {
  it('pauses a queue only once confirmed, shows it paused, and resumes it: its waiting job then runs', async () => {
    // Prepare
    await open('#/');
    const cell = page.locator('tr[data-queue="slow"] [data-field="delivery"]');
    await expect
      .poll(() => cell.locator('[data-paused]').textContent(), { timeout: 10_000 })
      .toBe('Running');

    // Act: dismissed first, then confirmed.
    const dismissed = nextDialog('dismiss');
    await cell.getByRole('button', { name: 'Pause' }).click();
    const question = await dismissed;
    const stillRunning = slowPoller.stats().paused;
    const accepted = nextDialog('accept');
    await cell.getByRole('button', { name: 'Pause' }).click();
    await accepted;
    await expect
      .poll(() => cell.locator('[data-paused]').textContent(), { timeout: 10_000 })
      .toBe('Paused');
    const paused = slowPoller.stats().paused;
    const waiting = (await s.admin.enqueue('echo', { n: 1 }, { queue: 'slow' }))!;
    const resumeAnswered = nextDialog('accept');
    await cell.getByRole('button', { name: 'Resume' }).click();
    await resumeAnswered;
    await expect
      .poll(() => cell.locator('[data-paused]').textContent(), { timeout: 10_000 })
      .toBe('Running');

    // Assess
    expect(question).toContain('Pause queue "slow"?');
    expect(stillRunning).toBe(false);
    expect(paused).toBe(true);
    expect(slowPoller.stats().paused).toBe(false);
    await expect.poll(() => statusOf(waiting), { timeout: 15_000 }).toBe('SUCCESSFUL');
    expect(
      await page.locator('tr[data-queue="default"] [data-field="delivery"]').textContent(),
    ).toBe('—');
    expect(await page.locator('.alert-error, [role="alert"]').count()).toBe(0);
  });
});

describe('Retry all and Cancel all in Chromium', () => {
  it('retries every job of the filtered list once confirmed, naming how many; nothing when dismissed', async () => {
    // Prepare
    broken.add('bulk-ui');
    const ids = [
      (await s.admin.enqueue('switchable', { label: 'bulk-ui' }))!,
      (await s.admin.enqueue('switchable', { label: 'bulk-ui' }))!,
    ];
    await s.drain();
    broken.delete('bulk-ui');
    await open('#/jobs?queue=default&status=ERRORED');
    const retryAll = page.getByRole('button', { name: 'Retry all' });

    // Act
    const dismissed = nextDialog('dismiss');
    await retryAll.click();
    const question = await dismissed;
    const afterDismiss = await Promise.all(ids.map(statusOf));
    const accepted = nextDialog('accept');
    await retryAll.click();
    await accepted;
    await page.locator('.alert-success, [role="status"]').first().waitFor();

    // Assess
    expect(question).toMatch(/^Retry 2 job\(s\): ERRORED jobs, on queue "default"\?/);
    expect(afterDismiss).toEqual(['ERRORED', 'ERRORED']);
    expect(await page.locator('main').textContent()).toContain('2 job(s) retried.');
    expect(await Promise.all(ids.map(statusOf))).toEqual(['QUEUED', 'QUEUED']);
    expect(await page.getByRole('button', { name: 'Cancel all' }).count()).toBe(0);
    await s.drain();
    expect(await Promise.all(ids.map(statusOf))).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
  });

  it('cancels every waiting job of the filtered list once confirmed', async () => {
    // Prepare: two jobs wait on `default` (drained only by the test).
    const ids = [
      (await s.admin.enqueue('echo', { n: 1 }))!,
      (await s.admin.enqueue('echo', { n: 2 }))!,
    ];
    await open('#/jobs?queue=default&status=QUEUED');

    // Act
    const accepted = nextDialog('accept');
    await page.getByRole('button', { name: 'Cancel all' }).click();
    const question = await accepted;
    await expect
      .poll(() => page.locator('main').textContent(), { timeout: 10_000 })
      .toContain('2 job(s) cancelled.');

    // Assess
    expect(question).toMatch(/^Cancel 2 job\(s\): QUEUED jobs, on queue "default"\?/);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['CANCELLED', 'CANCELLED']);
    expect(await page.getByRole('button', { name: 'Retry all' }).count()).toBe(0);
  });
});
