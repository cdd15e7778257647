/**
 * Shared set-up for the admin and CLI tests: two queues and a table on the emulators, the
 * admin over them, a worker for the `default` queue, and a job whose failure the test switches
 * on and off (to see a retried job succeed).
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import type { QueueEndpoints } from '../../packages/lambda-jobs/src/config/env.ts';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  createWorker,
  type Worker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createAwsJobsAdmin } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-jobs-admin.ts';
import type { JobsAdminService } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin-service.ts';
import { UnrecoverableJobError } from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics, echo, flaky, unrecoverable } from '../support/test-jobs.ts';

/** Labels of `switchable` jobs that fail (unrecoverably) while listed here. */
export const broken = new Set<string>();

export const switchable = defineJob({
  type: 'switchable',
  schema: z.object({ label: z.string() }),
  timeoutSeconds: 3,
  retries: 0,
  run: (payload) => {
    if (broken.has(payload.label)) throw new UnrecoverableJobError(`broken: ${payload.label}`);
    return `fixed: ${payload.label}`;
  },
});

export const adminRegistry = createRegistry([echo, flaky, unrecoverable, switchable]);

/** `default` (served by the worker) and `slow` (no worker: jobs wait there). */
export function adminTestConfig(): LambdaJobsConfig {
  return testConfig({
    queues: {
      default: {
        batchSize: 10,
        functionTimeoutSeconds: 10,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 10,
      },
      slow: {
        batchSize: 1,
        functionTimeoutSeconds: 10,
        visibilityTimeoutSeconds: 60,
        maxReceiveCount: 10,
        thresholds: { backlog: { warning: 2, critical: 4 } },
      },
    },
    settings: { JOBS_DLQ_WARNING: 1 },
  });
}

export interface AdminScenario {
  readonly config: LambdaJobsConfig;
  readonly resources: ProvisionedResources;
  readonly env: NodeJS.ProcessEnv;
  readonly admin: JobsAdminService;
  readonly worker: Worker;
  readonly sqs: ReturnType<typeof emulatorClients>['sqs'];
  /** Delivers `default` until nothing is visible (bounded). */
  drain(): Promise<void>;
  /** Visible + in flight of a queue URL. */
  depth(url: string): Promise<number>;
  /** Sends a raw body to a queue URL (malformed messages, copies). */
  sendRaw(url: string, body: string): Promise<void>;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
}

/**
 * Fresh queues and table, the admin and a `default` worker.
 *
 * @example
 * ```ts
 * const scenario = await startAdminScenario();
 * await scenario.admin.enqueue('echo', { n: 1 });
 * await scenario.drain();
 * ```
 */
export async function startAdminScenario(): Promise<AdminScenario> {
  const config = adminTestConfig();
  const resources = await provisionTestResources(config);
  const { sqs, dynamodb } = emulatorClients();
  const env = resourceEnv(resources);
  const admin = createAwsJobsAdmin({
    registry: adminRegistry,
    config,
    env,
    sqs,
    dynamodb,
    receiveWaitSeconds: 0,
    oldestAge: createEmulatorOldestAgeSource(),
  });
  const worker = createWorker({
    registry: adminRegistry,
    config,
    queueName: 'default',
    env,
    sqs,
    dynamodb,
    metricsRecorder: capturingMetrics(),
  });
  const depth = async (url: string) => {
    const result = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  return {
    config,
    resources,
    env,
    admin,
    worker,
    sqs,
    queues: resources.queues,
    depth,
    async drain() {
      for (let i = 0; i < 20; i++) {
        const { received } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
          waitSeconds: 0,
        });
        if (received.length === 0) return;
      }
    },
    async sendRaw(url, body) {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    },
  };
}
