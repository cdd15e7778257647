/**
 * The deployed monitor entry (as the construct generates it), as Lambda runs it: configured from env at
 * cold start, SQS and DynamoDB on the emulators, CloudWatch (which has no emulator) mocked.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import config from '../../lambda-jobs.config.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createSqsClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import type { MonitorRunSummary } from '../../packages/lambda-jobs/src/runtime/monitor/create-monitor.ts';
import { MONITOR_LOG_MESSAGES as MSG } from '../../packages/lambda-jobs/src/runtime/monitor/monitor-log.ts';
import { referenceEntries } from '../support/deployed-entries.ts';
import { provisionTestResources } from '../support/emulated-resources.ts';
import { captureJsonOutput } from './monitor-test-kit.ts';

const OLDEST_AGE_ON_SLOW = 400;
const cloudwatch = mockClient(CloudWatchClient);
let resources: ProvisionedResources;
let handler: () => Promise<MonitorRunSummary>;

/** CloudWatch's answer: the slow queue's oldest message is 400 s old; nothing else has data. */
function answerGetMetricData(input: GetMetricDataCommandInput) {
  const slowName = new URL(resources.queues.slow!.url).pathname.split('/').pop();
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
      const metric = query.MetricStat?.Metric;
      const isSlowAge =
        metric?.MetricName === 'ApproximateAgeOfOldestMessage' &&
        metric.Dimensions?.[0]?.Value === slowName;
      return {
        Id: query.Id,
        StatusCode: 'Complete' as const,
        Values: isSlowAge ? [OLDEST_AGE_ON_SLOW] : [],
        Timestamps: isSlowAge ? [new Date()] : [],
      };
    }),
  };
}

beforeAll(async () => {
  resources = await provisionTestResources(config);
  process.env.LAMBDA_JOBS_TABLE = resources.tableName;
  process.env.LAMBDA_JOBS_QUEUE_URLS = JSON.stringify(resources.queues);
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'handler-test';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  cloudwatch.on(GetMetricDataCommand).callsFake(answerGetMetricData);
  ({ handler } = await import(referenceEntries().monitor));
});

describe('the deployed monitor entry', () => {
  it('reports every configured queue and raises the slow queue to its warning level', async () => {
    // Prepare: the slow queue at exactly its backlog warning threshold
    const warning = config.queues.slow!.thresholds.backlog.warning!;
    const sqs = createSqsClient();
    for (let sent = 0; sent < warning; sent += 10) {
      const entries = Array.from({ length: Math.min(10, warning - sent) }, (_, i) => ({
        Id: `m${i}`,
        MessageBody: '{}',
      }));
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: resources.queues.slow!.url, Entries: entries }),
      );
    }
    const output = captureJsonOutput();

    // Act
    const summary = await handler();

    // Assess
    expect(summary.failedQueues).toEqual([]);
    expect(summary.queues.map((q) => q.queue)).toEqual(Object.keys(config.queues));
    expect(summary.queues.find((q) => q.queue === 'slow')).toMatchObject({
      jobsBacklog: warning,
      oldestAgeSeconds: OLDEST_AGE_ON_SLOW,
      level: 1,
    });
    expect(output.logs(MSG.backlogWarning)).toEqual([
      expect.objectContaining({ queue: 'slow', jobs_backlog: warning, threshold: warning }),
    ]);
    expect(output.logs(MSG.oldestAgeWarning)).toEqual([
      expect.objectContaining({
        queue: 'slow',
        oldest_age_seconds: OLDEST_AGE_ON_SLOW,
        threshold: config.queues.slow!.thresholds.oldestAgeSeconds.warning,
      }),
    ]);
    const namespaces = output.emf().map((doc) => doc._aws.CloudWatchMetrics[0]?.Namespace);
    expect(new Set(namespaces)).toEqual(new Set(['handler-test']));
    expect(output.metric('BacklogLevel', 'slow')).toEqual([1]);
    expect(output.metric('MonitorHeartbeat')).toEqual([1]);
    // Oldest ages (1 query per queue) and completions (2 per queue) share one request.
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });
});
