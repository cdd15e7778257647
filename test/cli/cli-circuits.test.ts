/**
 * `circuits`, `circuits open|close TYPE` against dev mode (the circuit state lives in the job
 * table on DynamoDB Local), and what `queues` and `doctor` show of an open circuit. A worker
 * built with the same config then holds the type's jobs: the override is what workers read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveCircuitBreakers } from '../../packages/lambda-jobs/src/config/circuit-breaker-config.ts';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { type AdminScenario, adminRegistry, startAdminScenario } from '../admin/admin-test-kit.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import { emulatorClients } from '../support/emulated-resources.ts';
import { capturingMetrics } from '../support/test-jobs.ts';
import { devModeFolder, runCli } from './cli-test-kit.ts';

let s: AdminScenario;
let cwd: string;
let config: LambdaJobsConfig;

const cli = (...argv: string[]) => runCli(argv, cwd, { config });

beforeAll(async () => {
  s = await startAdminScenario();
  cwd = await devModeFolder(s);
  config = {
    ...s.config,
    circuitBreakers: resolveCircuitBreakers({ switchable: { minAttempts: 10 } }),
  };
});

describe('lambda-jobs circuits', () => {
  it('lists each job type with a circuit breaker, closed until opened', async () => {
    const run = await cli('circuits', '--json');

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).circuits).toEqual([
      {
        type: 'switchable',
        state: 'closed',
        settings: { failureRate: 0.5, minAttempts: 10, windowSeconds: 60, coolDownSeconds: 30 },
      },
    ]);
  });

  it('opens a circuit by hand: queues and doctor show it, the worker holds the type, close ends it', async () => {
    // Act
    const opened = await cli('circuits', 'open', 'switchable', '--json');

    // Assess: open by hand, with no probe.
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.stdout).circuit).toMatchObject({
      type: 'switchable',
      state: 'open',
      mode: 'manual',
    });
    const queues = await cli('queues', '--json');
    expect(JSON.parse(queues.stdout).circuits).toEqual([
      expect.objectContaining({ type: 'switchable', state: 'open' }),
    ]);
    expect((await cli('queues')).stdout).toMatch(/switchable\s+OPEN\s+manual/);
    const doctor = await cli('doctor', '--json');
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout).findings).toContainEqual({
      level: 'warning',
      queue: 'default',
      message: expect.stringMatching(
        /Circuit of job type "switchable" is OPEN \(opened by an operator.*lambda-jobs circuits close switchable/,
      ),
    });

    // A worker of this config holds the type's job: no attempt spent.
    const { sqs, dynamodb } = emulatorClients();
    const worker = createWorker({
      registry: adminRegistry,
      config,
      queueName: 'default',
      env: s.env,
      sqs,
      dynamodb,
      metricsRecorder: capturingMetrics(),
      circuitStateCacheMs: 0,
    });
    const id = await s.admin.enqueue('switchable', { label: 'held' });
    await deliverOnce(sqs, s.queues.default!.url, worker.handler);
    expect(await s.admin.getJob(id!)).toMatchObject({ status: 'QUEUED', attempts: 0 });

    // Act: close it by hand.
    const closed = await cli('circuits', 'close', 'switchable');

    // Assess
    expect(closed.code).toBe(0);
    expect(closed.stdout).toMatch(/Circuit of switchable is closed/);
    expect(JSON.parse((await cli('circuits', '--json')).stdout).circuits[0].state).toBe('closed');
    const after = await cli('doctor', '--json');
    expect(JSON.stringify(JSON.parse(after.stdout).findings)).not.toMatch(/Circuit of job type/);
  });

  it('refuses a job type without a circuit breaker, naming the field and the types that have one', async () => {
    const run = await cli('circuits', 'open', 'echo', '--json');

    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr).error).toMatchObject({
      name: 'NoCircuitBreakerError',
      field: 'type',
      limit: 'one of the job types with a circuit breaker (switchable)',
    });
  });
});
