/**
 * The monitor's paused check on AWS: a queue is paused when every event source mapping from it
 * to its worker is Disabled or Disabling (what `queues pause` leaves). Lambda's control plane
 * has no emulator here: its answers are the documented ListEventSourceMappings shapes.
 */
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLambdaPausedQueues } from '../../packages/lambda-jobs/src/runtime/adapters/aws/lambda-paused-queues.ts';
import { monitoredQueues } from './monitor-test-kit.ts';

const lambda = mockClient(LambdaClient);
const queues = monitoredQueues(['default', 'reports', 'slow']);
const arn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:app-${name}`;

afterEach(() => lambda.reset());

describe('paused queues from the workers’ event source mappings', () => {
  it('finds the queues whose mappings are disabled, page by page, and only those', async () => {
    const pages: Record<string, { EventSourceArn: string; State: string }[][]> = {
      'shop-worker-default': [[{ EventSourceArn: arn('default'), State: 'Disabled' }]],
      'shop-worker-reports': [
        [{ EventSourceArn: arn('reports'), State: 'Disabling' }],
        // A mapping from another queue does not make this one running.
        [{ EventSourceArn: arn('elsewhere'), State: 'Enabled' }],
      ],
      'shop-worker-slow': [[{ EventSourceArn: arn('slow'), State: 'Enabled' }]],
    };
    lambda.on(ListEventSourceMappingsCommand).callsFake((input) => {
      const all = pages[input.FunctionName] ?? [];
      const page = Number(input.Marker ?? 0);
      return {
        EventSourceMappings: all[page] ?? [],
        ...(page + 1 < all.length ? { NextMarker: String(page + 1) } : {}),
      };
    });
    const source = createLambdaPausedQueues({
      client: new LambdaClient({ region: 'us-east-1' }),
      workerFunctions: {
        default: 'shop-worker-default',
        reports: 'shop-worker-reports',
        slow: 'shop-worker-slow',
      },
    });

    const paused = await source.pausedQueues(queues);

    expect([...paused].sort()).toEqual(['default', 'reports']);
    expect(lambda.commandCalls(ListEventSourceMappingsCommand)).toHaveLength(4);
  });

  it('does not call a queue without a mapping, or with an unknown worker, paused', async () => {
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    const source = createLambdaPausedQueues({
      client: new LambdaClient({ region: 'us-east-1' }),
      workerFunctions: { default: 'shop-worker-default' },
    });

    expect([...(await source.pausedQueues(queues))]).toEqual([]);
  });
});
