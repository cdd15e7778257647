import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createDevOutcomeCounter } from '../../packages/lambda-jobs/src/local/dev-outcome-counter.ts';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsJobsAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-jobs-admin.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

describe('lambda-jobs doctor on a queue whose every attempt fails fast and retries', () => {
  let s: AdminScenario;
  let dashboard: RunningDashboard;
  let cwd: string;

  beforeAll(async () => {
    // Prepare: dev mode's pieces: a worker counting its metric events, and the dashboard that
    // serves those counts to the CLI.
    s = await startAdminScenario();
    const { sqs, dynamodb } = emulatorClients();
    const outcomes = createDevOutcomeCounter(Object.keys(s.config.queues));
    const worker = createWorker({
      registry: adminRegistry,
      config: s.config,
      queueName: 'default',
      env: s.env,
      sqs,
      dynamodb,
      metricsRecorder: outcomes.counting(capturingMetrics()),
    });
    const admin = createAwsJobsAdmin({
      registry: adminRegistry,
      config: s.config,
      env: s.env,
      sqs,
      dynamodb,
      receiveWaitSeconds: 0,
      oldestAge: createEmulatorOldestAgeSource(),
      outcomes,
    });
    dashboard = await startDashboard({
      admin,
      config: s.config,
      registry: adminRegistry,
      host: '127.0.0.1',
    });
    cwd = await devModeFolder(s, { dashboardUrl: dashboard.url, dashboardToken: dashboard.token });
    // Two jobs whose first attempts fail at once and go back to the queue: nothing finishes.
    await s.admin.enqueue('flaky', { succeedOnAttempt: 99 });
    await s.admin.enqueue('flaky', { succeedOnAttempt: 99 });
    await deliverOnce(sqs, s.queues.default!.url, worker.handler, { waitSeconds: 0 });
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it('reports the queue stalled, with the runbook and its fail-fast branch', async () => {
    // Act
    const run = await runCli(['doctor'], cwd, s);
    const json = JSON.parse((await runCli(['doctor', '--json'], cwd, s)).stdout);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '✗ default: Processing has stalled: backlog 2 and no job finished in the last 10 min, while 2 attempts failed and went back to the queue. Every attempt is failing fast and retrying: see "Every attempt fails fast and retries" in docs/runbooks/job-processing-stalled.md.',
    );
    expect(json.activity.default).toEqual({ finished: 0, retried: 2, windowSeconds: 600 });
    expect(json.findings).toContainEqual(
      expect.objectContaining({
        level: 'problem',
        queue: 'default',
        message: expect.stringContaining('job-processing-stalled.md'),
      }),
    );
  });

  it('says it could not check for a stall when dev mode serves no counts', async () => {
    // Prepare
    const bare = await devModeFolder(s);

    // Act
    const json = JSON.parse((await runCli(['doctor', '--json'], bare, s)).stdout);

    // Assess
    expect(json.activity).toBeUndefined();
    expect(json.findings).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: expect.stringContaining('Not checked: processing stalled'),
      }),
    );
  });
});
