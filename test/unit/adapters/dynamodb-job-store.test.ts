import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbJobStore } from '../../../packages/lambda-jobs/src/runtime/adapters/aws/dynamodb-job-store.ts';
import {
  JobNotFoundError,
  JobStateConflictError,
} from '../../../packages/lambda-jobs/src/runtime/errors.ts';
import type { JobRecord } from '../../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../../packages/lambda-jobs/src/runtime/job-status.ts';
import {
  indexSortInstant,
  succeededRecord,
} from '../../../packages/lambda-jobs/src/runtime/transition-records.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const RETENTION = 3600;
const T0 = '2030-01-01T00:00:00.000Z';
const T10 = '2030-01-01T00:00:10.000Z';
const T20 = '2030-01-01T00:00:20.000Z';
const T70 = '2030-01-01T00:01:10.000Z';
const keptUntil = (iso: string) => Math.floor(Date.parse(iso) / 1000) + RETENTION;

/** The store on table `jobs`. */
function makeStore(onConsumedCapacity?: (units: number) => void) {
  return createDynamoDbJobStore({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'jobs',
    retentionSeconds: RETENTION,
    // One shard: each query below is the only one of its listing (shard 0).
    indexShards: () => 1,
    ...(onConsumedCapacity ? { onConsumedCapacity } : {}),
  });
}

const running: JobRecord = {
  id: 'job-1',
  type: 'report',
  queue: 'default',
  status: JobStatus.RUNNING,
  attempts: 1,
  maxAttempts: 3,
  enqueuedAt: T0,
  updatedAt: T10,
  startedAt: T10,
  leaseExpiresAt: T70,
  waitMs: 10_000,
  expiresAt: keptUntil(T10),
};

/**
 * The item DynamoDB holds for `record`: its keys, plus output as JSON, and the worker's
 * `trusted` marker unless a producer wrote it.
 */
function itemOf(record: JobRecord, trusted = true): Record<string, unknown> {
  const { output, ...rest } = record;
  return {
    ...(trusted ? { trusted: true } : {}),
    pk: `JOB#${record.id}`,
    gsi1pk: `${record.queue}#${record.status}#0`,
    gsi1sk: `${indexSortInstant(record)}#${record.id}`,
    ...rest,
    ...(output === undefined ? {} : { outputJson: JSON.stringify(output) }),
  };
}

/** A refused condition as the SDK throws it, with the current item when there is one. */
function conditionFailed(current?: JobRecord) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(current ? { Item: marshall(itemOf(current)) } : {}),
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

beforeEach(() => {
  ddb.reset();
});

/** The claim of `running`: job-1, enqueued at 0 s, claimed at 10 s with a lease until 70 s. */
const claimOfRunning = {
  id: 'job-1',
  type: 'report',
  queue: 'default',
  enqueuedAt: T0,
  maxAttempts: 3,
  leaseExpiresAt: T70,
  now: T10,
} as const;

describe('DynamoDB job store: claim of a first delivery', () => {
  const request = {
    ...claimOfRunning,
    envelope: '{"version":1}',
    messageId: 'message-1',
    claimToken: 'token-1',
  } as const;
  const claimedRecord: JobRecord = {
    ...running,
    envelope: '{"version":1}',
    messageId: 'message-1',
    claimToken: 'token-1',
  };

  it('is one PutItem of the whole RUNNING record, conditional on no item or a producer’s item', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const outcome = await makeStore().claim(request);

    // Assess
    expect(outcome).toEqual({ kind: 'claimed', record: claimedRecord });
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobs',
      Item: itemOf(claimedRecord),
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#trusted)',
      ExpressionAttributeNames: { '#trusted': 'trusted' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('takes the concurrency key from the delivery, never from the record it replaces', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    await makeStore().claim({ ...request, concurrencyKey: 'account:1' });

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ concurrencyKey: 'account:1', trusted: true }),
    });
  });

  it('falls back to the update claim when the record is the worker’s and claimable', async () => {
    // Prepare
    const retrying: JobRecord = { ...running, status: JobStatus.RETRYING, retryAt: T20 };
    ddb.on(PutCommand).rejects(conditionFailed(retrying));
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf({ ...running, attempts: 2 }) });

    // Act
    const outcome = await makeStore().claim(request);

    // Assess
    expect(outcome).toEqual({ kind: 'claimed', record: { ...running, attempts: 2 } });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('answers a record that is not claimable with a conflict, without a second request', async () => {
    // Prepare
    const successful: JobRecord = { ...running, status: JobStatus.SUCCESSFUL, endedAt: T20 };
    ddb.on(PutCommand).rejects(conditionFailed(successful));

    // Act
    const outcome = await makeStore().claim(request);

    // Assess
    expect(outcome).toEqual({ kind: 'conflict', current: successful });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('treats a refusal by a RUNNING item holding this claim token as the earlier try’s win', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed(claimedRecord));

    // Act
    const outcome = await makeStore().claim(request);

    // Assess
    expect(outcome).toEqual({ kind: 'claimed', record: claimedRecord });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('lets a failure other than a refusal through, and a refusal that returns no item, with no update', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    const bare = conditionFailed();
    ddb.on(PutCommand).rejectsOnce(throttled).rejectsOnce(bare);

    // Act
    const first = await rejectionOf(makeStore().claim(request));
    const second = await rejectionOf(makeStore().claim(request));

    // Assess
    expect(first).toBe(throttled);
    expect(second).toBe(bare);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });
});

describe('DynamoDB job store: claim of a message delivered before', () => {
  const laterDelivery = { ...claimOfRunning, firstDelivery: false } as const;

  it('is one UpdateItem conditional on "no item or the worker’s and claimable", returning ALL_OLD on refusal', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(running) });

    // Act
    await makeStore().claim({
      ...laterDelivery,
      envelope: '{"version":1}',
      messageId: 'message-1',
    });

    // Assess
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      Key: { pk: 'JOB#job-1' },
      UpdateExpression:
        'SET #id = :id, #status = :status, #attempts = if_not_exists(#attempts, :zero) + :one, ' +
        '#type = :type, #queue = :queue, #enqueuedAt = if_not_exists(#enqueuedAt, :enqueuedAt), ' +
        '#waitMs = if_not_exists(#waitMs, :waitMs), #maxAttempts = :maxAttempts, ' +
        '#startedAt = :startedAt, #leaseExpiresAt = :leaseExpiresAt, #updatedAt = :updatedAt, ' +
        '#envelope = :envelope, #messageId = :messageId, #expiresAt = :expiresAt, ' +
        '#trusted = :trusted, #gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk REMOVE #retryAt',
      ConditionExpression:
        'attribute_not_exists(pk) OR (attribute_exists(#trusted) AND #status IN (:s0, :s1, :s2))',
      ExpressionAttributeValues: {
        ':id': 'job-1',
        ':status': 'RUNNING',
        ':zero': 0,
        ':one': 1,
        ':type': 'report',
        ':queue': 'default',
        ':enqueuedAt': T0,
        ':waitMs': 10_000,
        ':maxAttempts': 3,
        ':startedAt': T10,
        ':leaseExpiresAt': T70,
        ':updatedAt': T10,
        ':envelope': '{"version":1}',
        ':messageId': 'message-1',
        ':expiresAt': keptUntil(T10),
        ':trusted': true,
        ':gsi1pk': 'default#RUNNING#0',
        ':gsi1sk': `${T70}#job-1`,
        ':s0': 'QUEUED',
        ':s1': 'RETRYING',
        ':s2': 'DEFERRED',
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('returns the new record without the table’s keys', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(running) });

    // Act
    const outcome = await makeStore().claim(laterDelivery);

    // Assess
    expect(outcome).toEqual({ kind: 'claimed', record: running });
  });

  it('turns a refused condition carrying the item into a conflict with the current record', async () => {
    // Prepare
    const successful: JobRecord = {
      ...running,
      status: JobStatus.SUCCESSFUL,
      output: { sent: 3 },
      endedAt: T20,
      updatedAt: T20,
    };
    ddb.on(UpdateCommand).rejects(conditionFailed(successful));

    // Act
    const outcome = await makeStore().claim({ ...laterDelivery, now: T20 });

    // Assess
    expect(outcome).toEqual({ kind: 'conflict', current: successful });
  });

  it('treats a refusal by a RUNNING item holding this claim token as the earlier try’s win', async () => {
    // Prepare
    const ours = { ...running, claimToken: 'token-1' };
    ddb.on(UpdateCommand).rejects(conditionFailed(ours));

    // Act
    const outcome = await makeStore().claim({ ...laterDelivery, claimToken: 'token-1' });

    // Assess
    expect(outcome).toEqual({ kind: 'claimed', record: ours });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':claimToken': 'token-1' }),
    });
  });

  it('lets any other failure through, and a refusal that returns no item', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    const bare = conditionFailed();
    ddb.on(UpdateCommand).rejectsOnce(throttled).rejectsOnce(bare);

    // Act
    const error = await rejectionOf(makeStore().claim(laterDelivery));
    const refusal = await rejectionOf(makeStore().claim(laterDelivery));

    // Assess
    expect(error).toBe(throttled);
    // A refusal that returns no item is let through as it is, not read as a record.
    expect(refusal).toBe(bare);
  });

  it('gives up after three tries while a producer keeps rewriting the record, with JobStateConflictError', async () => {
    // Prepare: each update meets a producer's record, each whole-record put the worker's.
    const producers: JobRecord = { ...running, status: JobStatus.QUEUED, attempts: 0 };
    const workers: JobRecord = { ...running, status: JobStatus.RETRYING, retryAt: T0 };
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(itemOf(producers, false)),
      }),
    );
    ddb.on(PutCommand).rejects(conditionFailed(workers));

    // Act
    const error = await rejectionOf(makeStore().claim(laterDelivery));

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect(error).toMatchObject({
      jobId: 'job-1',
      transition: 'claim (its record keeps being rewritten)',
      currentStatus: undefined,
    });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 3);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
  });
});

describe('DynamoDB job store: claimMany', () => {
  const request = (id: string) => ({ ...claimOfRunning, id, claimToken: `token-${id}` });
  const claimedAs = (id: string) => ({ ...running, id, claimToken: `token-${id}` });

  it('claims each first delivery as claim does, sent together: the whole-record PutItem, then the update for a record of the worker’s', async () => {
    // Prepare: job-1 applied; job-2 throttled (left to claim); job-3 a claimable record of the
    // worker's (claimed by its update); job-4 a record no claim may take (a conflict).
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    const successful: JobRecord = { ...running, id: 'job-4', status: JobStatus.SUCCESSFUL };
    ddb.on(PutCommand).callsFake((input: { Item: { pk: string } }) => {
      switch (input.Item.pk) {
        case 'JOB#job-2':
          throw throttled;
        case 'JOB#job-3':
          throw conditionFailed({ ...running, id: 'job-3', status: JobStatus.RETRYING });
        case 'JOB#job-4':
          throw conditionFailed(successful);
        default:
          return {};
      }
    });
    const claimedByUpdate = { ...running, id: 'job-3', attempts: 2 };
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(claimedByUpdate) });

    // Act
    const outcomes = await makeStore().claimMany!([
      request('job-1'),
      request('job-2'),
      request('job-3'),
      request('job-4'),
    ]);

    // Assess
    expect(outcomes).toEqual([
      { kind: 'claimed', record: claimedAs('job-1') },
      undefined,
      { kind: 'claimed', record: claimedByUpdate },
      { kind: 'conflict', current: successful },
    ]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 4);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: itemOf(claimedAs('job-1')),
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#trusted)',
    });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'JOB#job-3' } });
  });

  it('answers a refusal by its own earlier try as claimed', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed(claimedAs('job-1')));

    // Act
    const outcomes = await makeStore().claimMany!([request('job-1')]);

    // Assess
    expect(outcomes).toEqual([{ kind: 'claimed', record: claimedAs('job-1') }]);
  });

  it('sends an id named twice once, answering the repeat undefined (claim decides it)', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    const outcomes = await makeStore().claimMany!([request('job-1'), request('job-1')]);

    // Assess
    expect(outcomes).toEqual([{ kind: 'claimed', record: claimedAs('job-1') }, undefined]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });
});

describe('DynamoDB job store: recordSuccesses', () => {
  const attempt = (id: string, claimed: Partial<JobRecord> = {}) => ({
    claimed: { ...running, id, ...claimed },
    result: { status: JobStatus.SUCCESSFUL, durationMs: 5, output: 'ok' } as const,
    now: T20,
  });
  /** A refused condition carrying a record a producer wrote (no `trusted`). */
  const refusedByProducerRecord = (current: JobRecord) =>
    new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
      Item: marshall(itemOf(current, false)),
    });

  it('puts the record finishAttempt leaves, conditional on this RUNNING attempt, its claim token, the trusted marker, the claim’s updatedAt and no progress', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const withToken = attempt('job-1', { claimToken: 'token-1' });

    // Act
    const outcomes = await makeStore().recordSuccesses([withToken, attempt('job-2')]);

    // Assess
    expect(outcomes).toEqual([{ kind: 'written' }, { kind: 'written' }]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobs',
      Item: itemOf(succeededRecord(withToken, keptUntil(T20))),
      ConditionExpression:
        '#status = :running AND #attempts = :attempt AND attribute_exists(#trusted) AND #claimToken = :claimToken AND #updatedAt = :claimedAt AND attribute_not_exists(#progress)',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#attempts': 'attempts',
        '#updatedAt': 'updatedAt',
        '#progress': 'progress',
        '#trusted': 'trusted',
        '#claimToken': 'claimToken',
      },
      ExpressionAttributeValues: {
        ':running': 'RUNNING',
        ':attempt': 1,
        ':claimedAt': T10,
        ':claimToken': 'token-1',
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'JOB#job-2', status: 'SUCCESSFUL', outputJson: '"ok"' }),
      ConditionExpression:
        '#status = :running AND #attempts = :attempt AND attribute_exists(#trusted) AND #updatedAt = :claimedAt AND attribute_not_exists(#progress)',
    });
  });

  it('holds the put to the progress the claim read, when there was one', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const progress = { fraction: 0.4, at: T10, attempt: 1 };

    // Act
    await makeStore().recordSuccesses([attempt('job-1', { progress })]);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: expect.stringMatching(/ AND #progress = :progress$/),
      ExpressionAttributeValues: expect.objectContaining({ ':progress': progress }),
    });
  });

  it('answers each put as its own write: applied, refused (the record moved on), throttled, already its own outcome, or no record', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    ddb.on(PutCommand).callsFake((input: { Item: { pk: string } }) => {
      switch (input.Item.pk) {
        case 'JOB#job-2':
          throw conditionFailed({ ...running, id: 'job-2', status: JobStatus.LOST });
        case 'JOB#job-3':
          throw throttled;
        case 'JOB#job-4':
          throw conditionFailed({
            ...running,
            id: 'job-4',
            status: JobStatus.SUCCESSFUL,
            endedAt: T20,
          });
        case 'JOB#job-5':
          throw conditionFailed();
        default:
          return {};
      }
    });

    // Act
    const outcomes = await makeStore().recordSuccesses(
      ['job-1', 'job-2', 'job-3', 'job-4', 'job-5'].map((id) => attempt(id)),
    );

    // Assess
    expect(outcomes).toEqual([
      { kind: 'written' },
      { kind: 'conflict', error: expect.any(JobStateConflictError) },
      { kind: 'unwritten', reason: 'ProvisionedThroughputExceededException: slow down' },
      // Its own outcome, applied by an earlier try whose answer was lost.
      { kind: 'written' },
      { kind: 'unwritten', reason: 'no record' },
    ]);
    expect(outcomes[1]).toMatchObject({ error: { jobId: 'job-2', currentStatus: 'LOST' } });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('finishes with finishAttempt’s update a record still this attempt’s that changed since its claim, keeping the change', async () => {
    // Prepare: progress recorded after the claim refuses the put.
    const changed: JobRecord = { ...running, progress: { fraction: 0.9, at: T10, attempt: 1 } };
    ddb.on(PutCommand).rejects(conditionFailed(changed));
    ddb.on(UpdateCommand).resolves({
      Attributes: itemOf({ ...changed, status: JobStatus.SUCCESSFUL }),
    });

    // Act
    const outcomes = await makeStore().recordSuccesses([attempt('job-1')]);

    // Assess: the update sets the outcome and leaves progress alone.
    expect(outcomes).toEqual([{ kind: 'written' }]);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.Key).toEqual({ pk: 'JOB#job-1' });
    expect(update.UpdateExpression).not.toContain('progress');
    expect(update.ConditionExpression).toContain('#status = :running');
  });

  it('answers the update’s refusal as a conflict, and never updates a record a producer wrote', async () => {
    // Prepare: job-1 changed, then rescued before the update; job-2 a producer's copy.
    ddb.on(PutCommand).callsFake((input: { Item: { pk: string } }) => {
      throw input.Item.pk === 'JOB#job-1'
        ? conditionFailed({ ...running, progress: { fraction: 0.9, at: T10, attempt: 1 } })
        : refusedByProducerRecord({ ...running, id: 'job-2' });
    });
    ddb.on(UpdateCommand).rejects(conditionFailed({ ...running, status: JobStatus.LOST }));

    // Act
    const outcomes = await makeStore().recordSuccesses([attempt('job-1'), attempt('job-2')]);

    // Assess
    expect(outcomes).toEqual([
      { kind: 'conflict', error: expect.any(JobStateConflictError) },
      { kind: 'conflict', error: expect.any(JobStateConflictError) },
    ]);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('leaves to the caller a changed record whose update fails for another reason, naming it', async () => {
    // Prepare: the put is refused by progress recorded since the claim; the update is throttled.
    ddb
      .on(PutCommand)
      .rejects(conditionFailed({ ...running, progress: { fraction: 0.9, at: T10, attempt: 1 } }));
    ddb
      .on(UpdateCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const outcomes = await makeStore().recordSuccesses([attempt('job-1')]);

    // Assess
    expect(outcomes).toEqual([
      { kind: 'unwritten', reason: 'ProvisionedThroughputExceededException: slow down' },
    ]);
  });

  it('sends an id named twice once, answers the repeat as unwritten, and reports each put’s capacity', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({ ConsumedCapacity: { TableName: 'jobs', CapacityUnits: 2 } });
    const units: number[] = [];

    // Act
    const outcomes = await makeStore((u) => units.push(u)).recordSuccesses([
      attempt('job-1'),
      attempt('job-1'),
    ]);

    // Assess
    expect(outcomes).toEqual([
      { kind: 'written' },
      { kind: 'unwritten', reason: 'named twice in one group' },
    ]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ReturnConsumedCapacity: 'TOTAL' });
    expect(units).toEqual([2]);
  });

  it('sends no request for an empty group (of successes or of claims)', async () => {
    // Prepare
    const store = makeStore();

    // Act
    const successes = await store.recordSuccesses([]);
    const claims = await store.claimMany!([]);

    // Assess
    expect(successes).toEqual([]);
    expect(claims).toEqual([]);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('DynamoDB job store: finishAttempt', () => {
  it('SUCCESSFUL is one UpdateItem conditional on this RUNNING attempt, output as JSON', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(running) });

    // Act
    await makeStore().finishAttempt(
      running,
      { status: JobStatus.SUCCESSFUL, durationMs: 1500, output: { sent: 3 } },
      T20,
    );

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jobs',
      Key: { pk: 'JOB#job-1' },
      UpdateExpression:
        'SET #status = :status, #endedAt = :endedAt, #durationMs = :durationMs, ' +
        '#updatedAt = :updatedAt, #expiresAt = :expiresAt, #attemptHistory = :attemptHistory, ' +
        '#gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk, ' +
        '#outputJson = :outputJson REMOVE #leaseExpiresAt, #error, #errorSummary, #retryAt',
      ConditionExpression:
        '#status = :running AND #attempts = :attempt AND attribute_exists(#trusted)',
      ExpressionAttributeNames: expect.objectContaining({
        '#status': 'status',
        '#attempts': 'attempts',
        '#trusted': 'trusted',
        '#outputJson': 'outputJson',
      }),
      ExpressionAttributeValues: {
        ':status': 'SUCCESSFUL',
        ':endedAt': T20,
        ':durationMs': 1500,
        ':updatedAt': T20,
        ':expiresAt': keptUntil(T20),
        ':attemptHistory': [
          { attempt: 1, startedAt: T10, endedAt: T20, durationMs: 1500, outcome: 'SUCCESSFUL' },
        ],
        ':gsi1pk': 'default#SUCCESSFUL#0',
        ':gsi1sk': `${T20}#job-1`,
        ':outputJson': '{"sent":3}',
        ':running': 'RUNNING',
        ':attempt': 1,
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('DEFERRED gives the attempt back and counts the deferral in the same write', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(running) });

    // Act
    await makeStore().finishAttempt(
      running,
      { status: JobStatus.DEFERRED, durationMs: 5, retryAt: T70, reason: 'not ready' },
      T20,
    );

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: expect.stringContaining(
        '#retryAt = :retryAt, #deferReason = :deferReason, #attempts = #attempts - :one, ' +
          '#deferrals = if_not_exists(#deferrals, :zero) + :one REMOVE #leaseExpiresAt',
      ),
      ConditionExpression:
        '#status = :running AND #attempts = :attempt AND attribute_exists(#trusted)',
      ExpressionAttributeValues: expect.objectContaining({
        ':status': 'DEFERRED',
        ':retryAt': T70,
        ':deferReason': 'not ready',
        ':one': 1,
        ':zero': 0,
      }),
    });
  });

  it('RETRYING keeps the error and when to retry', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(running) });
    const error = { name: 'Error', message: 'boom', stack: 'Error: boom' };

    // Act
    await makeStore().finishAttempt(
      running,
      { status: JobStatus.RETRYING, durationMs: 5, error, retryAt: T70 },
      T20,
    );

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: expect.stringMatching(
        /#error = :error, #errorSummary = :errorSummary, #retryAt = :retryAt REMOVE #leaseExpiresAt$/,
      ),
      ExpressionAttributeValues: expect.objectContaining({
        ':error': error,
        ':errorSummary': { name: 'Error', message: 'boom' },
        ':retryAt': T70,
      }),
    });
  });

  it('turns a refused condition carrying the item into JobStateConflictError with its status', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed({ ...running, status: JobStatus.LOST }));

    // Act
    const error = await rejectionOf(
      makeStore().finishAttempt(running, { status: JobStatus.SUCCESSFUL, durationMs: 1 }, T20),
    );

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect(error).toMatchObject({
      jobId: 'job-1',
      transition: 'finish attempt 1 as SUCCESSFUL',
      currentStatus: 'LOST',
    });
    expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('lets a failure other than a refusal through', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    ddb.on(UpdateCommand).rejects(throttled);

    // Act
    const error = await rejectionOf(
      makeStore().finishAttempt(running, { status: JobStatus.SUCCESSFUL, durationMs: 1 }, T20),
    );

    // Assess
    expect(error).toBe(throttled);
  });

  it('returns the record when the refused write finds its own outcome already applied', async () => {
    // Prepare
    const applied: JobRecord = {
      ...running,
      status: JobStatus.DEFERRED,
      attempts: 0,
      endedAt: T20,
      updatedAt: T20,
      retryAt: T70,
    };
    ddb.on(UpdateCommand).rejects(conditionFailed(applied));

    // Act
    const record = await makeStore().finishAttempt(
      running,
      { status: JobStatus.DEFERRED, durationMs: 5, retryAt: T70, reason: 'not ready' },
      T20,
    );

    // Assess
    expect(record).toEqual(applied);
  });

  it('turns a refused condition without an item into JobNotFoundError', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const error = await rejectionOf(
      makeStore().finishAttempt(running, { status: JobStatus.SUCCESSFUL, durationMs: 1 }, T20),
    );

    // Assess
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
  });
});

describe('DynamoDB job store: other transitions', () => {
  it('putQueued is one PutItem of the record with its keys and TTL, refused if the id exists', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    const queued: JobRecord = {
      id: 'job-1',
      type: 'report',
      queue: 'default',
      status: JobStatus.QUEUED,
      attempts: 0,
      maxAttempts: 3,
      enqueuedAt: T0,
      updatedAt: T0,
      expiresAt: 0,
    };

    // Act
    await makeStore().putQueued(queued);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobs',
      Item: { ...itemOf(queued, false), expiresAt: keptUntil(T0) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const [call] = ddb.commandCalls(PutCommand);
    expect(call!.args[0].input).not.toHaveProperty('ReturnValuesOnConditionCheckFailure');
  });

  it('putQueued turns a refused condition into JobStateConflictError (a producer reads nothing back)', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed(running));

    // Act
    const error = await rejectionOf(
      makeStore().putQueued({ ...running, status: JobStatus.QUEUED, attempts: 0 }),
    );

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect(error).toMatchObject({
      jobId: 'job-1',
      transition: 'record as queued',
      currentStatus: undefined,
    });
    expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('putQueued lets a failure other than a refusal through, and reports the capacity it used', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    ddb
      .on(PutCommand)
      .rejectsOnce(throttled)
      .resolves({ ConsumedCapacity: { TableName: 'jobs', CapacityUnits: 1 } });
    const units: number[] = [];
    const store = makeStore((u) => units.push(u));
    const queued = { ...running, status: JobStatus.QUEUED, attempts: 0 };

    // Act
    const error = await rejectionOf(store.putQueued(queued));
    await store.putQueued(queued);

    // Assess
    expect(error).toBe(throttled);
    expect(units).toEqual([1]);
  });

  it('markLost is conditional on this RUNNING attempt with an expired lease, null when refused', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(conditionFailed({ ...running, status: JobStatus.SUCCESSFUL }));

    // Act
    const lost = await makeStore().markLost(running, T70, T70);

    // Assess
    expect(lost).toBeNull();
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression:
        '#status = :running AND #attempts = :attempt AND #lease < :before AND attribute_exists(#trusted)',
      ExpressionAttributeNames: expect.objectContaining({
        '#lease': 'leaseExpiresAt',
        '#trusted': 'trusted',
      }),
      ExpressionAttributeValues: expect.objectContaining({
        ':running': 'RUNNING',
        ':attempt': 1,
        ':before': T70,
        ':status': 'LOST',
      }),
    });
  });

  it('markLost lets a failure other than a refusal through: the attempt is not taken as moved on', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({
      message: 'slow down',
      $metadata: {},
    });
    ddb.on(UpdateCommand).rejects(throttled);

    // Act
    const error = await rejectionOf(makeStore().markLost(running, T70, T70));

    // Assess
    expect(error).toBe(throttled);
  });

  it('recordRejected puts the record unless it is SUCCESSFUL or a live RUNNING attempt, refusing with JobStateConflictError', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed(running));
    const rejected: JobRecord = {
      ...running,
      status: JobStatus.ERRORED,
      attempts: 0,
      error: { name: 'MalformedEnvelopeError', message: 'not JSON' },
    };

    // Act
    const error = await rejectionOf(makeStore().recordRejected(rejected, T70));

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression:
        'attribute_not_exists(pk) OR attribute_not_exists(#trusted) OR NOT #status IN (:successful, :running) OR #lease < :before',
      ExpressionAttributeValues: {
        ':successful': 'SUCCESSFUL',
        ':running': 'RUNNING',
        ':before': T70,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect(error).toMatchObject({ currentStatus: 'RUNNING' });
  });

  it('cancel reads the record, then updates it only from a claimable status', async () => {
    // Prepare
    const queued = { ...running, status: JobStatus.QUEUED, attempts: 0 };
    ddb.on(GetCommand).resolves({ Item: itemOf(queued) });
    ddb.on(UpdateCommand).resolves({ Attributes: itemOf(queued) });

    // Act
    await makeStore().cancel('job-1', T20);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'JOB#job-1' },
      ConsistentRead: true,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: '#status IN (:s0, :s1, :s2)',
      UpdateExpression: expect.stringMatching(/REMOVE #retryAt$/),
      ExpressionAttributeValues: expect.objectContaining({
        ':status': 'CANCELLED',
        ':gsi1pk': 'default#CANCELLED#0',
      }),
    });
  });

  it('cancel of an unknown id is JobNotFoundError, with no write', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});

    // Act
    const error = await rejectionOf(makeStore().cancel('job-1', T20));

    // Assess
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('get reads consistently and gives the output back from its JSON', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({
      Item: itemOf({ ...running, status: JobStatus.SUCCESSFUL, output: [1, { a: null }] }),
    });

    // Act
    const record = await makeStore().get('job-1');

    // Assess
    expect(record).toEqual({ ...running, status: JobStatus.SUCCESSFUL, output: [1, { a: null }] });
  });

  it('reports the capacity each write consumed when asked', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({
      Attributes: itemOf(running),
      ConsumedCapacity: { TableName: 'jobs', CapacityUnits: 2 },
    });
    const units: number[] = [];

    // Act
    await makeStore((u) => units.push(u)).finishAttempt(
      running,
      { status: JobStatus.SUCCESSFUL, durationMs: 1 },
      T20,
    );

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { ReturnConsumedCapacity: 'TOTAL' });
    expect(units).toEqual([2]);
  });
});

describe('DynamoDB job store: list', () => {
  const lastKey = { pk: 'JOB#job-2', gsi1pk: 'default#ERRORED#0', gsi1sk: `${T20}#job-2` };

  it('queries the byQueueStatus index newest first, with since as a key condition and type as a filter', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [itemOf(running)] });

    // Act
    await makeStore().list({
      queue: 'default',
      status: JobStatus.ERRORED,
      since: T0,
      type: 'report',
      limit: 10,
    });

    // Assess
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'jobs',
      IndexName: 'byQueueStatus',
      KeyConditionExpression: '#pk = :pk AND #sk >= :since',
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#pk': 'gsi1pk', '#sk': 'gsi1sk', '#type': 'type' },
      ExpressionAttributeValues: { ':pk': 'default#ERRORED#0', ':since': T0, ':type': 'report' },
      ScanIndexForward: false,
      Limit: 11,
    });
  });

  it('writes since with milliseconds, as the index sorts instants', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    await makeStore().list({
      queue: 'default',
      status: JobStatus.ERRORED,
      since: '2030-01-01T00:00:02Z',
    });

    // Assess
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':since': '2030-01-01T00:00:02.000Z' }),
    });
  });

  it('asks for one past the page (25 by default, clamped to 1–100) to know whether more follow', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [] });
    const store = makeStore();

    // Act
    await store.list({ queue: 'default', status: JobStatus.ERRORED });
    await store.list({ queue: 'default', status: JobStatus.ERRORED, limit: 1000 });
    await store.list({ queue: 'default', status: JobStatus.ERRORED, limit: -3 });

    // Assess
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 1, { Limit: 26 });
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, { Limit: 101 });
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 3, { Limit: 2 });
  });

  it('round-trips the last item’s sort key through an opaque cursor into a key condition below it', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [itemOf(running), itemOf({ ...running, id: 'job-0' })],
        LastEvaluatedKey: lastKey,
      })
      .resolves({ Items: [] });
    const store = makeStore();

    // Act
    const first = await store.list({ queue: 'default', status: JobStatus.ERRORED, limit: 1 });
    await store.list({
      queue: 'default',
      status: JobStatus.ERRORED,
      limit: 1,
      cursor: first.cursor,
    });

    // Assess
    expect(first.cursor).toEqual(expect.any(String));
    expect(first.cursor).not.toContain('JOB#');
    // A RUNNING record sits in the index at its lease, not at updatedAt.
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, {
      KeyConditionExpression: '#pk = :pk AND #sk < :after',
      ExpressionAttributeValues: { ':pk': 'default#ERRORED#0', ':after': `${T70}#job-1` },
    });
  });

  it('gives no cursor when the page is exactly full and nothing follows', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemOf(running)], LastEvaluatedKey: lastKey })
      .resolves({ Items: [] });

    // Act
    const page = await makeStore().list({ queue: 'default', status: JobStatus.RUNNING, limit: 1 });

    // Assess
    expect(page).toEqual({ items: [running] });
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, {
      Limit: 1,
      ExclusiveStartKey: lastKey,
    });
  });

  it('keeps querying after a page the type filter thinned, asking only for what is missing', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemOf(running)], LastEvaluatedKey: lastKey })
      .resolves({ Items: [itemOf({ ...running, id: 'job-0' })] });

    // Act
    const page = await makeStore().list({
      queue: 'default',
      status: JobStatus.RUNNING,
      type: 'report',
      limit: 3,
    });

    // Assess
    expect(page.items.map((r) => r.id)).toEqual(['job-1', 'job-0']);
    expect(page.cursor).toBeUndefined();
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, {
      Limit: 3,
      ExclusiveStartKey: lastKey,
    });
  });

  it('listExpiredRunning reads the RUNNING partition with a key condition on the lease', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [itemOf(running)] });

    // Act
    const expired = await makeStore().listExpiredRunning('default', T70);

    // Assess
    expect(expired).toEqual([running]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byQueueStatus',
      KeyConditionExpression: '#pk = :pk AND #sk < :before',
      FilterExpression: '#lease < :before',
      ExpressionAttributeValues: { ':pk': 'default#RUNNING#0', ':before': T70 },
      ScanIndexForward: true,
      Limit: 100,
    });
  });
});

describe('DynamoDB job store: other transitions, their items and refusals', () => {
  const redrive = { name: 'RedriveLimitError', message: 'delivered 5 times' };
  const { leaseExpiresAt: _lease, ...unleased } = running;
  const fresh: JobRecord = {
    ...unleased,
    status: JobStatus.ERRORED,
    attempts: 0,
    messageId: 'message-1',
  };
  const deadLetter = {
    messageId: 'message-1',
    fresh,
    error: redrive,
    now: T20,
    leaseExpiredBefore: T10,
  };
  const ownQueued: JobRecord = {
    ...unleased,
    status: JobStatus.QUEUED,
    attempts: 0,
    messageId: 'message-1',
  };
  const throttled = () =>
    new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
  const putItem = () => ddb.commandCalls(PutCommand)[0]?.args[0].input.Item ?? {};

  it('reconcileDeadLetter without a record puts the ERRORED record, listed, unless a worker’s record appeared', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({ ConsumedCapacity: { TableName: 'jobs', CapacityUnits: 2 } });
    const units: number[] = [];

    // Act
    const outcome = await makeStore((u) => units.push(u)).reconcileDeadLetter(deadLetter);

    // Assess
    expect(outcome.kind).toBe('ended');
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'JOB#job-1' },
      ConsistentRead: true,
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#trusted)',
      ExpressionAttributeNames: { '#trusted': 'trusted' },
    });
    expect(putItem()).toMatchObject({
      status: 'ERRORED',
      error: redrive,
      gsi1pk: 'default#ERRORED#0',
      gsi1sk: `${T20}#job-1`,
      trusted: true,
    });
    expect(units).toEqual([2]);
  });

  it('reconcileDeadLetter of this message’s waiting record puts ERRORED only if the record is still as read', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: itemOf(ownQueued) });
    ddb.on(PutCommand).resolves({});

    // Act
    const outcome = await makeStore().reconcileDeadLetter(deadLetter);

    // Assess
    expect(outcome.kind).toBe('ended');
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression:
        'attribute_exists(#trusted) AND #status = :status AND #updatedAt = :updatedAt AND #attempts = :attempts',
      ExpressionAttributeNames: {
        '#trusted': 'trusted',
        '#status': 'status',
        '#updatedAt': 'updatedAt',
        '#attempts': 'attempts',
      },
      ExpressionAttributeValues: { ':status': 'QUEUED', ':updatedAt': T10, ':attempts': 0 },
    });
  });

  it('reconcileDeadLetter reads and judges again after a refusal, and gives up after three tries with JobStateConflictError', async () => {
    // Prepare: the record keeps moving between the read and the write
    ddb.on(GetCommand).resolves({ Item: itemOf(ownQueued) });
    ddb.on(PutCommand).rejects(conditionFailed());

    // Act
    const error = await rejectionOf(makeStore().reconcileDeadLetter(deadLetter));

    // Assess
    expect(error).toBeInstanceOf(JobStateConflictError);
    expect(error).toMatchObject({
      jobId: 'job-1',
      transition: 'reconcile a dead-lettered message for',
      currentStatus: undefined,
    });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 3);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3);
  });

  it('reconcileDeadLetter lets a failure other than a refusal through, without trying again', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: itemOf(ownQueued) });
    ddb.on(PutCommand).rejects(throttled());

    // Act
    const error = await rejectionOf(makeStore().reconcileDeadLetter(deadLetter));

    // Assess
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
  });

  it('recordRejected puts the record with its index keys, output as JSON, and reports the capacity', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({ ConsumedCapacity: { TableName: 'jobs', CapacityUnits: 3 } });
    const units: number[] = [];
    const withOutput: JobRecord = { ...fresh, output: { n: 1 } };

    // Act
    await makeStore((u) => units.push(u)).recordRejected(withOutput, T70);

    // Assess
    expect(putItem()).toMatchObject({
      pk: 'JOB#job-1',
      gsi1pk: 'default#ERRORED#0',
      gsi1sk: `${T10}#job-1`,
      outputJson: '{"n":1}',
      expiresAt: keptUntil(T10),
    });
    expect(putItem()).not.toHaveProperty('output');
    expect(units).toEqual([3]);
  });

  it('recordRejected of a record without output writes no outputJson attribute', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    await makeStore().recordRejected(fresh, T70);

    // Assess
    expect(Object.keys(putItem())).not.toContain('outputJson');
  });

  it('recordRejected lets a failure other than a refusal through, and names a refusal without an item as a conflict with no record', async () => {
    // Prepare
    const refusal = conditionFailed();
    ddb.on(PutCommand).rejectsOnce(throttled()).rejectsOnce(refusal);
    const store = makeStore();

    // Act
    const first = await rejectionOf(store.recordRejected(fresh, T70));
    const second = await rejectionOf(store.recordRejected(fresh, T70));

    // Assess
    expect(first).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(second).toBeInstanceOf(JobStateConflictError);
    expect(second).toMatchObject({
      transition: 'record a rejected message for',
      currentStatus: undefined,
      cause: refusal,
    });
  });

  it('asks for capacity but reports nothing when a response carries no units', async () => {
    // Prepare
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .resolvesOnce({ ConsumedCapacity: { TableName: 'jobs' } });
    const units: number[] = [];
    const store = makeStore((u) => units.push(u));

    // Act
    await store.recordRejected(fresh, T70);
    await store.recordRejected(fresh, T70);

    // Assess
    expect(units).toEqual([]);
  });

  it('cancel and requeue mark the record as the worker’s, and name their refusals', async () => {
    // Prepare
    const queued = { ...running, status: JobStatus.QUEUED, attempts: 0 };
    const refusal = conditionFailed(running);
    ddb.on(GetCommand).resolves({ Item: itemOf(queued) });
    ddb.on(UpdateCommand).rejects(refusal);
    const store = makeStore();

    // Act
    const cancelled = await rejectionOf(store.cancel('job-1', T20));
    const requeued = await rejectionOf(store.requeue('job-1', T20));

    // Assess
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(2);
    for (const update of updates) {
      expect(update.ExpressionAttributeValues).toMatchObject({ ':trusted': true });
    }
    expect(cancelled).toBeInstanceOf(JobStateConflictError);
    expect(cancelled).toMatchObject({
      transition: 'cancel',
      currentStatus: 'RUNNING',
      cause: refusal,
    });
    expect(requeued).toMatchObject({ transition: 'requeue', currentStatus: 'RUNNING' });
  });

  it('the dead-letter marks name their refusals; a refusal without an item is JobNotFoundError', async () => {
    // Prepare
    const gone = conditionFailed();
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed(running))
      .rejectsOnce(conditionFailed(running))
      .rejectsOnce(gone);
    const store = makeStore();

    // Act
    const marked = await rejectionOf(store.markDeadLettered('job-1', T20));
    const deleted = await rejectionOf(store.markDeadLetterDeleted('job-1', T20));
    const missing = await rejectionOf(store.markDeadLettered('job-1', T20));

    // Assess
    expect(marked).toMatchObject({ transition: 'mark as dead-lettered', currentStatus: 'RUNNING' });
    expect(deleted).toMatchObject({
      transition: 'note the deleted dead letter of',
      currentStatus: 'RUNNING',
    });
    expect(missing).toBeInstanceOf(JobNotFoundError);
    expect(missing).toMatchObject({ cause: gone });
  });

  it('a transition lets a failure other than a refusal through', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: itemOf({ ...running, status: JobStatus.QUEUED }) });
    ddb.on(UpdateCommand).rejects(throttled());

    // Act
    const error = await rejectionOf(makeStore().cancel('job-1', T20));

    // Assess
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
  });
});
