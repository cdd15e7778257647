/**
 * The event source mappings of the deployed worker functions (Lambda ListEventSourceMappings),
 * for `doctor` and `queues`: a mapping that is Disabled means the queue is paused, a missing one
 * that nothing consumes it. `queues pause|resume` disables and enables the mapping of the
 * queue's worker whose source is the queue (UpdateEventSourceMapping).
 */
import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { QueueEndpoints } from '../../../config/env.ts';
import type { EventSourceState, EventSourceStateSource } from '../../admin/admin-ports.ts';
import type { QueueConsumptionControl } from '../../admin/queue-consumption.ts';
import { LambdaJobsError, UnknownQueueError } from '../../errors.ts';
import {
  isMappingFromQueue,
  listMappings,
  queueNameOfUrl,
} from './lambda-event-source-mappings.ts';

export interface LambdaEventSourcesOptions {
  readonly client: LambdaClient;
  /** Queue → its worker function's name (the stack output `WorkerFunctionNames`). */
  readonly workerFunctions: Readonly<Record<string, string>>;
  /**
   * Queue → its URLs (the stack output `QueueUrls`): a mapping belongs to the queue whose name
   * ends its `EventSourceArn`. Without it, pausing is refused.
   */
  readonly queues?: Readonly<Record<string, QueueEndpoints>>;
}

function detailOf(mapping: EventSourceMappingConfiguration): string | undefined {
  const parts = [
    mapping.StateTransitionReason ? `state set by: ${mapping.StateTransitionReason}` : undefined,
    mapping.LastProcessingResult ? `last result: ${mapping.LastProcessingResult}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function toState(
  queue: string,
  functionName: string,
  mapping: EventSourceMappingConfiguration,
): EventSourceState {
  const detail = detailOf(mapping);
  return {
    queue,
    functionName,
    state: mapping.State ?? 'Unknown',
    ...(mapping.BatchSize !== undefined ? { batchSize: mapping.BatchSize } : {}),
    ...(mapping.MaximumBatchingWindowInSeconds !== undefined
      ? { batchingWindowSeconds: mapping.MaximumBatchingWindowInSeconds }
      : {}),
    ...(mapping.ScalingConfig?.MaximumConcurrency !== undefined
      ? { maxConcurrency: mapping.ScalingConfig.MaximumConcurrency }
      : {}),
    ...(detail ? { detail } : {}),
    ...(mapping.UUID ? { uuid: mapping.UUID } : {}),
  };
}

/**
 * Reads every worker's mappings; a queue whose worker has none is simply absent from the result.
 *
 * @example
 * ```ts
 * const sources = createLambdaEventSources({ client: new LambdaClient({}), workerFunctions });
 * const states = await sources.states();
 * ```
 */
export function createLambdaEventSources(
  options: LambdaEventSourcesOptions,
): EventSourceStateSource & QueueConsumptionControl {
  /** Whether a mapping's source is the queue (any mapping, when the queue URLs are unknown). */
  const fromQueue = (mapping: EventSourceMappingConfiguration, queue: string) =>
    isMappingFromQueue(mapping, options.queues?.[queue]?.url);
  return {
    async setPaused(queue, paused) {
      const functionName = options.workerFunctions[queue];
      const endpoints = options.queues?.[queue];
      if (functionName === undefined || endpoints === undefined) {
        throw new UnknownQueueError(queue, Object.keys(options.workerFunctions));
      }
      const sqsName = queueNameOfUrl(endpoints.url);
      const mapping = (await listMappings(options.client, functionName)).find(
        (each) => each.EventSourceArn !== undefined && fromQueue(each, queue),
      );
      if (!mapping?.UUID) {
        throw new LambdaJobsError(
          `The worker ${functionName} has no event source mapping from queue ${sqsName}: nothing to ${paused ? 'pause' : 'resume'}. Deploy the stack again (npx cdk deploy).`,
        );
      }
      const updated = await options.client.send(
        new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: !paused }),
      );
      const { $metadata: _metadata, ...after } = updated;
      return toState(queue, functionName, { ...mapping, ...after });
    },
    async states() {
      const perQueue = await Promise.all(
        Object.entries(options.workerFunctions).map(async ([queue, functionName]) =>
          (await listMappings(options.client, functionName))
            .filter((mapping) => fromQueue(mapping, queue))
            .map((mapping) => toState(queue, functionName, mapping)),
        ),
      );
      return perQueue.flat();
    },
  };
}
