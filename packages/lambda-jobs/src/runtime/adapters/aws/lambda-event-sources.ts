/**
 * The event source mappings of the deployed worker functions (Lambda ListEventSourceMappings),
 * for `doctor`: a mapping that is Disabled, or missing, means nothing consumes the queue.
 */
import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import type { EventSourceState, EventSourceStateSource } from '../../admin/admin-ports.ts';

export interface LambdaEventSourcesOptions {
  readonly client: LambdaClient;
  /** Queue name → its worker function's name (the stack output `WorkerFunctionNames`). */
  readonly workerFunctions: Readonly<Record<string, string>>;
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

async function mappingsOf(
  client: LambdaClient,
  functionName: string,
): Promise<EventSourceMappingConfiguration[]> {
  const all: EventSourceMappingConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListEventSourceMappingsCommand({
        FunctionName: functionName,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    all.push(...(page.EventSourceMappings ?? []));
    marker = page.NextMarker;
  } while (marker);
  return all;
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
): EventSourceStateSource {
  return {
    async states() {
      const perQueue = await Promise.all(
        Object.entries(options.workerFunctions).map(async ([queue, functionName]) =>
          (await mappingsOf(options.client, functionName)).map((mapping) =>
            toState(queue, functionName, mapping),
          ),
        ),
      );
      return perQueue.flat();
    },
  };
}
