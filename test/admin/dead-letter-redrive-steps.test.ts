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
  const deps = {
    store,
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

  it('gives back the key it took for a job without a record', async () => {
    // Prepare
    const s = scenario([envelope('gone', 'report', { concurrencyKey: 'acct:1' })]);
    s.deps.transport = sendFails;

    // Act
    const redrive = s.run();

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(await s.store.get('gone')).toBeUndefined();
    expect(s.keys.holderOf('acct:1')).toBeUndefined();
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
