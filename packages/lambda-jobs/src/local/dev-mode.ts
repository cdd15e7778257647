import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { deploymentNames } from '../cdk/deployment-names.ts';
import { ConfigError } from '../config/config-error.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { ENV } from '../config/env.ts';
import { createWorker, type Worker } from '../runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbConcurrencyKeyIndex } from '../runtime/adapters/aws/dynamodb-concurrency-key-index.ts';
import { createSqsQueueDepthSource } from '../runtime/adapters/aws/queue-stats-sqs.ts';
import { createDynamoDbMonitorStateStore } from '../runtime/adapters/aws/queue-stats-state-dynamodb.ts';
import { createDynamoDbClient, createSqsClient } from '../runtime/adapters/aws/sdk-clients.ts';
import { createSqsDeadLetterIntake } from '../runtime/adapters/aws/sqs-dead-letter-intake.ts';
import { createSqsQueueTransport } from '../runtime/adapters/aws/sqs-queue-transport.ts';
import type { QueueConsumptionControl } from '../runtime/admin/queue-consumption.ts';
import { createMonitor, type Monitor } from '../runtime/monitor/create-monitor.ts';
import { createOrphanKeySweep } from '../runtime/monitor/orphan-key-sweep.ts';
import { createJobMetrics } from '../runtime/observability/job-metrics.ts';
import type { JobRegistry } from '../runtime/registry.ts';
import { scheduleProblems } from '../runtime/schedule-firing.ts';
import { createDevCompletionCounter } from './dev-completion-counter.ts';
import { type DevCronScheduler, startDevCronScheduler } from './dev-cron-scheduler.ts';
import { createDevDelayedDelivery, type DevDelayedDelivery } from './dev-delayed-delivery.ts';
import { createDevMonitorSamples, type DevMonitorSamples } from './dev-monitor-samples.ts';
import { createDevOutcomeCounter, type DevOutcomeCounter } from './dev-outcome-counter.ts';
import { createDevQueueConsumption } from './dev-queue-consumption.ts';
import { type DevState, removeDevState, writeDevState } from './dev-state-file.ts';
import { type DynamoDbEmulator, startDynamoDbEmulator } from './dynamodb-emulator.ts';
import { type SqsEventSource, startSqsEventSource } from './event-source/sqs-event-source.ts';
import { createEmulatorOldestAgeSource } from './oldest-age-from-emulator.ts';
import { provisionResources } from './provision-resources.ts';
import { startSqsEmulator } from './sqs-emulator.ts';

export interface DevModeOptions {
  readonly config: LambdaJobsConfig;
  readonly registry: JobRegistry;
  /** Ports for the emulators; 0 (default) picks free ones. */
  readonly sqsPort?: number;
  readonly dynamodbPort?: number;
  /** Where status lines go (not the JSON logs). Default stderr. */
  readonly say?: (line: string) => void;
  /** Project folder for `.lambda-jobs/dev.json`. Default the current directory. */
  readonly cwd?: string;
}

/** A running dev mode. */
export interface DevMode {
  readonly state: DevState;
  readonly workers: Readonly<Record<string, Worker>>;
  readonly monitor: Monitor;
  readonly samples: DevMonitorSamples;
  /** Jobs finished per queue, outcome and minute, from the workers' metric events. */
  readonly outcomes: DevOutcomeCounter;
  readonly logger: Logger;
  /** Long delays and `runAt`, waiting in the local table. */
  readonly delayedDelivery: DevDelayedDelivery;
  /** The config's cron schedules, fired locally. */
  readonly cron: DevCronScheduler;
  /** Stops receiving, lets in-flight jobs finish (or return to their queue), stops everything. */
  stop(): Promise<void>;
  /** Adds something to stop, in reverse order of adding, before the emulators. */
  onStop(step: () => Promise<void> | void): void;
  /** Records the dashboard's address and session token in the state file the CLI reads. */
  setDashboardUrl(url: string, token: string): Promise<void>;
  /**
   * Pauses and resumes a queue's local poller (`lambda-jobs queues pause|resume`, the
   * dashboard's buttons); the state file the CLI reads says `Disabled` while it is paused.
   */
  readonly consumption: QueueConsumptionControl;
}

/** Sets what the SDK and the handlers read, exactly as Lambda's environment would. */
function setEnvironment(
  state: Omit<
    DevState,
    'pid' | 'startedAt' | 'dashboardUrl' | 'dashboardToken' | 'eventSources' | 'config'
  >,
): void {
  process.env.AWS_REGION = state.region;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_ENDPOINT_URL_SQS = state.endpoints.sqs;
  process.env.AWS_ENDPOINT_URL_S3 = state.endpoints.sqs;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = state.endpoints.dynamodb;
  process.env[ENV.tableName] = state.tableName;
  process.env[ENV.queueUrls] = JSON.stringify(state.queues);
}

/**
 * What the emulators expose, for the start-up lines: who can reach them without credentials.
 * Loudly when DynamoDB Local could not be kept on loopback.
 */
function exposureLines(dynamodb: DynamoDbEmulator): string[] {
  if (dynamodb.loopbackOnly) {
    return [
      'Emulators listen on 127.0.0.1 only and refuse foreign Host headers and web pages; any local process of any user can still use them (no credentials are checked).',
    ];
  }
  return [
    `WARNING: DynamoDB Local listens on EVERY network interface (port ${dynamodb.port}), because ${dynamodb.exposure}.`,
    'WARNING: anyone who can reach this machine can read and change the local table, with any credentials. Use a trusted network, or install a JDK and restart.',
  ];
}

/**
 * Starts everything on this machine with no AWS account: fauxqs and DynamoDB Local (both on
 * 127.0.0.1 only; {@link startDynamoDbEmulator} says when DynamoDB Local cannot be, and dev mode
 * then warns at start-up), the queues, DLQs and table from the config, one local event source
 * per queue running the real worker handler, and the real monitor on its schedule.
 *
 * @example
 * ```ts
 * const dev = await startDevMode({ config, registry });
 * process.once('SIGINT', () => dev.stop());
 * ```
 */
export async function startDevMode(options: DevModeOptions): Promise<DevMode> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { config, registry } = options;
  // As `cdk synth` does: a schedule of an unknown job or with a refused payload stops here.
  const problems = await scheduleProblems(registry, config.schedules);
  if (problems.length > 0) throw new ConfigError(problems);
  const stopSteps: (() => Promise<void> | void)[] = [];
  const [sqsEmulator, dynamodbEmulator] = await Promise.all([
    startSqsEmulator({ port: options.sqsPort ?? 0 }),
    startDynamoDbEmulator({ port: options.dynamodbPort ?? 0 }),
  ]);
  stopSteps.push(
    () => dynamodbEmulator.stop(),
    () => sqsEmulator.stop(),
  );
  const region = process.env.AWS_REGION ?? 'us-east-1';
  process.env.AWS_REGION = region;
  process.env.AWS_ENDPOINT_URL_SQS = sqsEmulator.endpoint;
  // fauxqs serves S3 on the same endpoint: the payload bucket (`largePayloads`) lives there.
  process.env.AWS_ENDPOINT_URL_S3 = sqsEmulator.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodbEmulator.endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const sqs = createSqsClient();
  const dynamodb = createDynamoDbClient();
  const resources = await provisionResources(config, { sqs, dynamodb });
  const base = {
    region,
    endpoints: { sqs: sqsEmulator.endpoint, dynamodb: dynamodbEmulator.endpoint },
    tableName: resources.tableName,
    queues: resources.queues,
  };
  setEnvironment(base);
  if (resources.payloadBucket) process.env[ENV.payloadBucket] = resources.payloadBucket;

  const logger = new Logger({ serviceName: config.appName });
  const metrics = new Metrics({ namespace: config.appName, serviceName: config.appName });
  const delayedDelivery = createDevDelayedDelivery({
    client: dynamodb,
    tableName: resources.tableName,
    transport: createSqsQueueTransport(sqs),
    onError: (error) => logger.warn('Delayed job not sent yet; retried next tick', { error }),
  });
  const completions = createDevCompletionCounter();
  const outcomes = createDevOutcomeCounter(Object.keys(config.queues));
  // The names the runbooks use: those of the deployed stack.
  const names = deploymentNames(config);
  const workers: Record<string, Worker> = {};
  const eventSources: SqsEventSource[] = [];
  const sourceOf = new Map<string, SqsEventSource>();
  for (const queue of Object.values(config.queues)) {
    const worker = createWorker({
      registry,
      config,
      queueName: queue.name,
      logger,
      metrics,
      metricsRecorder: completions.counting(outcomes.counting(createJobMetrics(metrics))),
      sqs,
      dynamodb,
      delayedDelivery,
    });
    workers[queue.name] = worker;
    const endpoints = resources.queues[queue.name]!;
    const source = await startSqsEventSource({
      sqs,
      queueUrl: endpoints.url,
      handler: worker.handler,
      batchSize: queue.batchSize,
      batchingWindowSeconds: queue.batchingWindowSeconds,
      maxConcurrency: queue.maxConcurrency,
      functionTimeoutSeconds: queue.functionTimeoutSeconds,
      functionMemoryMb: queue.functionMemoryMb,
      functionName: names.workerFunction(queue.name),
      pollWaitSeconds: 5,
      logger,
    });
    eventSources.push(source);
    sourceOf.set(queue.name, source);
  }

  const anyWorker = Object.values(workers)[0]!;
  const samples = createDevMonitorSamples(24 * 60);
  const monitor = createMonitor({
    config,
    queueUrls: resources.queues,
    depth: createSqsQueueDepthSource(sqs),
    oldestAge: createEmulatorOldestAgeSource({ endpoint: sqsEmulator.endpoint }),
    completions,
    state: createDynamoDbMonitorStateStore({ client: dynamodb, tableName: resources.tableName }),
    // A queue paused with `queues pause` (its local poller) is not stalled.
    paused: {
      pausedQueues: async (queues) =>
        new Set(
          queues
            .filter((queue) => sourceOf.get(queue.name)?.stats().paused === true)
            .map((queue) => queue.name),
        ),
    },
    metrics: outcomes.countingMonitor(samples),
    rescue: {
      store: anyWorker.runtime.store,
      keys: anyWorker.runtime.keys,
      registry,
      transport: anyWorker.runtime.transport,
    },
    deadLetterIntake: {
      urls: resources.deadLetterIntakes,
      intake: createSqsDeadLetterIntake(sqs),
      store: anyWorker.runtime.store,
      keys: anyWorker.runtime.keys,
      transport: anyWorker.runtime.transport,
    },
    orphanKeys: createOrphanKeySweep({
      index: createDynamoDbConcurrencyKeyIndex({
        client: dynamodb,
        tableName: resources.tableName,
      }),
      store: anyWorker.runtime.store,
      tracking: config.tracking,
    }),
    logger: logger.createChild({ serviceName: `${config.appName}-monitor` }),
  });
  delayedDelivery.start();
  const cron = startDevCronScheduler({
    schedules: config.schedules,
    registry,
    client: anyWorker.runtime.client,
    say,
  });
  let monitorRun: Promise<unknown> = Promise.resolve();
  const monitorTimer = setInterval(() => {
    monitorRun = monitorRun.then(() =>
      monitor.run().catch((error: unknown) => logger.error('Monitor run failed', { error })),
    );
  }, config.monitor.everySeconds * 1000);

  let state: DevState = {
    ...base,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    dashboardUrl: '',
    config,
    eventSources: Object.values(config.queues).map((queue) => ({
      queue: queue.name,
      functionName: names.workerFunction(queue.name),
      state: 'Enabled',
      batchSize: queue.batchSize,
      batchingWindowSeconds: queue.batchingWindowSeconds,
      maxConcurrency: queue.maxConcurrency,
    })),
  };
  const consumption = createDevQueueConsumption({
    sources: new Map(
      (state.eventSources ?? []).map((running) => [
        running.queue,
        { poller: sourceOf.get(running.queue)!, running },
      ]),
    ),
    onChange: async (eventSources) => {
      state = { ...state, eventSources };
      await writeDevState(state, options.cwd);
    },
  });
  let stopping: Promise<void> | undefined;
  const dev: DevMode = {
    get state() {
      return state;
    },
    workers,
    monitor,
    samples,
    outcomes,
    logger,
    delayedDelivery,
    cron,
    onStop(step) {
      stopSteps.push(step);
    },
    async setDashboardUrl(url, token) {
      state = { ...state, dashboardUrl: url, dashboardToken: token };
      await writeDevState(state, options.cwd);
    },
    consumption,
    stop() {
      stopping ??= (async () => {
        say('Stopping: in-flight jobs finish or return to their queue…');
        clearInterval(monitorTimer);
        await cron.stop();
        await delayedDelivery.stop();
        await Promise.all(eventSources.map((source) => source.stop()));
        await monitorRun;
        await removeDevState(options.cwd);
        for (const step of stopSteps.reverse()) {
          try {
            await step();
          } catch (error) {
            say(`While stopping: ${(error as Error).message}`);
          }
        }
        say('Stopped.');
      })();
      return stopping;
    },
  };
  await writeDevState(state, options.cwd);
  say(`SQS (fauxqs): ${sqsEmulator.endpoint}   DynamoDB Local: ${dynamodbEmulator.endpoint}`);
  for (const line of exposureLines(dynamodbEmulator)) say(line);
  say(`Queues: ${Object.keys(resources.queues).join(', ')}   Table: ${resources.tableName}`);
  say(
    `Workers: ${Object.values(config.queues)
      .map((q) => `${q.name} ×${q.maxConcurrency}`)
      .join(', ')}   Monitor: every ${config.monitor.everySeconds} s`,
  );
  for (const [name, at] of cron.nextFirings()) say(`Schedule ${name}: next at ${at.toISOString()}`);
  return dev;
}
