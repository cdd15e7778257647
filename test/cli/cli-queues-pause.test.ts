/**
 * `queues pause|resume` against dev mode: the CLI asks dev mode's dashboard API (token from the
 * state file), which pauses the queue's real local poller and notes it in the state file that
 * `queues` and `doctor` read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { createDevQueueConsumption } from '../../packages/lambda-jobs/src/local/dev-queue-consumption.ts';
import {
  readDevState,
  writeDevState,
} from '../../packages/lambda-jobs/src/local/dev-state-file.ts';
import {
  type SqsEventSource,
  startSqsEventSource,
} from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

let s: AdminScenario;
let cwd: string;
let poller: SqsEventSource;
let dashboard: RunningDashboard;

const cli = (...argv: string[]) => runCli(argv, cwd, s);

beforeAll(async () => {
  s = await startAdminScenario();
  cwd = await devModeFolder(s);
  const { sqs, dynamodb } = emulatorClients();
  const worker = createWorker({
    registry: adminRegistry,
    config: s.config,
    queueName: 'slow',
    env: s.env,
    sqs,
    dynamodb,
    metricsRecorder: capturingMetrics(),
  });
  poller = await startSqsEventSource({
    sqs,
    queueUrl: s.queues.slow!.url,
    handler: worker.handler,
    batchSize: 1,
    batchingWindowSeconds: 0,
    maxConcurrency: 1,
    functionTimeoutSeconds: 10,
    pollWaitSeconds: 1,
  });
  // As dev mode wires it: its pollers, and the state file rewritten on every change.
  const state = (await readDevState(cwd))!;
  const consumption = createDevQueueConsumption({
    sources: new Map(
      (state.eventSources ?? [])
        .filter((running) => running.queue === 'slow')
        .map((running) => [running.queue, { poller, running }]),
    ),
    onChange: async (eventSources) => {
      const current = (await readDevState(cwd))!;
      await writeDevState(
        {
          ...current,
          eventSources: (current.eventSources ?? []).map(
            (each) => eventSources.find((changed) => changed.queue === each.queue) ?? each,
          ),
        },
        cwd,
      );
    },
  });
  dashboard = await startDashboard({
    admin: s.admin,
    config: s.config,
    registry: adminRegistry,
    eventSources: consumption,
    consumption,
  });
  await writeDevState(
    { ...state, dashboardUrl: dashboard.url, dashboardToken: dashboard.token },
    cwd,
  );
});

afterAll(async () => {
  await dashboard?.close();
  await poller?.stop();
});

describe('lambda-jobs queues pause|resume in dev mode', () => {
  it('pauses the local poller, shows the queue paused in queues and doctor, and resumes it', async () => {
    // Act
    const pause = await cli('queues', 'pause', 'slow');
    const pausedPoller = poller.stats().paused;
    const listed = await cli('queues', '--json');
    const doctor = await cli('doctor');
    const waiting = (await s.admin.enqueue('echo', { n: 2 }, { queue: 'slow' }))!;
    const resume = await cli('queues', 'resume', 'slow', '--json');
    const table = await cli('queues');

    // Assess
    expect(pause.stderr).toBe('');
    expect(pause.code).toBe(0);
    expect(pause.stdout).toContain('Queue slow is paused (test-worker-slow: Disabled)');
    expect(pausedPoller).toBe(true);
    expect(
      JSON.parse(listed.stdout).queues.map((q: { name: string; paused: boolean }) => [
        q.name,
        q.paused,
      ]),
    ).toEqual([
      ['default', false],
      ['slow', true],
    ]);
    expect(doctor.stdout).toContain(
      '! slow: Paused: the event source of test-worker-slow is Disabled (paused by an operator (lambda-jobs queues pause)), so its jobs wait in the queue. Resume it: lambda-jobs queues resume slow',
    );
    expect(JSON.parse(resume.stdout)).toMatchObject({
      queue: 'slow',
      paused: false,
      eventSource: { state: 'Enabled' },
    });
    expect(poller.stats().paused).toBe(false);
    expect(table.stdout).toMatch(/\nslow\s.*\srunning\n/);
    await expect
      .poll(async () => (await s.admin.getJob(waiting)).status, { timeout: 15_000 })
      .toBe('SUCCESSFUL');
  });

  it('refuses an unknown queue (exit 3) and says so when dev mode is not answering (exit 4)', async () => {
    // Prepare
    const state = (await readDevState(cwd))!;

    // Act
    const unknown = await cli('queues', 'pause', 'nope');
    await writeDevState({ ...state, dashboardUrl: 'http://127.0.0.1:9' }, cwd);
    const unreachable = await cli('queues', 'pause', 'slow');
    await writeDevState(state, cwd);

    // Assess
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('nope');
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('did not answer');
    expect(poller.stats().paused).toBe(false);
  });
});
