/**
 * What a chaos run sends: scripted jobs through the real job client (some with a concurrency
 * key, some enqueued twice under the same id), and messages that are not runnable jobs sent
 * straight to SQS (broken JSON, an unknown job type). Every id the run must account for, and
 * the status it must end with, is known before the first message is sent.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { serializeEnvelope } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import type { JobClient } from '../../packages/lambda-jobs/src/runtime/job-client.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import {
  type createChaosJobs,
  type JobScript,
  type ScriptedOutcome,
  scriptedOutcome,
} from './chaos-jobs.ts';
import type { ChaosSettings } from './chaos-settings.ts';

export interface PlannedJob {
  readonly id: string;
  readonly script: JobScript;
  readonly concurrencyKey?: string;
  /** Enqueued a second time with the same id. */
  readonly duplicate: boolean;
}

export interface MalformedMessage {
  readonly body: string;
  /** Broken JSON has no id: its record is `msg-<SQS message id>`, known once it is sent. */
  readonly kind: 'broken-json' | 'unknown-type';
}

export interface Workload {
  readonly jobs: readonly PlannedJob[];
  readonly malformed: readonly MalformedMessage[];
}

function drawScript(random: () => number): JobScript {
  const roll = random();
  const failAttempts = roll < 0.7 ? 0 : roll < 0.85 ? 1 : roll < 0.93 ? 2 : 3;
  return {
    failAttempts,
    unrecoverable: random() < 0.05,
    deferFirst: random() < 0.05,
    overrunAttempt: random() < 0.05 ? 1 + Math.floor(random() * 2) : 0,
    workMs: Math.floor(random() * 30),
  };
}

/**
 * Draws the jobs and the malformed messages of a run.
 *
 * @example
 * ```ts
 * const workload = planWorkload(settings, seededRandom(settings.seed));
 * ```
 */
export function planWorkload(settings: ChaosSettings, random: () => number): Workload {
  const jobs: PlannedJob[] = [];
  for (let n = 0; n < settings.jobs; n++) {
    const keyed = random() < settings.keyedShare;
    jobs.push({
      id: `chaos-${n}`,
      script: drawScript(random),
      ...(keyed ? { concurrencyKey: `chaos-key-${n}` } : {}),
      // A second enqueue of a keyed job would be skipped while its key is held: not a duplicate.
      duplicate: !keyed && random() < settings.duplicateEnqueueShare,
    });
  }
  const malformedCount = Math.max(2, Math.round(settings.jobs * settings.malformedShare));
  const malformed: MalformedMessage[] = Array.from({ length: malformedCount }, (_, n) =>
    n % 2 === 0
      ? { kind: 'broken-json', body: `{"chaos": "broken message ${n}"` }
      : {
          kind: 'unknown-type',
          body: serializeEnvelope({
            version: 1,
            id: `unknown-type-${n}`,
            type: 'no-such-job',
            queue: 'default',
            payload: {},
            enqueuedAt: new Date().toISOString(),
          }),
        },
  );
  return { jobs, malformed };
}

/** The status each id must end with (LOST aside): scripted jobs, then rejected messages. */
export type Expectations = Map<string, ScriptedOutcome>;

async function inParallel<T>(
  items: readonly T[],
  lanes: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Enqueues the workload through clean (fault-free) producer clients: the jobs in batches, the
 * malformed messages, then the second enqueue of the duplicated jobs. Returns the expected
 * status per id and, for broken JSON, the body → id map the DLQ is read with.
 *
 * @example
 * ```ts
 * const { expected } = await sendWorkload(workload, client, job, sqs, queueUrl);
 * ```
 */
export async function sendWorkload(
  workload: Workload,
  client: JobClient,
  job: ReturnType<typeof createChaosJobs>['job'],
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ expected: Expectations; idOfBody: Map<string, string> }> {
  const expected: Expectations = new Map();
  const idOfBody = new Map<string, string>();
  const chunks: PlannedJob[][] = [];
  for (let start = 0; start < workload.jobs.length; start += 50) {
    chunks.push(workload.jobs.slice(start, start + 50));
  }
  await inParallel(chunks, 8, async (chunk) => {
    const outcomes = await client.enqueueMany(
      job,
      chunk.map((planned) => ({
        payload: planned.script,
        options: {
          id: planned.id,
          ...(planned.concurrencyKey ? { concurrencyKey: planned.concurrencyKey } : {}),
        },
      })),
    );
    for (const outcome of outcomes) {
      if (outcome.status !== 'enqueued') {
        throw new Error(`enqueue of ${chunk[outcome.index]!.id} ended ${outcome.status}`);
      }
      const planned = chunk[outcome.index]!;
      expected.set(planned.id, scriptedOutcome(planned.script));
    }
  });
  for (const message of workload.malformed) {
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.body }),
    );
    const id =
      message.kind === 'broken-json'
        ? `msg-${sent.MessageId}`
        : (JSON.parse(message.body) as { id: string }).id;
    idOfBody.set(message.body, id);
    expected.set(id, JobStatus.ERRORED);
  }
  const duplicates = workload.jobs.filter((planned) => planned.duplicate);
  await inParallel(duplicates, 4, async (planned) => {
    const id = await client.enqueue(job, planned.script, { id: planned.id });
    if (id !== planned.id) throw new Error(`second enqueue of ${planned.id} returned ${id}`);
  });
  return { expected, idOfBody };
}
