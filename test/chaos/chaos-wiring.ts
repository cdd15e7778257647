/**
 * Wires a chaos run as dev mode wires the real thing (local/dev-mode.ts): fresh queues and table
 * on the emulators, the real worker (createWorker) behind the local SQS event source, and the
 * real monitor on a short interval for the lost-job rescue (and, during an event-loop stall, on
 * a thread of its own: event-loop-stall.ts). Each part gets its own SDK clients,
 * as separate Lambda functions would; those of the worker, the event source and the monitor
 * carry the injected faults, while the producer and the final accounting use clean ones.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../../packages/lambda-jobs/src/config/define-config.ts';
import { ENV } from '../../packages/lambda-jobs/src/config/env.ts';
import {
  type SqsEventSource,
  startSqsEventSource,
} from '../../packages/lambda-jobs/src/local/event-source/sqs-event-source.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import {
  type AwsJobRuntime,
  createAwsJobRuntime,
  createWorker,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import { createSqsQueueDepthSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-sqs.ts';
import { createDynamoDbMonitorStateStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-state-dynamodb.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { createSqsQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-transport.ts';
import { createMonitor } from '../../packages/lambda-jobs/src/runtime/monitor/create-monitor.ts';
import type { JobOutcome } from '../../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';
import { attributeText } from '../support/attribute-text.ts';
import { emulatorClients, provisionTestResources } from '../support/emulated-resources.ts';
import { type ChaosHandler, chaosHandler } from './chaos-handler.ts';
import { createChaosJobs, createRunLedger, type RunLedger } from './chaos-jobs.ts';
import type { ChaosSettings } from './chaos-settings.ts';
import {
  type EventLoopStall,
  type StallStats,
  stallOutcomeWrites,
  startEventLoopStall,
} from './event-loop-stall.ts';
import { createFaultPlan, type FaultPlan } from './fault-plan.ts';
import { isFrozen } from './invocation-freeze.ts';
import { injectSdkFaults } from './sdk-faults.ts';
import { createWriteLedger, observeAppliedWrites, type WriteLedger } from './write-ledger.ts';

/** The monitor loop's own counts. */
export interface MonitorLoopStats {
  runs: number;
  rescued: number;
  /** Runs that reported a queue as not fully read or rescued (faults at work). */
  runsWithQueueErrors: number;
  /** Runs that threw (the monitor should not). */
  runsFailed: number;
}

/** Everything a running chaos run is made of. */
export interface ChaosWiring {
  readonly config: LambdaJobsConfig;
  readonly resources: ProvisionedResources;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly plan: FaultPlan;
  readonly writes: WriteLedger;
  readonly runs: RunLedger;
  readonly job: ReturnType<typeof createChaosJobs>['job'];
  /** Enqueues through clean clients (the producer is not under test here). */
  readonly producer: AwsJobRuntime;
  /** Fault-free clients for reading the outcome. */
  readonly clean: { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient };
  readonly chaos: ChaosHandler;
  readonly source: SqsEventSource;
  /** Worker outcomes as its metrics recorded them (frozen invocations record nothing). */
  readonly outcomes: Map<JobOutcome, number>;
  readonly monitor: MonitorLoopStats;
  /** The event-loop stall fault's counts. */
  readonly stall: StallStats;
  /** Success puts the worker sent as a group (before any fault), applied or not. */
  readonly successPuts: { sent: number };
  /**
   * Stops the event source, the monitor loop and the stall's rescuer (in-flight invocations
   * finish or are abandoned).
   */
  stop(): Promise<void>;
}

/**
 * The test config: short timings, with the visibility timeout set below what the config module
 * allows (6 × function timeout) so that abandoned messages return within seconds.
 *
 * @example
 * ```ts
 * const config = chaosConfig(settings); // queues.default.visibilityTimeoutSeconds === 5
 * ```
 */
export function chaosConfig(settings: ChaosSettings): LambdaJobsConfig {
  const config = defineConfig({
    appName: 'chaos',
    tracking: 'full',
    queues: {
      default: {
        batchSize: 10,
        maxConcurrency: settings.maxConcurrency,
        functionTimeoutSeconds: settings.functionTimeoutSeconds,
        maxReceiveCount: settings.maxReceiveCount,
      },
    },
    settings: { JOBS_LOST_GRACE: settings.lostGraceSeconds },
  });
  const queue = {
    ...config.queues.default!,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
  };
  return { ...config, queues: { default: queue } };
}

function faultyClients(
  plan: FaultPlan,
  writes: WriteLedger,
  stall?: { readonly stall: EventLoopStall; readonly runs: RunLedger },
  successPuts?: { sent: number },
) {
  const dynamodb = createDynamoDbClient();
  if (successPuts) {
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        // Only puts of successes: a group of claims puts RUNNING records.
        const item = (args.input as { Item?: { status?: unknown } }).Item;
        if (
          context.commandName === 'PutItemCommand' &&
          attributeText(item?.status) === 'SUCCESSFUL'
        ) {
          successPuts.sent += 1;
        }
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'chaosSuccessPutCounter' },
    );
  }
  if (stall) {
    stallOutcomeWrites(dynamodb, stall.stall, (rescue) => {
      for (const write of rescue.writes) writes.record(write);
      for (const id of rescue.aborted) {
        stall.runs.aborted.set(id, (stall.runs.aborted.get(id) ?? 0) + 1);
      }
    });
  }
  injectSdkFaults(dynamodb, 'dynamodb', plan);
  observeAppliedWrites(dynamodb, writes);
  const sqs = createSqsClient();
  injectSdkFaults(sqs, 'sqs', plan);
  return { dynamodb, sqs };
}

function startMonitorLoop(
  wiring: {
    config: LambdaJobsConfig;
    resources: ProvisionedResources;
    registry: ReturnType<typeof createChaosJobs>['registry'];
  },
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient },
  everyMs: number,
) {
  const { config, resources, registry } = wiring;
  const store = createDynamoDbJobStore({
    client: clients.dynamodb,
    tableName: resources.tableName,
    retentionSeconds: config.resultsRetentionSeconds,
  });
  const keys = createDynamoDbConcurrencyKeys({
    client: clients.dynamodb,
    tableName: resources.tableName,
  });
  const monitor = createMonitor({
    config,
    queueUrls: resources.queues,
    depth: createSqsQueueDepthSource(clients.sqs),
    // No CloudWatch here, and the emulator's inspect API would list every message each second:
    // the age and completion readings are left empty; the run still evaluates and rescues.
    oldestAge: { oldestAges: async () => new Map() },
    completions: { completions: async () => new Map() },
    state: createDynamoDbMonitorStateStore({
      client: clients.dynamodb,
      tableName: resources.tableName,
    }),
    metrics: { publish: () => {} },
    rescue: { store, keys, registry, transport: createSqsQueueTransport(clients.sqs) },
    logger: new Logger({ serviceName: 'chaos-monitor' }),
  });
  const stats: MonitorLoopStats = { runs: 0, rescued: 0, runsWithQueueErrors: 0, runsFailed: 0 };
  const runOnce = async () => {
    try {
      const summary = await monitor.run();
      stats.runs += 1;
      stats.rescued += summary.lostRescued;
      if (summary.failedQueues.length > 0) stats.runsWithQueueErrors += 1;
    } catch {
      stats.runsFailed += 1;
    }
  };
  // Runs one after another, `everyMs` apart (a slow run is never overlapped, as on a schedule
  // with reserved concurrency 1).
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await sleep(everyMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (!stopping.signal.aborted) await runOnce();
    }
  })();
  return {
    stats,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/**
 * Provisions and starts everything, with faults switched off (the run switches them on).
 *
 * @example
 * ```ts
 * const wiring = await startChaosWiring(settings);
 * wiring.plan.enabled = true;
 * ```
 */
export async function startChaosWiring(settings: ChaosSettings): Promise<ChaosWiring> {
  const config = chaosConfig(settings);
  const resources = await provisionTestResources(config);
  const queueUrl = resources.queues.default!.url;
  const dlqUrl = resources.queues.default!.dlqUrl;
  const env = {
    [ENV.tableName]: resources.tableName,
    [ENV.queueUrls]: JSON.stringify(resources.queues),
  };
  const plan = createFaultPlan(settings.seed, settings.rates);
  const writes = createWriteLedger();
  const runs = createRunLedger();
  const { job, registry } = createChaosJobs(runs);
  const clean = emulatorClients();
  const producer = createAwsJobRuntime({ registry, config, env, ...emulatorClients() });

  const outcomes = new Map<JobOutcome, number>();
  const successPuts = { sent: 0 };
  const stall = await startEventLoopStall({
    tableName: resources.tableName,
    queue: { name: 'default', ...resources.queues.default! },
    lostGraceSeconds: settings.lostGraceSeconds,
    retentionSeconds: config.resultsRetentionSeconds,
  });
  const worker = createWorker({
    registry,
    config,
    queueName: 'default',
    env,
    ...faultyClients(plan, writes, { stall, runs }, successPuts),
    metricsRecorder: {
      record(event) {
        if (!isFrozen()) outcomes.set(event.outcome, (outcomes.get(event.outcome) ?? 0) + 1);
      },
      flush() {},
    },
  });
  const timeoutMs = settings.functionTimeoutSeconds * 1000;
  const chaos = chaosHandler(worker.handler, plan, timeoutMs);
  const eventSourceSqs = createSqsClient();
  injectSdkFaults(eventSourceSqs, 'sqs', plan);
  const source = await startSqsEventSource({
    sqs: eventSourceSqs,
    queueUrl,
    handler: chaos.handler,
    batchSize: 10,
    batchingWindowSeconds: 0,
    maxConcurrency: settings.maxConcurrency,
    functionTimeoutSeconds: settings.functionTimeoutSeconds,
    pollWaitSeconds: 1,
    onInvocationError: chaos.onInvocationError,
  });
  const monitorDynamodb = createDynamoDbClient();
  injectSdkFaults(monitorDynamodb, 'dynamodb', plan);
  observeAppliedWrites(monitorDynamodb, writes);
  const monitor = startMonitorLoop(
    { config, resources, registry },
    { dynamodb: monitorDynamodb, sqs: clean.sqs },
    settings.monitorEveryMs,
  );
  return {
    config,
    resources,
    queueUrl,
    dlqUrl,
    plan,
    writes,
    runs,
    job,
    producer,
    clean,
    chaos,
    source,
    outcomes,
    monitor: monitor.stats,
    stall: stall.stats,
    successPuts,
    async stop() {
      await source.stop();
      await monitor.stop();
      await stall.stop();
    },
  };
}
