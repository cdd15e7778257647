/**
 * The rescuer of the event-loop stall fault (event-loop-stall.ts), run in a worker thread: it
 * has an event loop of its own, so it rescues while the main thread is blocked, as the monitor
 * Lambda does while a worker's environment is stuck. Per request it waits until the leases of
 * the named jobs plus the lost grace have passed, runs the monitor's own rescue
 * (`rescueLostJobs`) over the queue, answers what it applied, and wakes the main thread.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDynamoDbConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-concurrency-keys.ts';
import { createDynamoDbJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import {
  createDynamoDbClient,
  createSqsClient,
} from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { createSqsQueueTransport } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-transport.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { rescueLostJobs } from '../../packages/lambda-jobs/src/runtime/monitor/lost-job-rescue.ts';
import { createChaosJobs, createRunLedger } from './chaos-jobs.ts';
import type { StallRequest, StallRescue, StallRescuerData } from './event-loop-stall.ts';
import { type AppliedStatusWrite, statusWritesOf } from './write-ledger.ts';

const data = workerData as StallRescuerData & { port: MessagePort };
const applied: AppliedStatusWrite[] = [];
const dynamodb = createDynamoDbClient();
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const result = await next(args);
    const input = args.input as unknown as Record<string, unknown>;
    for (const write of statusWritesOf(context.commandName ?? '', input)) {
      applied.push({ ...write, at: Date.now() });
    }
    return result;
  },
  { step: 'deserialize', priority: 'high', name: 'stallRescuerAppliedWrites' },
);
const store = createDynamoDbJobStore({
  client: dynamodb,
  tableName: data.tableName,
  retentionSeconds: data.retentionSeconds,
});
const keys = createDynamoDbConcurrencyKeys({ client: dynamodb, tableName: data.tableName });
const transport = createSqsQueueTransport(createSqsClient());
const runs = createRunLedger();
const { registry } = createChaosJobs(runs);
const logger = new Logger({ serviceName: 'chaos-stall-rescuer', logLevel: 'SILENT' });

async function rescue(request: StallRequest): Promise<StallRescue> {
  const records = await Promise.all(request.ids.map((id) => store.get(id)));
  const leases = records
    .filter((r) => r?.status === JobStatus.RUNNING && r.leaseExpiresAt)
    .map((r) => Date.parse(r!.leaseExpiresAt!));
  // A margin past the lease: the other jobs of the stalled invocation, whose outcome puts wait
  // behind this one, were claimed within milliseconds of it.
  const overAt = Math.max(Date.now(), ...leases) + data.lostGraceSeconds * 1000 + 250;
  await sleep(overAt - Date.now());
  const { rescued } = await rescueLostJobs(
    { store, keys, registry, transport },
    data.queue,
    new Date(),
    data.lostGraceSeconds,
    logger,
  );
  const aborted = [...runs.aborted].flatMap(([id, n]) => Array<string>(n).fill(id));
  runs.aborted.clear();
  return { rescued: rescued.map((r) => r.id), aborted, writes: applied.splice(0) };
}

data.port.on('message', (request: StallRequest) => {
  const wake = new Int32Array(request.wake);
  rescue(request)
    .catch((error: unknown) => ({
      rescued: [],
      aborted: [],
      writes: applied.splice(0),
      error: String(error),
    }))
    .then((answer: StallRescue) => {
      data.port.postMessage(answer);
      Atomics.store(wake, 0, 1);
      Atomics.notify(wake, 0);
    });
});
parentPort?.postMessage('ready');
