import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceEnv } from '../../packages/lambda-jobs/src/config/env.ts';
import type { ProvisionedResources } from '../../packages/lambda-jobs/src/local/provision-resources.ts';
import { createWorker } from '../../packages/lambda-jobs/src/runtime/adapters/aws/aws-job-runtime.ts';
import { createDynamoDbClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from '../support/emulated-resources.ts';
import { capturingMetrics, echo, keyed, runs, testRegistry } from '../support/test-jobs.ts';

/**
 * A DynamoDB client whose chosen writes are applied by DynamoDB but whose response is lost on
 * the way back, as a dropped connection would.
 */
function clientLosingResponses(
  shouldLose: (command: string, input: Record<string, unknown>) => boolean,
): DynamoDBClient {
  const client = createDynamoDbClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (shouldLose(context.commandName ?? '', args.input as Record<string, unknown>)) {
        throw Object.assign(
          new Error('socket hang up (response lost after the write was applied)'),
          { name: 'TimeoutError' },
        );
      }
      return result;
    },
    { step: 'initialize', name: 'loseResponses' },
  );
  return client;
}

const { sqs } = emulatorClients();
const config = testConfig();
let resources: ProvisionedResources;

beforeAll(async () => {
  resources = await provisionTestResources(config);
});

function workerWith(dynamodb: DynamoDBClient) {
  return createWorker({
    registry: testRegistry,
    config,
    queueName: 'default',
    env: resourceEnv(resources),
    dynamodb,
    metricsRecorder: capturingMetrics(),
  });
}

const values = (input: Record<string, unknown>) =>
  JSON.stringify(input.ExpressionAttributeValues ?? {});

/** A claim: the whole-record PutItem of a first delivery, or the update of a later one. */
const isClaim = (command: string, input: Record<string, unknown>) =>
  (command === 'PutItemCommand' && (input.Item as { status?: string }).status === 'RUNNING') ||
  (command === 'UpdateItemCommand' &&
    values(input).includes('"RUNNING"') &&
    String(input.UpdateExpression).includes('claimToken'));

describe('writes whose response is lost', () => {
  it('a claim applied but unanswered is recognised by its token on the retry, and the job runs once', async () => {
    let lost = 0;
    const worker = workerWith(
      clientLosingResponses((command, input) => isClaim(command, input) && lost++ === 0),
    );
    const id = await worker.runtime.client.enqueue(echo, { n: 4 });
    await deliverOnce(sqs, resources.queues.default!.url, worker.handler, { waitSeconds: 0 });
    expect(lost).toBe(1);
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
    });
    expect(runs.get(id!)).toBe(1);
  });

  it('an outcome applied but unanswered is recognised on the retry; the key is released and the message deleted', async () => {
    let lost = 0;
    const worker = workerWith(
      clientLosingResponses(
        (command, input) =>
          command === 'UpdateItemCommand' && values(input).includes('"SUCCESSFUL"') && lost++ === 0,
      ),
    );
    const id = await worker.runtime.client.enqueue(keyed, { account: 'lost-response' });
    const { response } = await deliverOnce(sqs, resources.queues.default!.url, worker.handler, {
      waitSeconds: 0,
    });
    expect(lost).toBe(1);
    expect(response?.batchItemFailures).toEqual([]);
    expect(await worker.runtime.store.get(id!)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
    });
    expect(await worker.runtime.client.enqueue(keyed, { account: 'lost-response' })).toEqual(
      expect.any(String),
    );
  });
});
