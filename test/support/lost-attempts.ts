/**
 * Lost attempts for integration scenarios: job types that record their runs and their
 * `onAborted` calls in order, and a RUNNING record left behind by a worker that died.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import type { JobStore } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';

/** Runs and `onAborted` calls, in the order they happened. */
export const lostJobEvents: (
  | { readonly id: string; readonly event: 'run'; readonly attempt: number }
  | {
      readonly id: string;
      readonly event: 'aborted';
      readonly status: string;
      readonly attempt: number;
      readonly maxAttempts: number;
      readonly willRetry: boolean;
    }
)[] = [];

/** The events of one job. */
export const eventsOf = (id: string) => lostJobEvents.filter((e) => e.id === id);

const payload = z.object({ account: z.string() });

/** Three attempts allowed; holds `account:<account>`. */
export const retriedWhenLost = defineJob({
  type: 'retried-when-lost',
  schema: payload,
  timeoutSeconds: 3,
  retries: 2,
  retryDelay: { kind: 'fixed', seconds: 0 },
  concurrencyKey: (p) => `account:${p.account}`,
  run: (_payload, ctx) => {
    lostJobEvents.push({ id: ctx.jobId, event: 'run', attempt: ctx.attempt });
    return 'done';
  },
  onAborted: (_payload, { record, attempt, maxAttempts, willRetry }) => {
    lostJobEvents.push({
      id: record.id,
      event: 'aborted',
      status: record.status,
      attempt,
      maxAttempts,
      willRetry,
    });
  },
});

/** One attempt allowed; holds `account:<account>`. */
export const lostForGood = defineJob({
  type: 'lost-for-good',
  schema: payload,
  timeoutSeconds: 3,
  retries: 0,
  concurrencyKey: (p) => `account:${p.account}`,
  run: retriedWhenLost.run,
  onAborted: retriedWhenLost.onAborted!,
});

export const lostAttemptRegistry = createRegistry([retriedWhenLost, lostForGood]);

/**
 * Claims a job's record as a worker would have ten minutes ago, with a lease that expired
 * nine minutes ago (far past any lost grace): the worker died mid-run and recorded nothing.
 */
export async function leaveAttemptRunning(
  store: JobStore,
  job: { id: string; type: string; queue: string; maxAttempts: number; body: string; key: string },
): Promise<void> {
  const startedAt = Date.now() - 10 * 60_000;
  const outcome = await store.claim({
    id: job.id,
    type: job.type,
    queue: job.queue,
    enqueuedAt: (JSON.parse(job.body) as { enqueuedAt: string }).enqueuedAt,
    maxAttempts: job.maxAttempts,
    leaseExpiresAt: new Date(startedAt + 60_000).toISOString(),
    now: new Date(startedAt).toISOString(),
    envelope: job.body,
    concurrencyKey: job.key,
    claimToken: 'the-worker-that-died',
  });
  if (outcome.kind !== 'claimed') throw new Error(`could not leave ${job.id} running`);
}

/** Takes the one message on `queueUrl` off the queue (the dead worker's copy is gone). */
export async function takeMessage(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
  );
  const message = Messages[0];
  if (!message) throw new Error(`no message on ${queueUrl}`);
  await sqs.send(
    new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }),
  );
  return message.Body ?? '';
}

/** Every body on `queueUrl` now (received and left hidden for a minute). */
export async function bodiesOn(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let round = 0; round < 5; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: round === 0 ? 1 : 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) break;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}
