import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulatorOldestAgeSource } from '../../packages/lambda-jobs/src/local/oldest-age-from-emulator.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createDynamoDbMonitorStateStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/queue-stats-state-dynamodb.ts';
import { createSqsClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { createJobStoreCompletionSource } from '../../packages/lambda-jobs/src/runtime/monitor/job-store-completions.ts';
import type { ListJobsQuery } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { provisionTestResources, testConfig } from '../support/emulated-resources.ts';
import { monitoredQueues } from './monitor-test-kit.ts';

describe('monitor state on DynamoDB', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  const state = () =>
    createDynamoDbMonitorStateStore({
      client: new DynamoDBClient({ region: 'us-east-1' }),
      tableName: 'jobs',
    });

  beforeEach(() => {
    documents.reset();
  });

  it('keeps one item per queue under MONITOR#<queue>', async () => {
    documents.on(PutCommand).resolves({});
    const saved = {
      backlogLevel: 2,
      oldestAgeLevel: 0,
      backlogSince: '2026-11-22T10:00:00.000Z',
      updatedAt: '2026-11-22T10:05:00.000Z',
    } as const;

    await state().put('default', saved);

    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobs',
      Item: { pk: 'MONITOR#default', queue: 'default', ...saved },
    });
  });

  it('reads an item back, and treats one that does not parse as absent', async () => {
    documents
      .on(GetCommand)
      .resolvesOnce({
        Item: { pk: 'MONITOR#default', backlogLevel: 1, oldestAgeLevel: 2, updatedAt: 'x' },
      })
      .resolvesOnce({ Item: { pk: 'MONITOR#default', backlogLevel: 7, oldestAgeLevel: 0 } })
      .resolvesOnce({});

    expect(await state().get('default')).toEqual({
      backlogLevel: 1,
      oldestAgeLevel: 2,
      updatedAt: 'x',
    });
    expect(await state().get('default')).toBeUndefined();
    expect(await state().get('default')).toBeUndefined();
    expect(documents).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'MONITOR#default' } });
  });
  it('remembers a stalled queue and a DLQ over its threshold, so their recovery is logged once', async () => {
    documents.on(GetCommand).resolves({
      Item: {
        pk: 'MONITOR#default',
        backlogLevel: 0,
        oldestAgeLevel: 0,
        stalled: true,
        dlqOverThreshold: true,
        updatedAt: 'x',
      },
    });

    expect(await state().get('default')).toEqual({
      backlogLevel: 0,
      oldestAgeLevel: 0,
      stalled: true,
      dlqOverThreshold: true,
      updatedAt: 'x',
    });
  });
});

describe('completions counted from the job store (dev mode)', () => {
  const page = (n: number, cursor?: string) => ({
    items: Array.from({ length: n }, () => ({}) as JobRecord),
    ...(cursor ? { cursor } : {}),
  });

  it('counts SUCCESSFUL and ERRORED records updated within the window, page by page', async () => {
    const queries: ListJobsQuery[] = [];
    const store = {
      async list(query: ListJobsQuery) {
        queries.push(query);
        if (query.status === 'ERRORED') return page(3);
        return query.cursor ? page(20) : page(100, 'next');
      },
    };
    const now = new Date('2026-11-22T10:00:00.000Z');

    const done = await createJobStoreCompletionSource(store).completions(
      monitoredQueues(['default']),
      600,
      now,
    );

    expect(done.get('default')).toBe(123);
    expect(
      queries.every((q) => q.since === '2026-11-22T09:50:00.000Z' && q.queue === 'default'),
    ).toBe(true);
  });

  it('stops counting at the cap', async () => {
    const store = { list: async () => page(100, 'more') };

    const done = await createJobStoreCompletionSource(store, {
      maxCountedPerStatus: 250,
    }).completions(monitoredQueues(['default']), 600, new Date());

    expect(done.get('default')).toBe(500);
  });
});

describe('oldest age from the SQS emulator (dev mode)', () => {
  let resources: ProvisionedResources;
  const sqs = createSqsClient();
  const queue = () => ({ name: 'default', ...resources.queues.default! });

  beforeAll(async () => {
    resources = await provisionTestResources(testConfig());
  });

  it('is 0 for an empty queue and counts from the oldest message not delayed', async () => {
    const source = createEmulatorOldestAgeSource();
    const empty = await source.oldestAges([queue()], new Date());
    await sqs.send(new SendMessageCommand({ QueueUrl: queue().url, MessageBody: 'a' }));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue().url, MessageBody: 'b', DelaySeconds: 600 }),
    );

    const later = await source.oldestAges([queue()], new Date(Date.now() + 90_000));

    expect(empty.get('default')).toBe(0);
    expect(later.get('default')).toBeGreaterThanOrEqual(89);
    expect(later.get('default')).toBeLessThan(120);
  });

  it('fails naming a queue the emulator does not have', async () => {
    const missing = { ...queue(), url: `${queue().url}-missing` };

    await expect(createEmulatorOldestAgeSource().oldestAges([missing], new Date())).rejects.toThrow(
      /answered 404 when inspecting queue .*-missing \(default\)/,
    );
  });
});
