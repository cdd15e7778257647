/**
 * The rules AWS sets for a FIFO queue and its Lambda event source, checked on the resolved
 * queue config so that `defineConfig` and `cdk synth` refuse what AWS would refuse at deploy
 * (each problem names the rule). The rules that need the deployment's names or job types
 * (queue name length, `maxReceiveCount` against attempts) are in `cdk/synth-checks.ts`.
 */
import type { ConfigProblem } from './config-error.ts';
import type { QueueConfig } from './config-types.ts';

/** Lambda's SQS event source takes at most 10 records per batch from a FIFO queue. */
export const FIFO_MAX_BATCH_SIZE = 10;

/**
 * Problems of one queue's FIFO settings; none for a standard queue.
 *
 * @example
 * ```ts
 * fifoQueueProblems({ ...queue, fifo: true, batchSize: 100, batchingWindowSeconds: 5 });
 * // [{ field: 'queues.orders.batchSize', … }, { field: 'queues.orders.batchingWindowSeconds', … }]
 * ```
 */
export function fifoQueueProblems(queue: QueueConfig): ConfigProblem[] {
  const at = `queues.${queue.name}`;
  if (queue.fifo !== undefined && typeof queue.fifo !== 'boolean') {
    return [{ field: `${at}.fifo`, value: queue.fifo, rule: 'must be true or false' }];
  }
  if (!queue.fifo) return [];
  const problems: ConfigProblem[] = [];
  if (queue.batchSize > FIFO_MAX_BATCH_SIZE) {
    problems.push({
      field: `${at}.batchSize`,
      value: queue.batchSize,
      rule: `must be at most ${FIFO_MAX_BATCH_SIZE} on a FIFO queue (Lambda's SQS event source: BatchSize for FIFO queues)`,
    });
  }
  if (queue.batchingWindowSeconds !== 0) {
    problems.push({
      field: `${at}.batchingWindowSeconds`,
      value: queue.batchingWindowSeconds,
      rule: "must be 0 on a FIFO queue (Lambda's SQS event source: MaximumBatchingWindowInSeconds is not supported for FIFO queues)",
    });
  }
  return problems;
}
