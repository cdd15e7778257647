import { describe, expect, it } from 'vitest';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { redriveDeadLetters } from '../../packages/lambda-jobs/src/runtime/admin/dead-letter-redrive.ts';
import { envelope, fakeDeadLetterQueue, queue, record } from './fake-dead-letter-queue.ts';

describe('redriveDeadLetters', () => {
  it('leaves RUNNING and SUCCESSFUL jobs in the DLQ, visible again, and resets the others', async () => {
    // Prepare
    const store = createMemoryJobStore();
    await store.putQueued(record('errored', 'ERRORED'));
    await store.putQueued(record('running', 'RUNNING'));
    await store.putQueued(record('done', 'SUCCESSFUL'));
    const dlq = fakeDeadLetterQueue([
      envelope('errored'),
      envelope('running'),
      envelope('done'),
      envelope('unknown'),
    ]);

    // Act
    const report = await redriveDeadLetters(
      {
        store,
        transport: dlq.transport,
        messages: dlq.admin,
        depth: dlq.depth,
        keys: createMemoryConcurrencyKeys(),
      },
      queue,
    );

    // Assess
    expect(report.jobIds).toEqual(['errored', 'unknown']);
    expect(report.skipped.map((s) => s.jobId)).toEqual(['running', 'done']);
    expect(dlq.remaining()).toEqual(['m1', 'm2']);
    expect(await dlq.admin.receive(queue.dlqUrl, 10, 30)).toHaveLength(2);
    expect((await store.get('errored'))!).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(dlq.sent.every((s) => s.url === queue.url)).toBe(true);
  });

  it('keeps to the rate: waits between sends', async () => {
    // Prepare
    const store = createMemoryJobStore();
    const dlq = fakeDeadLetterQueue([envelope('a'), envelope('b'), envelope('c')]);
    const waits: number[] = [];

    // Act
    await redriveDeadLetters(
      {
        store,
        transport: dlq.transport,
        keys: createMemoryConcurrencyKeys(),
        messages: dlq.admin,
        depth: dlq.depth,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
      queue,
      { ratePerSecond: 2 },
    );

    // Assess: three sends at 2/s need two pauses of up to 500 ms.
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms > 400 && ms <= 500)).toBe(true);
  });

  it('releases every held message and says how many moved when sending fails part-way', async () => {
    // Prepare
    const store = createMemoryJobStore();
    const dlq = fakeDeadLetterQueue([envelope('a'), envelope('b'), envelope('c')]);
    let sends = 0;
    const failingSecond = {
      async send(url: string, body: string) {
        if (++sends === 2) throw new Error('SQS is down');
        return dlq.transport.send(url, body);
      },
    };

    // Act
    const redrive = redriveDeadLetters(
      {
        store,
        transport: failingSecond,
        messages: dlq.admin,
        depth: dlq.depth,
        keys: createMemoryConcurrencyKeys(),
      },
      queue,
    );

    // Assess
    await expect(redrive).rejects.toThrow('stopped after moving 1 message(s): SQS is down');
    expect(dlq.remaining()).toEqual(['m1', 'm2']);
    expect(await dlq.admin.receive(queue.dlqUrl, 10, 30)).toHaveLength(2);
  });
});

describe('redriveDeadLetters: bounds', () => {
  it('takes no job twice when each one is back in the DLQ at once, and ends', async () => {
    // Prepare: three moved jobs, each failing again the moment it is sent.
    const store = createMemoryJobStore();
    const dlq = fakeDeadLetterQueue([envelope('a'), envelope('b'), envelope('c')]);

    // Act
    const report = await redriveDeadLetters(
      {
        store,
        transport: dlq.rejectingAtOnce,
        messages: dlq.admin,
        depth: dlq.depth,
        keys: createMemoryConcurrencyKeys(),
      },
      queue,
    );

    // Assess
    expect(dlq.sent).toHaveLength(3);
    expect(report).toMatchObject({ moved: 3, presentAtStart: 3, stoppedBy: 'done' });
    expect(dlq.remaining()).toHaveLength(3);
  });

  it('takes at most the default limit when none is given', async () => {
    // Prepare
    const store = createMemoryJobStore();
    const dlq = fakeDeadLetterQueue(Array.from({ length: 1005 }, (_, i) => envelope(`j${i}`)));

    // Act
    const report = await redriveDeadLetters(
      {
        store,
        transport: dlq.transport,
        messages: dlq.admin,
        depth: dlq.depth,
        keys: createMemoryConcurrencyKeys(),
      },
      queue,
    );

    // Assess
    expect(report).toMatchObject({ moved: 1000, stoppedBy: 'limit', left: 5 });
  });

  it('stops after the message in hand when its signal aborts, and releases the rest', async () => {
    // Prepare
    const store = createMemoryJobStore();
    const dlq = fakeDeadLetterQueue(Array.from({ length: 8 }, (_, i) => envelope(`s${i}`)));
    const controller = new AbortController();

    // Act
    const report = await redriveDeadLetters(
      {
        store,
        transport: dlq.transport,
        messages: dlq.admin,
        depth: dlq.depth,
        keys: createMemoryConcurrencyKeys(),
      },
      queue,
      { onProgress: (p) => p.moved === 3 && controller.abort(), signal: controller.signal },
    );

    // Assess
    expect(report).toMatchObject({ moved: 3, stoppedBy: 'signal', left: 5 });
    expect(await dlq.admin.receive(queue.dlqUrl, 10, 30)).toHaveLength(5);
  });

  it('keeps a job whose send failed dead-lettered on its record (CANCELLED), its message in the DLQ', async () => {
    // Prepare
    const store = createMemoryJobStore();
    await store.putQueued(record('lost-send', 'ERRORED'));
    await store.markDeadLettered('lost-send', new Date().toISOString());
    const dlq = fakeDeadLetterQueue([envelope('lost-send')]);
    const failing = {
      async send(): Promise<{ messageId: string }> {
        throw new Error('SQS is down');
      },
    };

    // Act
    const redrive = redriveDeadLetters(
      {
        store,
        transport: failing,
        messages: dlq.admin,
        depth: dlq.depth,
        keys: createMemoryConcurrencyKeys(),
      },
      queue,
    );

    // Assess
    await expect(redrive).rejects.toThrow('SQS is down');
    expect(await store.get('lost-send')).toMatchObject({
      status: 'CANCELLED',
      deadLetteredAt: expect.any(String),
    });
    expect(dlq.remaining()).toEqual(['m0']);
  });
});
