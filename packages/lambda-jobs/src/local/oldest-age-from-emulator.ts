import { LambdaJobsError } from '../runtime/errors.ts';
import type { MonitoredQueue, OldestAgeSource } from '../runtime/monitor/monitor-ports.ts';
import { queueNameFromUrl } from '../runtime/monitor/queue-url.ts';

/** Options for {@link createEmulatorOldestAgeSource}. */
export interface EmulatorOldestAgeOptions {
  /** The SQS emulator's base URL. Default: `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint?: string;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** The part of fauxqs' `GET /_fauxqs/queues/<name>` answer this source reads. */
interface InspectedQueue {
  readonly messages?: {
    readonly ready?: readonly { readonly sentTimestamp?: number }[];
    readonly inflight?: readonly { readonly message?: { readonly sentTimestamp?: number } }[];
  };
}

function oldestSentAt(inspected: InspectedQueue): number | undefined {
  const sent = [
    ...(inspected.messages?.ready ?? []).map((m) => m.sentTimestamp),
    ...(inspected.messages?.inflight ?? []).map((m) => m.message?.sentTimestamp),
  ].filter((t): t is number => typeof t === 'number');
  return sent.length === 0 ? undefined : Math.min(...sent);
}

/**
 * Dev mode's oldest-message age, behind the same port as CloudWatch's
 * ApproximateAgeOfOldestMessage: the SQS emulator (fauxqs) has no such metric, but its inspect
 * API (`GET {endpoint}/_fauxqs/queues/<queueName>`) lists every message with its
 * `sentTimestamp`. Age = now − the oldest sent time among messages not yet deleted (ready and
 * in flight; delayed ones do not count until they are due). An empty queue is 0.
 *
 * @example
 * ```ts
 * const oldestAge = createEmulatorOldestAgeSource({ endpoint: sqs.endpoint });
 * const ages = await oldestAge.oldestAges(queues, new Date()); // Map { 'default' => 12 }
 * ```
 */
export function createEmulatorOldestAgeSource(
  options: EmulatorOldestAgeOptions = {},
): OldestAgeSource {
  const endpoint = (options.endpoint ?? process.env.AWS_ENDPOINT_URL_SQS ?? '').replace(/\/+$/, '');
  if (endpoint === '') {
    throw new LambdaJobsError(
      'No SQS emulator endpoint: pass { endpoint } or set AWS_ENDPOINT_URL_SQS',
    );
  }
  const get = options.fetch ?? fetch;
  async function oldestAge(queue: MonitoredQueue, now: Date): Promise<number> {
    const name = queueNameFromUrl(queue.url);
    const response = await get(`${endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`);
    if (!response.ok) {
      throw new LambdaJobsError(
        `The SQS emulator answered ${response.status} when inspecting queue ${name} (${queue.name})`,
      );
    }
    const sentAt = oldestSentAt((await response.json()) as InspectedQueue);
    return sentAt === undefined ? 0 : Math.max(0, Math.floor((now.getTime() - sentAt) / 1000));
  }
  return {
    async oldestAges(queues, now) {
      const ages = await Promise.all(queues.map((queue) => oldestAge(queue, now)));
      return new Map(queues.map((queue, i) => [queue.name, ages[i] ?? 0] as const));
    },
  };
}
