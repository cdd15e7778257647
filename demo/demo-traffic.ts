import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobClient } from 'lambda-jobs/aws';
import type { createAppJobs } from '../jobs/index.ts';

export interface DemoTrafficOptions {
  readonly client: JobClient;
  /** The job types the client's registry holds (dev mode's wiring). */
  readonly jobs: Pick<ReturnType<typeof createAppJobs>, 'webhook' | 'generateReport'>;
  readonly sqs: SQSClient;
  /** Each queue's URL (dev mode's emulator). */
  readonly queues: Readonly<Record<string, { readonly url: string }>>;
  readonly sinkUrl: string;
  /** Jobs per second while the burst lasts. Default 40. */
  readonly ratePerSecond?: number;
  /** Seconds of burst. Default 15. */
  readonly burstSeconds?: number;
  readonly log: (message: string) => void;
}

const POISON = [
  '{"this is": "not a job envelope"',
  JSON.stringify({
    version: 1,
    id: 'poison-unknown-type',
    type: 'no-such-job',
    queue: 'default',
    payload: {},
    enqueuedAt: new Date().toISOString(),
  }),
  JSON.stringify({
    version: 1,
    id: 'poison-bad-payload',
    type: 'webhook',
    queue: 'default',
    payload: { url: 'not a url' },
    enqueuedAt: new Date().toISOString(),
  }),
];

/**
 * Sends the demo mix faster than the workers drain it: signed webhooks to the local sink
 * (some of which fail and retry), a few slow reports, and three poison messages that land in
 * the DLQ. Resolves when the burst has been sent.
 */
export async function runDemoTraffic(
  options: DemoTrafficOptions,
  signal: AbortSignal,
): Promise<number> {
  const rate = options.ratePerSecond ?? 40;
  const total = rate * (options.burstSeconds ?? 15);
  const defaultQueue = options.queues.default;
  if (defaultQueue) {
    for (const body of POISON) {
      await options.sqs.send(
        new SendMessageCommand({ QueueUrl: defaultQueue.url, MessageBody: body }),
      );
    }
  }
  options.log(`Demo: sending ${total} jobs at ${rate}/s, plus ${POISON.length} poison messages`);
  let sent = 0;
  const started = Date.now();
  while (sent < total && !signal.aborted) {
    const batch = Array.from({ length: 10 }, (_, i) => ({
      payload: {
        url: `${options.sinkUrl}/orders/${sent + i}`,
        body: { event: 'order.paid', orderId: `o_${sent + i}` },
      },
      options: { retryDelay: { kind: 'fixed' as const, seconds: 2 } },
    }));
    await options.client.enqueueMany(options.jobs.webhook, batch);
    sent += batch.length;
    if (sent % 100 === 0 && options.queues.slow) {
      await options.client.enqueue(options.jobs.generateReport, {
        reportId: `r_${sent}`,
        accountId: `acct_${sent % 3}`,
        callbackUrl: `${options.sinkUrl}/reports`,
        rows: 2_000_000,
      });
    }
    const due = started + (sent / rate) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
  options.log(`Demo: sent ${sent} jobs; watch the backlog drain`);
  return sent;
}
