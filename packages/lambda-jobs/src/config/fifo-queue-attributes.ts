/**
 * The SQS attributes every FIFO queue of a deployment is created with (the job queue, its
 * dead-letter intake and its DLQ), the same in the stack (`cdk/job-queue.ts`) and in dev mode
 * (`local/provision-resources.ts`):
 *
 * - `FifoQueue`: a FIFO queue's dead-letter queue must be FIFO too (SQS refuses a redrive
 *   between a FIFO and a standard queue).
 * - `ContentBasedDeduplication` off: two jobs with the same payload are two jobs; every send
 *   names its own deduplication id (the job id at enqueue, see `runtime/message-group.ts`).
 * - High-throughput mode (`DeduplicationScope` `messageGroup` with `FifoThroughputLimit`
 *   `perMessageGroupId`, which SQS accepts only together): the queue's limit is per message
 *   group instead of 300 sends a second for the whole queue (3,000 with batching).
 */
export const FIFO_QUEUE_ATTRIBUTES = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'messageGroup',
  FifoThroughputLimit: 'perMessageGroupId',
} as const;

/** The attributes of one queue of a deployment: the FIFO ones when `fifo`, none otherwise. */
export function fifoQueueAttributes(fifo: boolean): Readonly<Record<string, string>> {
  return fifo ? FIFO_QUEUE_ATTRIBUTES : {};
}
