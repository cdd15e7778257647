import { existsSync } from 'node:fs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import type { JobsAdmin } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { POISON, runWorkerInBackground } from '../admin/poison-dead-letters.ts';

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

let s: AdminScenario;
let browser: Browser;
/** Over the real admin. */
let dashboard: RunningDashboard;
/** Over the real admin held to 20 messages/s (time to click Cancel or close the tab), and a 2 s watch. */
let paced: RunningDashboard;

function echoEnvelope(id: string, queue: string): string {
  return serializeEnvelope({
    version: ENVELOPE_VERSION,
    id,
    type: 'echo',
    queue,
    payload: { n: 1 },
    enqueuedAt: new Date().toISOString(),
  });
}

/** `count` echo jobs straight into the DLQ of `slow` (no records: the worker's claim makes them). */
async function fillSlowDeadLetters(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await s.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: s.queues.slow!.dlqUrl,
        Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
          Id: `m${j}`,
          MessageBody: echoEnvelope(`${prefix}-${i + j}`, 'slow'),
        })),
      }),
    );
  }
}

async function openPage(target: RunningDashboard, hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(10_000);
  await page.goto(target.openUrl);
  await page.goto(`${target.url}/${hash}`);
  return page;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`,
    );
  }
  s = await startAdminScenario();
  for (const body of POISON) await s.sendRaw(s.queues.default!.url, body);
  await s.drain();
  await s.sendRaw(s.queues.default!.dlqUrl, echoEnvelope('good-one', 'default'));
  dashboard = await startDashboard({ admin: s.admin, config: s.config, registry: adminRegistry });
  const pacedAdmin: JobsAdmin = {
    ...s.admin,
    dlqRedrive: (queue, options) => s.admin.dlqRedrive(queue, { ...options, ratePerSecond: 20 }),
  };
  paced = await startDashboard({
    admin: pacedAdmin,
    config: s.config,
    registry: adminRegistry,
    redriveUnwatchedSeconds: 2,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await paced?.close();
});

describe('dashboard redrive in Chromium', () => {
  it('lists the dead letters from their records, with the error and the field at fault', async () => {
    // Act
    const page = await openPage(dashboard, '#/dlq/default');
    const row = page.locator('tr[data-job-id="poison-bad-payload"]');
    await row.waitFor();

    // Assess
    expect(await row.locator('[data-field="error"]').textContent()).toContain('(field payload.n)');
    expect(await page.locator('tbody tr').count()).toBe(3);
    expect(await page.locator('[data-field="dlqDepth"]').textContent()).toContain('4 messages');
    expect(await page.locator('[data-note="unlisted"]').textContent()).toContain('1 message has');
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(4);
    await page.close();
  });

  it('ends a redrive with poison present: the good job runs once, the poison stays, each with why', async () => {
    // Prepare
    const worker = runWorkerInBackground(s);
    const page = await openPage(dashboard, '#/dlq/default');
    await page.locator('tbody tr').first().waitFor();
    page.once('dialog', (dialog) => void dialog.accept());

    // Act
    await page.getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.locator('.alert-success').textContent(), { timeout: 15_000 })
      .toBe('Moved 1 message. 3 stayed in the DLQ.');
    await new Promise((r) => setTimeout(r, 500));
    await worker.stop();

    // Assess
    const reasons = await page.locator('ul[aria-label="Left in the DLQ"] li').allTextContents();
    expect(reasons).toHaveLength(3);
    expect(reasons.join('\n')).toContain('unknown job type "no-such-job"');
    expect(await s.admin.getJob('good-one')).toMatchObject({ status: 'SUCCESSFUL', attempts: 1 });
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(3);
    await page.close();
  });

  it('deletes one dead letter and retries another from their rows', async () => {
    // Prepare
    const page = await openPage(dashboard, '#/dlq/default');
    await page.locator('tr[data-job-id="poison-bad-payload"]').waitFor();

    // Act
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .locator('tr[data-job-id="poison-bad-payload"]')
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect
      .poll(() => page.locator('.alert-success').textContent(), { timeout: 10_000 })
      .toBe('Deleted the message of job poison-bad-payload from the DLQ of default.');
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .locator('tr[data-job-id="poison-unknown-type"]')
      .getByRole('button', { name: 'Retry' })
      .click();
    await expect
      .poll(() => page.locator('.alert-success').textContent(), { timeout: 10_000 })
      .toBe('Moved job poison-unknown-type back to queue default.');

    // Assess
    expect(await page.locator('tr[data-job-id="poison-bad-payload"]').count()).toBe(0);
    expect((await s.admin.getJob('poison-bad-payload')).deadLetterDeletedAt).toBeDefined();
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(1);
    expect(await s.depth(s.queues.default!.url)).toBe(1);
    await page.close();
  });

  it('stops a running redrive when Cancel is clicked, after the message in hand', async () => {
    // Prepare: 100 dead letters at 20/s: five seconds of work.
    await fillSlowDeadLetters('cancel', 100);
    const page = await openPage(paced, '#/dlq/slow');
    await page.locator('[data-field="dlqDepth"]').waitFor();
    page.once('dialog', (dialog) => void dialog.accept());

    // Act
    await page.getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.locator('[data-field="redrive-progress"]').textContent(), {
        timeout: 10_000,
      })
      .toMatch(/Running: moved [1-9]/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => page.locator('.alert-success').textContent(), { timeout: 10_000 })
      .toMatch(/Cancelled \(Cancel was clicked\)/);

    // Assess: every message is either still in the DLQ or moved, never both or neither.
    const moved = Number(
      /Moved (\d+)/.exec((await page.locator('.alert-success').textContent())!)![1],
    );
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(100);
    expect(await s.depth(s.queues.slow!.url)).toBe(moved);
    expect(await s.depth(s.queues.slow!.dlqUrl)).toBe(100 - moved);
    await page.close();
  });

  it('stops a redrive whose page was closed, instead of running on', async () => {
    // Prepare
    await fillSlowDeadLetters('closed', 100);
    const before = await s.depth(s.queues.slow!.dlqUrl);
    const page = await openPage(paced, '#/dlq/slow');
    await page.locator('[data-field="dlqDepth"]').waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.locator('[data-field="redrive-progress"]').textContent(), {
        timeout: 10_000,
      })
      .toMatch(/Running: moved [1-9]/);

    // Act
    await page.close();
    await new Promise((r) => setTimeout(r, 4000));
    const settled = await s.depth(s.queues.slow!.dlqUrl);
    await new Promise((r) => setTimeout(r, 1000));

    // Assess: it stopped well short of the whole DLQ, and stays stopped.
    expect(settled).toBeGreaterThan(0);
    expect(before - settled).toBeLessThan(before);
    expect(await s.depth(s.queues.slow!.dlqUrl)).toBe(settled);
    const listing = await fetch(`${paced.url}/api/dlq/slow`, {
      headers: { authorization: `Bearer ${paced.token}` },
    }).then((r) => r.json() as Promise<{ redrive?: unknown }>);
    expect(listing.redrive).toBeUndefined();
  });
});
