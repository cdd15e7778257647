import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCloudWatchCompletionSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-completions.ts';
import { createSharedMetricDataReader } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-metric-data.ts';
import { createCloudWatchOldestAgeSource } from '../../packages/lambda-jobs/src/runtime/adapters/aws/cloudwatch-oldest-age.ts';
import { monitoredQueues } from './monitor-test-kit.ts';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1' });
const now = new Date('2026-11-22T10:00:00.000Z');
const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
const noWait = { sleep: async () => {}, attempts: 3 };

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400 },
  });

/** Answers every query with `values(id)` (newest first), or nothing. */
function answerWith(values: (id: string) => number[] = () => []) {
  cloudwatch.on(GetMetricDataCommand).callsFake(
    (input: GetMetricDataCommandInput): Partial<GetMetricDataCommandOutput> => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const found = values(q.Id!);
        return {
          Id: q.Id,
          StatusCode: 'Complete',
          Values: found,
          Timestamps: found.map((_, i) => at(i + 1)),
        };
      }),
    }),
  );
}

const sentQueries = () =>
  cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries ?? []);

beforeEach(() => {
  cloudwatch.reset();
});

describe('CloudWatch oldest-message age', () => {
  it('asks AWS/SQS ApproximateAgeOfOldestMessage, Maximum per minute, by physical queue name', async () => {
    answerWith();
    const queues = monitoredQueues(['default']);

    await createCloudWatchOldestAgeSource({ client }).oldestAges(queues, now);

    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: at(5),
      EndTime: now,
      MetricDataQueries: [
        {
          Id: 'age0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: 'app-default' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
      ],
    });
  });

  it('reads a queue with no datapoints (idle) as age 0, and takes the newest datapoint', async () => {
    answerWith((id) => (id === 'age1' ? [42.7, 900] : []));
    const queues = monitoredQueues(['idle', 'busy']);

    const ages = await createCloudWatchOldestAgeSource({ client }).oldestAges(queues, now);

    expect(ages).toEqual(
      new Map([
        ['idle', 0],
        ['busy', 42],
      ]),
    );
  });

  it('batches 1,000 queues into ceil(1000 / 500) = 2 requests of at most 500 queries', async () => {
    answerWith((id) => [Number(id.slice(3))]);
    const queues = monitoredQueues(Array.from({ length: 1000 }, (_, i) => `q${i}`));

    const ages = await createCloudWatchOldestAgeSource({ client }).oldestAges(queues, now);

    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(sentQueries().map((q) => q.length)).toEqual([500, 500]);
    expect(ages.size).toBe(1000);
    expect(ages.get('q0')).toBe(0);
    expect(ages.get('q999')).toBe(999);
  });

  it('follows NextToken with the same queries and merges the pages', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'age0', StatusCode: 'PartialData', Values: [], Timestamps: [] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'age0', StatusCode: 'Complete', Values: [120], Timestamps: [at(1)] },
        ],
      });
    const queues = monitoredQueues(['default']);

    const ages = await createCloudWatchOldestAgeSource({ client }).oldestAges(queues, now);

    expect(ages.get('default')).toBe(120);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cloudwatch).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, {
      NextToken: 'page-2',
    });
    expect(sentQueries()[1]).toEqual(sentQueries()[0]);
  });

  it('retries a throttled request with backoff, then answers', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .rejectsOnce(throttled())
      .resolves({ MetricDataResults: [{ Id: 'age0', Values: [7], Timestamps: [at(1)] }] });
    const queues = monitoredQueues(['default']);

    const ages = await createCloudWatchOldestAgeSource({ client, retry: noWait }).oldestAges(
      queues,
      now,
    );

    expect(ages.get('default')).toBe(7);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
  });

  it('gives up after the bounded number of tries', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(throttled());
    const source = createCloudWatchOldestAgeSource({ client, retry: noWait });

    await expect(source.oldestAges(monitoredQueues(['default']), now)).rejects.toThrow(
      'Rate exceeded',
    );
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
  });

  it('fails on a query CloudWatch could not answer rather than reading it as age 0', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'age0', StatusCode: 'Forbidden', Messages: [{ Code: 'x', Value: 'denied' }] },
      ],
    });
    const source = createCloudWatchOldestAgeSource({ client });

    await expect(source.oldestAges(monitoredQueues(['default']), now)).rejects.toThrow(
      'answered Forbidden for query age0: denied',
    );
  });
});

describe('CloudWatch completions', () => {
  const source = () =>
    createCloudWatchCompletionSource({ client, namespace: 'shop', service: 'shop-svc' });

  it('sums JobsSucceeded + JobsErrored by service and queue over the window', async () => {
    answerWith((id) => (id === 'done0_0' ? [5, 3] : id === 'done0_1' ? [2] : []));
    const queues = monitoredQueues(['default', 'idle']);

    const done = await source().completions(queues, 600, now);

    expect(done).toEqual(
      new Map([
        ['default', 10],
        ['idle', 0],
      ]),
    );
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: at(10),
      EndTime: now,
    });
    expect(sentQueries()[0]?.[1]).toEqual({
      Id: 'done0_1',
      MetricStat: {
        Metric: {
          Namespace: 'shop',
          MetricName: 'JobsErrored',
          Dimensions: [
            { Name: 'service', Value: 'shop-svc' },
            { Name: 'queue', Value: 'default' },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
  });

  it('batches 1,000 queues (2,000 queries) into ceil(2000 / 500) = 4 requests', async () => {
    answerWith(() => [1]);
    const queues = monitoredQueues(Array.from({ length: 1000 }, (_, i) => `q${i}`));

    const done = await source().completions(queues, 600, now);

    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 4);
    expect(sentQueries().map((q) => q.length)).toEqual([500, 500, 500, 500]);
    expect([...done.values()].every((n) => n === 2)).toBe(true);
  });
});

describe('one GetMetricData reader shared by both monitor reads', () => {
  it('asks for ages and completions of 166 queues in one request, 167 in two, each cut to its own window', async () => {
    // Prepare: every query has a datapoint 1 and 8 minutes back.
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
        Id: q.Id,
        StatusCode: 'Complete',
        Values: [3, 5],
        Timestamps: [at(1), at(8)],
      })),
    }));
    const read = async (count: number) => {
      const reader = createSharedMetricDataReader(client);
      const queues = monitoredQueues(Array.from({ length: count }, (_, i) => `q${i}`));
      return Promise.all([
        createCloudWatchOldestAgeSource({ client, reader, lookbackSeconds: 300 }).oldestAges(
          queues,
          now,
        ),
        createCloudWatchCompletionSource({
          client,
          reader,
          namespace: 'a',
          service: 'a',
        }).completions(queues, 600, now),
      ]);
    };

    // Act
    const [ages, done] = await read(166);
    const oneRequest = sentQueries().map((q) => q.length);
    cloudwatch.resetHistory();
    await read(167);
    const twoRequests = sentQueries().map((q) => q.length);

    // Assess: 3 queries per queue, 500 per request.
    expect(oneRequest).toEqual([498]);
    expect(twoRequests).toEqual([500, 1]);
    // The age looks back 5 minutes: only the datapoint 1 minute back. Completions sum both.
    expect(ages.get('q0')).toBe(3);
    expect(done.get('q0')).toBe(2 * (3 + 5));
  });
});
