/**
 * Reading a worker's Lambda event source mappings (ListEventSourceMappings only): what
 * `doctor`, `queues`, `queues pause` and the monitor's paused check share. Kept apart from the
 * mapping updates so a bundle that only reads (the monitor) holds no UpdateEventSourceMapping.
 */
import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';

/** The queue name a queue URL ends with (`https://sqs.…/123456789012/shop-default` → `shop-default`). */
export const queueNameOfUrl = (url: string) => url.replace(/\/+$/, '').split('/').at(-1) ?? '';

/**
 * Whether a mapping's source is the queue at `queueUrl` (its `EventSourceArn` ends with the
 * queue's name); any mapping counts when the URL or the ARN is unknown.
 */
export function isMappingFromQueue(
  mapping: EventSourceMappingConfiguration,
  queueUrl: string | undefined,
): boolean {
  if (queueUrl === undefined || mapping.EventSourceArn === undefined) return true;
  return mapping.EventSourceArn.split(':').at(-1) === queueNameOfUrl(queueUrl);
}

/**
 * Every event source mapping of `functionName`, page by page.
 *
 * @example
 * ```ts
 * const mappings = await listMappings(new LambdaClient({}), 'shop-worker-default');
 * ```
 */
export async function listMappings(
  client: LambdaClient,
  functionName: string,
): Promise<EventSourceMappingConfiguration[]> {
  const all: EventSourceMappingConfiguration[] = [];
  const seen = new Set<string>();
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
    // A marker met twice would page forever: what was read is all there is to read.
    if (marker !== undefined && seen.has(marker)) break;
    if (marker !== undefined) seen.add(marker);
  } while (marker);
  return all;
}
