import { beforeAll, describe, expect, it } from 'vitest';
import { JobMessageNotKeptError } from '../../packages/lambda-jobs/src/runtime/admin/admin-errors.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import {
  JobNotFoundError,
  JobStateConflictError,
  PayloadValidationError,
  UnknownQueueError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { type AdminScenario, broken, startAdminScenario } from './admin-test-kit.ts';

describe('jobs admin: queues, lists, retry and cancel', () => {
  let s: AdminScenario;
  let succeededId: string;
  let erroredId: string;
  let slowId: string;

  beforeAll(async () => {
    s = await startAdminScenario();
    succeededId = (await s.admin.enqueue('echo', { n: 2 }))!;
    broken.add('retry-me');
    erroredId = (await s.admin.enqueue('switchable', { label: 'retry-me' }))!;
    await s.drain();
    slowId = (await s.admin.enqueue('echo', { n: 3 }, { queue: 'slow' }))!;
    await s.admin.enqueue('echo', { n: 4 }, { queue: 'slow' });
  });

  it('shows each queue with depth, DLQ depth, oldest age and backlog level', async () => {
    // Act
    const queues = await s.admin.queues();

    // Assess
    const slow = queues.find((q) => q.name === 'slow')!;
    const main = queues.find((q) => q.name === 'default')!;
    expect(slow).toMatchObject({
      visible: 2,
      inFlight: 0,
      delayed: 0,
      backlog: 2,
      level: 'warning',
    });
    expect(slow.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(main).toMatchObject({ backlog: 0, dlqDepth: 1, level: 'ok' });
  });

  it('lists jobs narrowed by status, type and queue', async () => {
    // Act
    const errored = await s.admin.listJobs({ status: 'ERRORED' });
    const echoes = await s.admin.listJobs({ type: 'echo' });
    const slow = await s.admin.listJobs({ queue: 'slow' });

    // Assess
    expect(errored.items.map((r) => r.id)).toEqual([erroredId]);
    expect(echoes.items.map((r) => r.id).sort()).toHaveLength(3);
    expect(echoes.items.every((r) => r.type === 'echo')).toBe(true);
    expect(slow.items).toHaveLength(2);
    expect(slow.items.every((r) => r.queue === 'slow' && r.status === 'QUEUED')).toBe(true);
  });

  it('shows an errored job with its attempts and error, and refuses unknown ids and queues', async () => {
    // Act
    const record = await s.admin.getJob(erroredId);

    // Assess
    expect(record).toMatchObject({ status: 'ERRORED', attempts: 1, type: 'switchable' });
    expect(record.error?.message).toBe('broken: retry-me');
    expect(record.error?.stack).toContain('UnrecoverableJobError');
    await expect(s.admin.getJob('no-such-job')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(s.admin.listJobs({ queue: 'nope' })).rejects.toBeInstanceOf(UnknownQueueError);
  });

  it('retries an errored job: same id, run again, now successful', async () => {
    // Prepare
    broken.delete('retry-me');

    // Act
    const requeued = await s.admin.retryJob(erroredId);
    await s.drain();

    // Assess
    expect(requeued).toMatchObject({ id: erroredId, status: 'QUEUED', attempts: 0 });
    expect(await s.admin.getJob(erroredId)).toMatchObject({
      status: 'SUCCESSFUL',
      attempts: 1,
      output: 'fixed: retry-me',
    });
    await expect(s.admin.retryJob(succeededId)).rejects.toBeInstanceOf(JobStateConflictError);
  });

  it('cancels a waiting job once, and refuses to cancel it again', async () => {
    // Act
    const cancelled = await s.admin.cancelJob(slowId);
    const again = s.admin.cancelJob(slowId);

    // Assess
    expect(cancelled).toMatchObject({ id: slowId, status: 'CANCELLED' });
    await expect(again).rejects.toMatchObject({
      name: 'JobStateConflictError',
      currentStatus: 'CANCELLED',
    });
  });

  it('refuses a bad payload naming the field, before sending anything', async () => {
    // Act
    const bad = s.admin.enqueue('echo', { n: 'two' });

    // Assess
    await expect(bad).rejects.toBeInstanceOf(PayloadValidationError);
    await expect(bad).rejects.toMatchObject({ field: 'payload.n' });
  });
});

describe('jobs admin: dead-letter queue', () => {
  let s: AdminScenario;
  let poison: string[];
  let fixable: string;
  let leftover: string;

  beforeAll(async () => {
    s = await startAdminScenario();
    poison = [
      (await s.admin.enqueue('unrecoverable', {}))!,
      (await s.admin.enqueue('unrecoverable', {}))!,
    ];
    broken.add('dlq');
    fixable = (await s.admin.enqueue('switchable', { label: 'dlq' }))!;
    leftover = (await s.admin.enqueue('echo', { n: 1 }))!;
    await s.sendRaw(s.queues.default!.url, 'not json at all');
    await s.drain();
    // A stray copy of a job that already succeeded.
    await s.sendRaw(
      s.queues.default!.dlqUrl,
      serializeEnvelope({
        version: ENVELOPE_VERSION,
        id: leftover,
        type: 'echo',
        queue: 'default',
        payload: { n: 1 },
        enqueuedAt: new Date().toISOString(),
      }),
    );
  });

  it('lists dead letters from their records, with SQS counting all five', async () => {
    // Act
    const listing = await s.admin.dlqList('default');

    // Assess: the leftover copy has no dead-lettered record; the malformed body's record is `msg-…`.
    expect(listing.depth.visible).toBe(5);
    expect(listing.letters).toHaveLength(4);
    expect(listing.letters.map((l) => l.jobId)).toEqual(
      expect.arrayContaining([...poison, fixable]),
    );
    expect(listing.letters.find((l) => l.jobId.startsWith('msg-'))?.error).toMatchObject({
      name: 'MalformedEnvelopeError',
    });
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(5);
  });

  it('moves nothing in a dry run, but says what would move', async () => {
    // Act
    const result = await s.admin.dlqRedrive('default', { dryRun: true, type: 'unrecoverable' });

    // Assess
    expect(result).toMatchObject({ moved: 0, matched: 2 });
    expect([...result.jobIds].sort()).toEqual([...poison].sort());
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(5);
  });

  it('redrives by type and limit, keeping the job id and resetting its record', async () => {
    // Prepare
    const progress: number[] = [];

    // Act
    const result = await s.admin.dlqRedrive('default', {
      type: 'unrecoverable',
      limit: 1,
      onProgress: (p) => progress.push(p.moved),
    });

    // Assess
    expect(result).toMatchObject({ moved: 1, method: 'receive-send-delete' });
    const [movedId] = result.jobIds;
    expect(poison).toContain(movedId);
    expect(progress).toEqual([1]);
    expect(await s.admin.getJob(movedId!)).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(4);
    expect(await s.depth(s.queues.default!.url)).toBe(1);
  });

  it('redrives the rest, skipping the malformed body (it cannot run) and finished jobs', async () => {
    // Prepare
    broken.delete('dlq');

    // Act
    const result = await s.admin.dlqRedrive('default');
    await s.drain();

    // Assess
    expect(result.moved).toBe(2);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ jobId: leftover, reason: expect.stringContaining('SUCCESSFUL') }),
        expect.objectContaining({
          jobId: undefined,
          reason: expect.stringContaining('cannot run: not a job envelope'),
        }),
      ]),
    );
    expect(result.skipped).toHaveLength(2);
    expect(await s.admin.getJob(fixable)).toMatchObject({ status: 'SUCCESSFUL' });
    // Poison messages are back in the DLQ, next to the malformed body and the leftover copy.
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(4);
  });

  it('purges the DLQ and says how many messages it removed', async () => {
    // Act
    const result = await s.admin.dlqPurge('default');

    // Assess
    expect(result.purged).toBe(4);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(0);
  });

  it('refuses to retry a job whose message was not kept, pointing at the DLQ', async () => {
    // Prepare: a rejected oversized message leaves an ERRORED record without the envelope.
    const id = 'too-big-1';
    await s.sendRaw(
      s.queues.default!.url,
      JSON.stringify({ version: 2, id, type: 'echo', queue: 'default', pad: 'x'.repeat(70_000) }),
    );
    await s.drain();

    // Act
    const retry = s.admin.retryJob(id);

    // Assess
    await expect(retry).rejects.toBeInstanceOf(JobMessageNotKeptError);
    await expect(retry).rejects.toThrow(/dlq redrive default/);
  });
});
