/**
 * The circuit breakers on the dashboard's overview, in headless Chromium against the
 * emulators: the panel shows each job type's circuit; Open and Close are confirmed in a dialog
 * and go through the request guard; the override is the state the workers read (the job table).
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Dialog, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCircuitBreakers } from '../../packages/lambda-jobs/src/config/circuit-breaker-config.ts';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createDynamoDbCircuitState } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-circuit-state.ts';
import { createCircuitAdmin } from '../../packages/lambda-jobs/src/runtime/circuit/circuit-admin.ts';
import type { CircuitStateStore } from '../../packages/lambda-jobs/src/runtime/circuit/circuit-ports.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { emulatorClients } from '../support/emulated-resources.ts';

/** Debian's chromium (`apt-get install chromium`); playwright cannot download browsers here. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];

let s: AdminScenario;
let store: CircuitStateStore;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;

/** Answers the next dialog (accept or dismiss) and resolves its message. */
function nextDialog(answer: 'accept' | 'dismiss'): Promise<string> {
  return new Promise((resolve) => {
    page.once('dialog', (dialog: Dialog) => {
      resolve(dialog.message());
      void (answer === 'accept' ? dialog.accept() : dialog.dismiss());
    });
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`,
    );
  }
  s = await startAdminScenario();
  store = createDynamoDbCircuitState({
    client: emulatorClients().dynamodb,
    tableName: s.resources.tableName,
  });
  dashboard = await startDashboard({
    admin: s.admin,
    config: s.config,
    registry: adminRegistry,
    host: '127.0.0.1',
    circuits: createCircuitAdmin({
      store,
      settings: resolveCircuitBreakers({ switchable: { minAttempts: 10, coolDownSeconds: 60 } }),
    }),
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(5000);
  await page.goto(dashboard.openUrl);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
});

describe('circuit breakers in Chromium', () => {
  it('opens a circuit only once confirmed, shows it open, and closes it again', async () => {
    // Prepare
    await page.goto(`${dashboard.url}/#/`);
    const row = page.locator('tr[data-circuit="switchable"]');
    const state = row.locator('[data-state]');
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe('closed');

    // Act: dismissed first, then confirmed.
    const dismissed = nextDialog('dismiss');
    await row.getByRole('button', { name: 'Open' }).click();
    const question = await dismissed;
    const afterDismiss = (await store.read('switchable')).position;
    const accepted = nextDialog('accept');
    await row.getByRole('button', { name: 'Open' }).click();
    await accepted;
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe('open');
    const opened = await store.read('switchable');
    const modeShown = await row.locator('[data-field="mode"]').textContent();
    const closing = nextDialog('accept');
    await row.getByRole('button', { name: 'Close' }).click();
    await closing;
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe('closed');

    // Assess
    expect(question).toContain('Open the circuit of "switchable"?');
    expect(afterDismiss).toBe('closed');
    expect(opened).toMatchObject({ position: 'open', mode: 'manual' });
    expect(modeShown).toBe('manual');
    expect((await store.read('switchable')).position).toBe('closed');
    expect(await page.locator('.alert-error, [role="alert"]').count()).toBe(0);
  });

  it('refuses an override without the confirmation header, and a type without a circuit breaker', async () => {
    // Act
    const unconfirmed = await fetch(`${dashboard.url}/api/circuits/switchable/open`, {
      method: 'POST',
      headers: {
        origin: dashboard.url,
        authorization: `Bearer ${dashboard.token}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    const unknown = await fetch(`${dashboard.url}/api/circuits/echo/open`, {
      method: 'POST',
      headers: {
        origin: dashboard.url,
        authorization: `Bearer ${dashboard.token}`,
        'content-type': 'application/json',
        'x-lambda-jobs-confirm': 'yes',
      },
      body: '{}',
    });

    // Assess
    expect(unconfirmed.status).toBe(403);
    expect((await store.read('switchable')).position).toBe('closed');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      field: 'type',
      limit: 'one of the job types with a circuit breaker (switchable)',
    });
  });
});
