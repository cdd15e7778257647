import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueConfigInput } from '../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../packages/lambda-jobs/src/config/define-config.ts';
import { ENV } from '../packages/lambda-jobs/src/config/env.ts';
import { MAX_QUERIES_PER_REQUEST } from '../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-metric-data.ts';
import { createAwsMonitor } from '../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-monitor.ts';
import { benchRegistry } from './bench-jobs.ts';
import { answerInProcess } from './in-process-aws.ts';
import type { Progress } from './pipeline.ts';
import { createRequestCounter, type RequestCounter } from './request-counter.ts';
import { median } from './statistics.ts';
import { captureStdout } from './stdout-capture.ts';

/** How far the per-round wall time may drift between queue counts and still "not grow with queues". */
export const MONITOR_WALL_SPREAD_GOAL = 1.5;

/** GetMetricData queries per queue: oldest age (1) and completions (succeeded + errored, 2). */
export const METRIC_QUERIES_PER_QUEUE = 3;

/** One queue count's measurement (steady-state runs). */
export interface MonitorScaleSample {
  readonly queues: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  /** API calls of one run, by `Service.Operation`. */
  readonly callsPerRun: Readonly<Record<string, number>>;
  readonly cloudWatchCalls: number;
  readonly metricQueries: number;
  /** ceil(queries / 500): every query of a run batched together. */
  readonly expectedCloudWatchCalls: number;
  readonly medianWallMs: number;
  /** ceil(queues / concurrency) × latency: one round trip per wave of queues. */
  readonly waveMs: number;
  /** medianWallMs / waveMs: sequential round trips per wave. */
  readonly roundTripsPerWave: number;
  readonly failedQueues: number;
}

/** Everything the monitor-scale benchmark found. */
export interface MonitorScaleResult {
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly samples: readonly MonitorScaleSample[];
  readonly checks: {
    readonly cloudWatchCalls: { readonly met: boolean };
    /** max / min of roundTripsPerWave over the queue counts. */
    readonly wallSpread: { readonly spread: number; readonly goal: number; readonly met: boolean };
  };
}

/** Options for {@link runMonitorScaleBenchmark}. */
export interface MonitorScaleOptions {
  readonly queueCounts: readonly number[];
  readonly latencyMs: number;
  readonly runs: number;
  readonly progress: Progress;
}

const region = 'us-east-1';
const zeroCounts = {
  ApproximateNumberOfMessages: '0',
  ApproximateNumberOfMessagesNotVisible: '0',
  ApproximateNumberOfMessagesDelayed: '0',
};

/** In-process AWS for the monitor: empty queues, no datapoints, a remembered state item. */
function monitorClients(counter: RequestCounter, latencyMs: number) {
  const sqs = new SQSClient({ region });
  const dynamodb = new DynamoDBClient({ region });
  const cloudwatch = new CloudWatchClient({ region });
  const items = new Map<string, unknown>();
  answerInProcess(sqs, counter, latencyMs, (operation) =>
    operation === 'GetQueueAttributes' ? { Attributes: zeroCounts } : {},
  );
  answerInProcess(cloudwatch, counter, latencyMs, (operation, input) => {
    if (operation !== 'GetMetricData') return {};
    const queries = (input.MetricDataQueries ?? []) as { Id?: string }[];
    return {
      MetricDataResults: queries.map((query) => ({
        Id: query.Id,
        StatusCode: 'Complete',
        Timestamps: [],
        Values: [],
      })),
    };
  });
  answerInProcess(dynamodb, counter, latencyMs, (operation, input) => {
    if (operation === 'GetItem') return { Item: items.get(JSON.stringify(input.Key)) };
    if (operation === 'PutItem') {
      const item = input.Item as Record<string, unknown>;
      items.set(JSON.stringify({ pk: item.pk }), item);
      return {};
    }
    if (operation === 'Query') return { Items: [] };
    return {};
  });
  return { sqs, dynamodb, cloudwatch };
}

async function measure(
  queueCount: number,
  options: MonitorScaleOptions,
): Promise<MonitorScaleSample> {
  const names = Array.from({ length: queueCount }, (_, i) => `q${String(i + 1).padStart(4, '0')}`);
  const queues: Record<string, QueueConfigInput> = Object.fromEntries(
    names.map((name) => [name, {}]),
  );
  const config = defineConfig({ appName: 'bench', queues });
  const base = 'https://sqs.us-east-1.amazonaws.com/000000000000';
  const queueUrls = Object.fromEntries(
    names.map((name) => [
      name,
      { url: `${base}/bench-${name}`, dlqUrl: `${base}/bench-${name}-dlq` },
    ]),
  );
  const counter = createRequestCounter();
  const monitor = createAwsMonitor({
    config,
    registry: benchRegistry,
    env: { [ENV.tableName]: 'bench-jobs', [ENV.queueUrls]: JSON.stringify(queueUrls) },
    logger: new Logger({ serviceName: 'bench-monitor', logLevel: 'INFO' }),
    metrics: new Metrics({ namespace: 'bench', serviceName: 'bench-monitor' }),
    ...monitorClients(counter, options.latencyMs),
  });
  const capture = captureStdout();
  const walls: number[] = [];
  let failedQueues = 0;
  try {
    await monitor.run(); // first run: every queue's state item is written
    counter.reset();
    for (let i = 0; i < options.runs; i++) {
      const started = performance.now();
      const summary = await monitor.run();
      walls.push(performance.now() - started);
      failedQueues = Math.max(failedQueues, summary.failedQueues.length);
    }
  } finally {
    capture.restore();
  }
  const callsPerRun = Object.fromEntries(
    Object.entries(counter.snapshot()).map(([key, entry]) => [key, entry.requests / options.runs]),
  );
  const metricQueries = queueCount * METRIC_QUERIES_PER_QUEUE;
  const concurrency = config.monitor.concurrency;
  const medianWallMs = median(walls);
  const waveMs = Math.ceil(queueCount / concurrency) * options.latencyMs;
  return {
    queues: queueCount,
    concurrency,
    latencyMs: options.latencyMs,
    callsPerRun,
    cloudWatchCalls: callsPerRun['CloudWatch.GetMetricData'] ?? 0,
    metricQueries,
    expectedCloudWatchCalls: Math.ceil(metricQueries / MAX_QUERIES_PER_REQUEST),
    medianWallMs,
    waveMs,
    roundTripsPerWave: medianWallMs / waveMs,
    failedQueues,
  };
}

/**
 * Benchmark 4: the deployed monitor (`createAwsMonitor`, real SQS, CloudWatch and DynamoDB
 * adapters) over 1, 10, 100 and 500 queues, every AWS call answered in process after a fixed
 * latency. Per queue count: API calls per run, CloudWatch GetMetricData calls against
 * ceil(queries / 500), and wall time against ceil(queues / concurrency) × latency.
 *
 * @example
 * ```ts
 * const result = await runMonitorScaleBenchmark({ queueCounts: [1, 10, 100, 500], latencyMs: 20, runs: 3, progress });
 * ```
 */
export async function runMonitorScaleBenchmark(
  options: MonitorScaleOptions,
): Promise<MonitorScaleResult> {
  const samples: MonitorScaleSample[] = [];
  for (const queues of options.queueCounts) {
    options.progress(`monitor: ${queues} queues, ${options.latencyMs} ms per call`);
    samples.push(await measure(queues, options));
  }
  const ratios = samples.map((sample) => sample.roundTripsPerWave);
  const spread = Math.max(...ratios) / Math.min(...ratios);
  return {
    latencyMs: options.latencyMs,
    concurrency: samples[0]?.concurrency ?? 0,
    samples,
    checks: {
      cloudWatchCalls: {
        met: samples.every((sample) => sample.cloudWatchCalls === sample.expectedCloudWatchCalls),
      },
      wallSpread: {
        spread,
        goal: MONITOR_WALL_SPREAD_GOAL,
        met: spread <= MONITOR_WALL_SPREAD_GOAL,
      },
    },
  };
}
