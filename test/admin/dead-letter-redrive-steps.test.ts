/**
 * What a redrive does to each dead letter's record, message and concurrency key, which messages
 * it takes (filters, dry run, bounds), and what it reports: memory store and keys, the DLQ in
 * memory (fake-dead-letter-queue.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { ConcurrencyKeyHeldError } from '../../packages/lambda-jobs/src/runtime/admin/admin-errors.ts';
import {
  type RedriveDeps,
  type RedriveEvent,
  type RedriveRunOptions,
  redriveDeadLetters,
} from '../../packages/lambda-jobs/src/runtime/admin/dead-letter-redrive.ts';
import type { RedriveProgress } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';
import {
  JobNotFoundError,
  JobStateConflictError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import {
  envelope,
  type FakeDeadLetterQueueOptions,
  fakeDeadLetterQueue,
  queue,
  record,
} from './fake-dead-letter-queue.ts';

const NOW = new Date('2031-02-03T04:05:06.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

const report = defineJob({
  type: 'report',
  schema: z.object({ n: z.number().optional() }),
  run: () => undefined,
});
const registry = createRegistry([report]);

/** A redrive of `letters` with the memory store and keys, at {@link NOW}, no waits. */
function scenario(
  letters: Parameters<typeof fakeDeadLetterQueue>[0],
  dlqOptions: FakeDeadLetterQueueOptions = {},
) {
  const store = createMemoryJobStore();
  const keys = createMemoryConcurrencyKeys();
  const dlq = fakeDeadLetterQueue(letters, dlqOptions);
  const waits: number[] = [];
  const events: RedriveEvent[] = [];
  const progress: RedriveProgress[] = [];
  // As DynamoDB, the store refuses a key without an id (the memory store would answer undefined).
  const strict: Parameters<typeof redriveDeadLetters>[0]['store'] = {
    get: (id) =>
      typeof id === 'string'
        ? store.get(id)
        : Promise.reject(new Error('ValidationException: no id')),
    requeue: (id, now) => store.requeue(id, now),
    cancel: (id, now) => store.cancel(id, now),
    markDeadLettered: (id, now) => store.markDeadLettered(id, now),
  };
  const deps: { -readonly [K in keyof RedriveDeps]: RedriveDeps[K] } & {
    keys: typeof keys;
  } = {
    store: strict,
    keys,
    transport: dlq.transport as Parameters<typeof redriveDeadLetters>[0]['transport'],
    messages: dlq.admin,
    depth: dlq.depth,
    now: () => NOW,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
  return {
    store,
    keys,
    dlq,
    deps,
    waits,
    events,
    progress,
    run(options: RedriveRunOptions = {}, target = queue) {
      return redriveDeadLetters(deps, target, {
        onMessage: (event) => events.push(event),
        onProgress: (p) => progress.push(p),
        ...options,
      });
    },
  };
}

function keyed(id: string, status: JobRecord['status'], concurrencyKey: string): JobRecord {
  return { ...record(id, status), concurrencyKey };
}

const sendFails = {
  async send(): Promise<{ messageId: string }> {
    throw new Error('SQS is down');
  },
};

afterEach(() => {
  vi.useRealTimers();
});

describe('redrive: the record', () => {
  it('resets an ERRORED, LOST or CANCELLED record to QUEUED at the time of the redrive, and sends the body unchanged', async () => {
    // Prepare
    const s = scenario([envelope('e'), envelope('l'), envelope('c')]);
    await s.store.putQueued(record('e', 'ERRORED', 3));
    await s.store.putQueued(record('l', 'LOST', 2));
    await s.store.putQueued(record('c', 'CANCELLED'));
    await s.store.markDeadLettered('e', '2030-01-01T00:00:00.000Z');

    // Act
    const result = await s.run();

    // Assess
    for (const id of ['e', 'l', 'c']) {
      const after = await s.store.get(id);
      expect(after).toMatchObject({ status: 'QUEUED', attempts: 0, updatedAt: NOW.toISOString() });
      expect(after?.deadLetteredAt).toBeUndefined();
    }
    expect(s.dlq.sent).toEqual([
      { url: queue.url, body: envelope('e'), routing: {} },
      { url: queue.url, body: envelope('l'), routing: {} },
      { url: queue.url, body: envelope('c'), routing: {} },
    ]);
    expect(s.dlq.remaining()).toEqual([]);
    expect(result).toMatchObject({ moved: 3, matched: 3, jobIds: ['e', 'l', 'c'] });
  });

  it('sends a job whose record is claimable (QUEUED, RETRYING, DEFERRED) as it is, and one without a record', async () => {
    // Prepare
    const s = scenario([envelope('q'), envelope('r'), envelope('d'), envelope('gone')]);
    await s.store.putQueued(record('q', 'QUEUED', 0));
    await s.store.putQueued(record('r', 'RETRYING', 1));
    await s.store.putQueued(record('d', 'DEFERRED', 1));
    const before = await Promise.all(['q', 'r', 'd'].map((id) => s.store.get(id)));

    // Act
    const result = await s.run();

    // Assess
    expect(await Promise.all(['q', 'r', 'd'].map((id) => s.store.get(id)))).toEqual(before);
    expect(await s.store.get('gone')).toBeUndefined();
    expect(result).toMatchObject({ moved: 4, jobIds: ['q', 'r', 'd', 'gone'], skipped: [] });
    expect(s.dlq.remaining()).toEqual([]);
  });

  it('sends an unreadable message as it is, its record (by the id read from it) left ERRORED', async () => {
    // Prepare: asked for by id, the worker will reject it again and record that.
    const body = '{"id":"broken","type":"report"}';
    const s = scenario([body]);
    await s.store.putQueued(keyed('broken', 'ERRORED', 'acct:1'));

    // Act
    const result = await s.run({ jobIds: ['broken'] });

    // Assess
    expect(result).toMatchObject({ moved: 1, jobIds: ['broken'] });
    expect(s.dlq.sent.map((m) => m.body)).toEqual([body]);
    expect(await s.store.get('broken')).toMatchObject({ status: 'ERRORED', attempts: 1 });
    expect(s.keys.holderOf('acct:1')).toBeUndefined();
  });

  it('looks again once when the record changed under it, and resets it then', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.store.failNext('requeue', new JobStateConflictError('j', 'requeue', 'RUNNING'));

    // Act
    const result = await s.run();

    // Assess
    expect(result).toMatchObject({ moved: 1, jobIds: ['j'], skipped: [] });
    expect(await s.store.get('j')).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('j');
  });

  it('leaves a job whose record keeps changing in the DLQ, visible, its key given back', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.store.failNext('requeue', new JobStateConflictError('j', 'requeue', 'RUNNING'));
    s.store.failNext('requeue', new JobStateConflictError('j', 'requeue', 'RUNNING'));

    // Act
    const result = await s.run();

    // Assess
    expect(result).toMatchObject({
      moved: 0,
      matched: 1,
      jobIds: [],
      skipped: [
        {
          messageId: 'm0',
          jobId: 'j',
          type: 'report',
          reason: 'its record kept changing while the redrive tried to reset it',
        },
      ],
    });
    expect(await s.store.get('j')).toMatchObject({ status: 'ERRORED' });
    expect(s.keys.holderOf('acct:1')).toBeUndefined();
    expect(s.dlq.sent).toEqual([]);
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('sends a job whose record went between the look and the reset, keeping its key (as for a job without a record)', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.store.failNext('requeue', new JobNotFoundError('j'));

    // Act
    const result = await s.run();

    // Assess
    expect(result).toMatchObject({ moved: 1, jobIds: ['j'] });
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('j');
    expect(s.dlq.remaining()).toEqual([]);
  });

  it('keeps the key for a job whose record went when the send fails too (a lost answer may have delivered it)', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.store.failNext('requeue', new JobNotFoundError('j'));
    s.deps.transport = sendFails;

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('j');
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('stops, moving nothing more, when the reset fails otherwise; the message stays, visible, and the key it took goes back', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' }), envelope('k')]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.store.failNext('requeue', new Error('throttled'));

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow(
      'Redrive of default stopped after moving 0 message(s): throttled',
    );
    expect(await s.store.get('j')).toMatchObject({ status: 'ERRORED' });
    expect(s.keys.holderOf('acct:1')).toBeUndefined();
    expect(s.dlq.sent).toEqual([]);
    expect(s.dlq.visible()).toEqual(['m0', 'm1']);
  });
});

describe('redrive: the concurrency key', () => {
  it("takes the job's key back for it: the record's key, else the one its message names", async () => {
    // Prepare
    const s = scenario([
      envelope('by-record'),
      envelope('by-message', 'report', { concurrencyKey: 'acct:2' }),
      envelope('no-record', 'report', { concurrencyKey: 'acct:3' }),
    ]);
    await s.store.putQueued(keyed('by-record', 'ERRORED', 'acct:1'));
    await s.store.putQueued(record('by-message', 'LOST'));

    // Act
    const result = await s.run();

    // Assess
    expect(result.moved).toBe(3);
    expect(s.keys.holderOf('acct:1')).toEqual({
      jobId: 'by-record',
      expiresAtEpochSeconds: NOW_SECONDS + 86_400,
    });
    expect(s.keys.holderOf('acct:2')?.jobId).toBe('by-message');
    expect(s.keys.holderOf('acct:3')?.jobId).toBe('no-record');
  });

  it('moves jobs without a key without taking any key', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b'), envelope('c')]);
    await s.store.putQueued(record('a', 'ERRORED'));
    await s.store.putQueued(record('b', 'ERRORED'));

    // Act
    const result = await s.run();

    // Assess
    expect(result).toMatchObject({ moved: 3, jobIds: ['a', 'b', 'c'], skipped: [] });
    expect(await s.store.get('b')).toMatchObject({ status: 'QUEUED' });
  });

  it('leaves a job whose key another job holds in the DLQ, visible, naming that job; its record and the key unchanged', async () => {
    // Prepare
    const s = scenario([
      envelope('j', 'report', { concurrencyKey: 'acct:1' }),
      envelope('gone', 'report', { concurrencyKey: 'acct:1' }),
    ]);
    await s.store.putQueued(record('j', 'ERRORED'));
    await s.keys.acquire('acct:1', 'other', NOW_SECONDS + 60, NOW_SECONDS);

    // Act
    const result = await s.run();

    // Assess
    expect(result).toMatchObject({
      moved: 0,
      matched: 2,
      skipped: [
        {
          messageId: 'm0',
          jobId: 'j',
          type: 'report',
          reason: new ConcurrencyKeyHeldError('j', 'redrive', 'ERRORED', 'acct:1', 'other').message,
        },
        {
          messageId: 'm1',
          jobId: 'gone',
          type: 'report',
          reason: new ConcurrencyKeyHeldError('gone', 'redrive', undefined, 'acct:1', 'other')
            .message,
        },
      ],
    });
    expect(await s.store.get('j')).toMatchObject({ status: 'ERRORED', attempts: 1 });
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('other');
    expect(s.dlq.sent).toEqual([]);
    expect(s.dlq.visible()).toEqual(['m0', 'm1']);
  });

  it('keeps a key the job holds already when its reset fails', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    await s.keys.acquire('acct:1', 'j', NOW_SECONDS + 60, NOW_SECONDS);
    s.store.failNext('requeue', new Error('throttled'));

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('throttled');
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('j');
  });

  it('stops when the key store fails, moving nothing and changing no record', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.keys.failNext('acquire', new Error('keys throttled'));

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow(
      'Redrive of default stopped after moving 0 message(s): keys throttled',
    );
    expect(await s.store.get('j')).toMatchObject({ status: 'ERRORED' });
    expect(s.dlq.sent).toEqual([]);
    expect(s.dlq.visible()).toEqual(['m0']);
  });
});

describe('redrive: a send that fails', () => {
  it('marks a reset record dead-lettered again (CANCELLED at the time of the redrive) and gives back the key it took', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.deps.transport = sendFails;

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('stopped after moving 0 message(s): SQS is down');
    expect(await s.store.get('j')).toMatchObject({
      status: 'CANCELLED',
      endedAt: NOW.toISOString(),
      deadLetteredAt: NOW.toISOString(),
    });
    expect(s.keys.holderOf('acct:1')).toBeUndefined();
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('keeps the key when the reset record could not be cancelled (a delivered copy may run)', async () => {
    // Prepare
    const s = scenario([envelope('j', 'report', { concurrencyKey: 'acct:1' })]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.deps.transport = sendFails;
    s.store.failNext('cancel', new Error('store throttled'));

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('j');
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('leaves a record that was claimable already as it was', async () => {
    // Prepare
    const s = scenario([envelope('q')]);
    await s.store.putQueued(record('q', 'QUEUED', 0));
    const before = await s.store.get('q');
    s.deps.transport = sendFails;

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(await s.store.get('q')).toEqual(before);
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('keeps the key it took for a job without a record when the send fails (a lost answer may have delivered it)', async () => {
    // Prepare
    const s = scenario([envelope('gone', 'report', { concurrencyKey: 'acct:1' })]);
    s.deps.transport = sendFails;

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(await s.store.get('gone')).toBeUndefined();
    expect(s.keys.holderOf('acct:1')?.jobId).toBe('gone');
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('reports the send error, not that of marking the record, when both fail', async () => {
    // Prepare
    const s = scenario([envelope('j')]);
    await s.store.putQueued(record('j', 'ERRORED'));
    s.deps.transport = sendFails;
    s.store.failNext('cancel', new Error('store throttled'));

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow(
      'Redrive of default stopped after moving 0 message(s): SQS is down',
    );
    await expect(redrive).rejects.toMatchObject({ cause: { message: 'SQS is down' } });
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('leaves the record of an unreadable message as it was', async () => {
    // Prepare: its record is QUEUED (the redrive resets no record for an unreadable message).
    const s = scenario(['{"id":"q","type":"report"}']);
    await s.store.putQueued(record('q', 'QUEUED', 0));
    const before = await s.store.get('q');
    s.deps.transport = sendFails;

    // Act
    const redrive = s.run({ jobIds: ['q'] });

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(await s.store.get('q')).toEqual(before);
    expect(s.dlq.visible()).toEqual(['m0']);
  });

  it('releases the failed message and the rest of its batch, and nothing it deleted', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b'), envelope('c')]);
    let sends = 0;
    s.deps.transport = {
      async send(url: string, body: string) {
        if (++sends === 2) throw new Error('SQS is down');
        return s.dlq.transport.send(url, body);
      },
    };

    // Act
    await expect(s.run()).rejects.toThrow('stopped after moving 1 message(s): SQS is down');

    // Assess
    expect(s.dlq.deleted).toEqual(['m0']);
    expect(s.dlq.released).toEqual(['m1', 'm2']);
    expect(s.dlq.visible()).toEqual(['m1', 'm2']);
  });
});

describe('redrive: filters', () => {
  it('takes only the jobs asked for by id, and stops once it has found them all', async () => {
    // Prepare: the type of `c` is unknown to the worker; asked for by id, it moves anyway.
    const s = scenario([envelope('a'), envelope('c', 'nope'), envelope('b'), envelope('d')]);
    s.deps.registry = registry;
    await s.store.putQueued(record('a', 'ERRORED'));

    // Act
    const result = await s.run({ jobIds: ['c'] });

    // Assess
    expect(result).toMatchObject({
      moved: 1,
      matched: 1,
      jobIds: ['c'],
      skipped: [],
      examined: 2,
      left: 2,
      stoppedBy: 'done',
    });
    expect(s.dlq.sent.map((m) => m.body)).toEqual([envelope('c', 'nope')]);
    expect(await s.store.get('a')).toMatchObject({ status: 'ERRORED' });
    expect(s.dlq.visible()).toEqual(['m0', 'm2', 'm3']);
  });

  it('looks at every message while a job asked for is not found', async () => {
    // Prepare
    const s = scenario([envelope('a'), '{"broken"', envelope('b')]);

    // Act
    const result = await s.run({ jobIds: ['b', 'absent'] });

    // Assess
    expect(result).toMatchObject({ moved: 1, matched: 1, jobIds: ['b'], examined: 3, left: 0 });
    expect(s.dlq.visible()).toEqual(['m0', 'm1']);
  });

  it('takes only the messages of the type asked for', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b', 'other'), '{"id":"x","type":"report"}']);

    // Act
    const result = await s.run({ type: 'report', includeUnrunnable: true });

    // Assess
    expect(result).toMatchObject({ moved: 1, matched: 1, jobIds: ['a'], examined: 3 });
    expect(s.dlq.visible()).toEqual(['m1', 'm2']);
  });

  it('leaves a message that cannot run here, with why, unless it is asked for', async () => {
    // Prepare
    const letters = [
      envelope('unknown-type', 'nope'),
      envelope('other-queue', 'report', { queue: 'slow' }),
      envelope('bad-payload', 'report', { payload: { n: 'x' } }),
      envelope('good'),
    ];
    const s = scenario(letters);
    s.deps.registry = registry;
    const also = scenario(letters);
    also.deps.registry = registry;

    // Act
    const result = await s.run({ includeUnrunnable: false });
    const included = await also.run({ includeUnrunnable: true });

    // Assess
    const tail =
      '; once the worker can run it, redrive it by job id or with unrunnable messages included';
    expect(result.jobIds).toEqual(['good']);
    expect(result.skipped).toEqual([
      {
        messageId: 'm0',
        jobId: 'unknown-type',
        type: 'nope',
        reason: `cannot run: unknown job type "nope" (field type): the worker does not define it${tail}`,
      },
      {
        messageId: 'm1',
        jobId: 'other-queue',
        type: 'report',
        reason: `cannot run: its envelope names queue "slow", not "default" (field queue)${tail}`,
      },
      {
        messageId: 'm2',
        jobId: 'bad-payload',
        type: 'report',
        reason: expect.stringMatching(/^cannot run: its payload fails the schema of report: /),
      },
    ]);
    expect(s.dlq.visible()).toEqual(['m0', 'm1', 'm2']);
    expect(included).toMatchObject({
      moved: 4,
      jobIds: ['unknown-type', 'other-queue', 'bad-payload', 'good'],
      skipped: [],
    });
  });

  it('without a registry, leaves a message the worker rejected without running it, by its record', async () => {
    // Prepare
    const s = scenario([envelope('rejected')]);
    await s.store.putQueued({
      ...record('rejected', 'ERRORED', 0),
      error: { name: 'UnknownJobTypeError', message: 'no such type' },
    });

    // Act
    const result = await s.run();

    // Assess
    expect(result.moved).toBe(0);
    expect(result.skipped.map((x) => x.reason)).toEqual([
      'cannot run: the worker rejected it without running it: UnknownJobTypeError: no such type; once the worker can run it, redrive it by job id or with unrunnable messages included',
    ]);
    expect(await s.store.get('rejected')).toMatchObject({ status: 'ERRORED' });
  });
});

describe('redrive: dry run', () => {
  it('changes nothing and reports what would move, and what would be left with why', async () => {
    // Prepare
    const s = scenario([
      envelope('errored', 'report', { concurrencyKey: 'acct:1' }),
      envelope('running'),
      envelope('absent'),
      envelope('unknown', 'nope'),
    ]);
    s.deps.registry = registry;
    await s.store.putQueued(record('errored', 'ERRORED'));
    await s.store.putQueued(record('running', 'RUNNING'));
    const before = await Promise.all(['errored', 'running'].map((id) => s.store.get(id)));

    // Act
    const result = await s.run({ dryRun: true });

    // Assess
    const running =
      'its record is RUNNING (an attempt may be in progress); redrive it once the attempt ends or the monitor marks it LOST';
    const unknown =
      'cannot run: unknown job type "nope" (field type): the worker does not define it; once the worker can run it, redrive it by job id or with unrunnable messages included';
    expect(result).toEqual({
      moved: 0,
      matched: 4,
      jobIds: ['errored', 'absent'],
      method: 'receive-send-delete',
      skipped: [
        { messageId: 'm1', jobId: 'running', type: 'report', reason: running },
        { messageId: 'm3', jobId: 'unknown', type: 'nope', reason: unknown },
      ],
      presentAtStart: 4,
      examined: 4,
      cameBack: 0,
      left: 0,
      stoppedBy: 'done',
      dryRun: true,
    });
    expect(s.events).toEqual([
      { action: 'matched', messageId: 'm0', jobId: 'errored', type: 'report' },
      { action: 'skipped', messageId: 'm1', jobId: 'running', type: 'report', reason: running },
      { action: 'matched', messageId: 'm2', jobId: 'absent', type: 'report' },
      { action: 'skipped', messageId: 'm3', jobId: 'unknown', type: 'nope', reason: unknown },
    ]);
    expect(s.progress).toEqual([
      { moved: 1, skipped: 0, left: 3 },
      { moved: 1, skipped: 1, left: 2 },
      { moved: 2, skipped: 1, left: 1 },
      { moved: 2, skipped: 2, left: 0 },
    ]);
    expect(await Promise.all(['errored', 'running'].map((id) => s.store.get(id)))).toEqual(before);
    expect(await s.store.get('absent')).toBeUndefined();
    expect(s.keys.holderOf('acct:1')).toBeUndefined();
    expect(s.dlq.sent).toEqual([]);
    expect(s.dlq.deleted).toEqual([]);
    expect(s.dlq.visible()).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('counts a message without a job id, but names no job for it; with no callbacks given', async () => {
    // Prepare
    const s = scenario(['{"no id"', envelope('a')]);

    // Act
    const result = await redriveDeadLetters(s.deps, queue, {
      dryRun: true,
      includeUnrunnable: true,
    });

    // Assess
    expect(result).toMatchObject({ moved: 0, matched: 2, jobIds: ['a'], skipped: [] });
    expect(s.dlq.visible()).toEqual(['m0', 'm1']);
  });

  it('counts at most the limit, and stops there', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b'), envelope('c')]);

    // Act
    const result = await s.run({ dryRun: true, limit: 2 });

    // Assess
    expect(result).toMatchObject({ moved: 0, matched: 2, jobIds: ['a', 'b'], stoppedBy: 'limit' });
    expect(s.dlq.visible()).toEqual(['m0', 'm1', 'm2']);
  });
});

describe('redrive: the report and what it tells as it goes', () => {
  it('reports each message moved or left, the progress after each, and the counts', async () => {
    // Prepare: `a` twice (a copy with another body), an unreadable one without id, a RUNNING job.
    const copy = envelope('a', 'report', { payload: { n: 1 } });
    const s = scenario([envelope('a'), copy, '{"no id"', envelope('r')], {
      depth: { visible: 2, inFlight: 2, delayed: 1 },
    });
    await s.store.putQueued(record('r', 'RUNNING'));

    // Act
    const result = await s.run({ includeUnrunnable: true });

    // Assess
    const running =
      'its record is RUNNING (an attempt may be in progress); redrive it once the attempt ends or the monitor marks it LOST';
    expect(result).toEqual({
      moved: 2,
      matched: 3,
      jobIds: ['a'],
      method: 'receive-send-delete',
      skipped: [{ messageId: 'm3', jobId: 'r', type: 'report', reason: running }],
      presentAtStart: 5,
      examined: 3,
      cameBack: 1,
      left: 2,
      stoppedBy: 'done',
      dryRun: false,
    });
    expect(s.events).toEqual([
      { action: 'moved', messageId: 'm0', jobId: 'a', type: 'report' },
      { action: 'moved', messageId: 'm2', jobId: undefined, type: undefined },
      { action: 'skipped', messageId: 'm3', jobId: 'r', type: 'report', reason: running },
    ]);
    expect(s.progress).toEqual([
      { moved: 1, skipped: 0, left: 4 },
      { moved: 2, skipped: 0, left: 3 },
      { moved: 2, skipped: 1, left: 2 },
    ]);
    expect(s.dlq.sent.map((m) => m.body)).toEqual([envelope('a'), '{"no id"']);
    expect(s.dlq.visible()).toEqual(['m1', 'm3']);
  });

  it('moves two different unreadable messages without ids as two', async () => {
    // Prepare
    const s = scenario(['{"one"', '{"two"']);

    // Act
    const result = await s.run({ includeUnrunnable: true });

    // Assess
    expect(result).toMatchObject({ moved: 2, jobIds: [], cameBack: 0 });
  });

  it("sends a FIFO queue's message on in its group with a new deduplication id for its job", async () => {
    // Prepare
    const fifo = { name: 'orders', url: 'q://orders.fifo', dlqUrl: 'q://orders-dlq.fifo' };
    const s = scenario([
      { body: envelope('g', 'report', { queue: 'orders' }), groupId: 'tenant-1' },
      envelope('t', 'report', { queue: 'orders' }),
      '{"no id"',
    ]);

    // Act
    await s.run({ includeUnrunnable: true }, fifo);

    // Assess
    expect(s.dlq.sent.map((m) => m.url)).toEqual([fifo.url, fifo.url, fifo.url]);
    expect(s.dlq.sent.map((m) => m.routing)).toEqual([
      { groupId: 'tenant-1', deduplicationId: expect.stringMatching(/^g#/) },
      { groupId: 'report', deduplicationId: expect.stringMatching(/^t#/) },
      { groupId: 'lambda-jobs', deduplicationId: expect.stringMatching(/^m2#/) },
    ]);
  });

  it("keeps a standard queue's message in its fair-queue tenant", async () => {
    // Prepare
    const s = scenario([{ body: envelope('g'), groupId: 'tenant-1' }]);

    // Act
    await s.run();

    // Assess
    expect(s.dlq.sent.map((m) => m.routing)).toEqual([{ groupId: 'tenant-1' }]);
  });
});

describe('redrive: bounds', () => {
  it.each([
    { present: { visible: 3, inFlight: 0, delayed: 0 }, options: {}, visibility: 120 },
    {
      present: { visible: 1001, inFlight: 0, delayed: 0 },
      options: { limit: 2000 },
      visibility: 201,
    },
    { present: { visible: 5000, inFlight: 0, delayed: 0 }, options: {}, visibility: 200 },
    {
      present: { visible: 100, inFlight: 0, delayed: 0 },
      options: { ratePerSecond: 1 },
      visibility: 200,
    },
    {
      present: { visible: 60_000, inFlight: 30_000, delayed: 10_000 },
      options: { limit: 100_000, ratePerSecond: 1 },
      visibility: 43_200,
    },
    {
      present: { visible: 150_000, inFlight: 0, delayed: 0 },
      options: { limit: 200_000 },
      visibility: 20_000,
    },
  ])(
    'hides what it holds for the whole run: $visibility s for $present.visible (+ $present.inFlight + $present.delayed) at $options',
    async ({ present, options, visibility }) => {
      // Prepare: the DLQ's counts as given, no message handed out.
      const s = scenario([], { depth: present });

      // Act
      const result = await s.run(options);

      // Assess
      const total = present.visible + present.inFlight + present.delayed;
      expect(s.dlq.receives).toEqual([{ max: 10, visibility }]);
      expect(result).toMatchObject({
        presentAtStart: total,
        examined: 0,
        left: total,
        stoppedBy: 'done',
      });
    },
  );

  it('takes at most `limit` messages, and says the limit stopped it', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b'), envelope('c'), envelope('d'), envelope('e')]);
    const exact = scenario([envelope('a'), envelope('b')]);
    const over = scenario([envelope('a'), envelope('b')]);

    // Act
    const result = await s.run({ limit: 2 });
    const exactly = await exact.run({ limit: 2 });
    const beyond = await over.run({ limit: 3 });

    // Assess
    expect(result).toMatchObject({ moved: 2, examined: 2, left: 3, stoppedBy: 'limit' });
    expect(s.dlq.visible()).toEqual(['m2', 'm3', 'm4']);
    expect(exactly).toMatchObject({ moved: 2, stoppedBy: 'limit' });
    expect(beyond).toMatchObject({ moved: 2, stoppedBy: 'done' });
  });

  it('receives nothing when its signal aborted before it started', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b'), envelope('c')]);

    // Act
    const result = await s.run({ signal: AbortSignal.abort() });

    // Assess
    expect(result).toMatchObject({ moved: 0, examined: 0, left: 3, stoppedBy: 'signal' });
    expect(s.dlq.receives).toEqual([]);
    expect(s.dlq.visible()).toEqual(['m0', 'm1', 'm2']);
  });

  it('takes no more messages than twice the count at the start, plus a batch, when the count was off', async () => {
    // Prepare: the count says 3; the DLQ holds `a`, 20 more copies of it, then `b` and `c`.
    const copies = Array.from({ length: 20 }, (_, i) =>
      envelope('a', 'report', { payload: { n: i } }),
    );
    const s = scenario([envelope('a'), ...copies, envelope('b'), envelope('c')], {
      perReceive: 1,
      depth: { visible: 3, inFlight: 0, delayed: 0 },
    });

    // Act
    const result = await s.run();

    // Assess: 2 × 3 + 10 messages received.
    expect(s.dlq.receives).toHaveLength(16);
    expect(result).toMatchObject({ moved: 1, examined: 1, cameBack: 15, left: 2 });
    expect(s.dlq.sent.map((m) => m.body)).toEqual([envelope('a')]);
    expect(s.dlq.visible()).toHaveLength(22);
  });

  it('looks at no more messages than the count at the start, when more came since', async () => {
    // Prepare: the count says 2; a third message arrived after it was read.
    const s = scenario([envelope('a'), envelope('b'), envelope('c')], {
      depth: { visible: 2, inFlight: 0, delayed: 0 },
    });

    // Act
    const result = await s.run();

    // Assess
    expect(result).toMatchObject({ moved: 2, examined: 2, left: 0, stoppedBy: 'done' });
    expect(s.dlq.sent.map((m) => m.body)).toEqual([envelope('a'), envelope('b')]);
    expect(s.dlq.visible()).toEqual(['m2']);
  });

  it('ends when a receive brings only messages it has seen (their visibility ended)', async () => {
    // Prepare
    const s = scenario([envelope('x'), envelope('y')], {
      forgetsHiding: true,
      depth: { visible: 5, inFlight: 0, delayed: 0 },
    });
    await s.store.putQueued(record('x', 'RUNNING'));
    await s.store.putQueued(record('y', 'SUCCESSFUL'));

    // Act
    const result = await s.run();

    // Assess
    expect(s.dlq.receives).toHaveLength(2);
    expect(result).toMatchObject({ moved: 0, examined: 2, cameBack: 0, left: 3 });
    expect(result.skipped).toHaveLength(2);
    expect(s.dlq.released).toEqual(['m0', 'm1', 'm0', 'm1']);
  });
});

describe('redrive: its rate', () => {
  it('waits exactly the interval between sends while the clock stands still, and never without a rate', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    const paced = scenario([envelope('a'), envelope('b'), envelope('c')]);
    const unpaced = scenario([envelope('a'), envelope('b'), envelope('c')]);
    const zero = scenario([envelope('a'), envelope('b')]);

    // Act
    await paced.run({ ratePerSecond: 2 });
    await unpaced.run();
    await zero.run({ ratePerSecond: 0 });

    // Assess
    expect(paced.waits).toEqual([500, 500]);
    expect(unpaced.waits).toEqual([]);
    expect(zero.waits).toEqual([]);
  });

  it('sleeps by itself when no sleep is given', async () => {
    // Prepare
    const s = scenario([envelope('a'), envelope('b'), envelope('c')]);
    const { sleep: _, ...deps } = s.deps;

    // Act
    const started = performance.now();
    await redriveDeadLetters(deps, queue, { ratePerSecond: 20 });

    // Assess: two pauses of 50 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(s.dlq.sent).toHaveLength(3);
  });
});
