import type { LambdaClient } from '@aws-sdk/client-lambda';
import { pausedQueues } from '../../admin/queue-consumption.ts';
import type { MonitoredQueue, PausedQueueSource } from '../../monitor/monitor-ports.ts';
import { isMappingFromQueue, listMappings } from './lambda-event-source-mappings.ts';

/** Options for {@link createLambdaPausedQueues}. */
export interface LambdaPausedQueuesOptions {
  readonly client: LambdaClient;
  /** Queue → its worker function's name (LAMBDA_JOBS_WORKER_FUNCTIONS). */
  readonly workerFunctions: Readonly<Record<string, string>>;
}

/**
 * The monitor's view of `queues pause`: a queue is paused when every event source mapping from
 * it to its worker is Disabled (or Disabling). One ListEventSourceMappings per queue and run.
 * A queue whose worker is unknown, or has no mapping from it, is not paused.
 *
 * @example
 * ```ts
 * const paused = createLambdaPausedQueues({ client: new LambdaClient({}), workerFunctions });
 * (await paused.pausedQueues(queues)).has('default');
 * ```
 */
export function createLambdaPausedQueues(options: LambdaPausedQueuesOptions): PausedQueueSource {
  /** The queue's event sources: the mappings from it to its worker. */
  async function sourcesOf(queue: MonitoredQueue) {
    const functionName = options.workerFunctions[queue.name];
    if (functionName === undefined) return [];
    return (await listMappings(options.client, functionName))
      .filter((mapping) => isMappingFromQueue(mapping, queue.url))
      .map((mapping) => ({ queue: queue.name, functionName, state: mapping.State ?? 'Unknown' }));
  }
  return {
    async pausedQueues(queues) {
      return pausedQueues((await Promise.all(queues.map(sourcesOf))).flat());
    },
  };
}
