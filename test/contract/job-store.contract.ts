import { beforeEach, describe, expect, it } from 'vitest';
import {
  JobInputError,
  JobNotFoundError,
  JobStateConflictError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { listedRecord } from '../../packages/lambda-jobs/src/runtime/listed-record.ts';
import type { JobStore } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import {
  type IndexShardsOf,
  statusShardOf,
} from '../../packages/lambda-jobs/src/runtime/status-index-shard.ts';
import {
  at,
  CONTRACT_RETENTION_SECONDS,
  claimRequest,
  failure,
  keptUntil,
  queuedRecord,
  recordIn,
  rejectedRecord,
  unique,
} from './job-store-fixtures.ts';

/** What every store under the contract is built with. */
export interface ContractStoreSettings {
  /** Seconds a record is kept after its last write: `expiresAt` = `updatedAt` + this. */
  readonly retentionSeconds: number;
  /** Statuses kept but not listed (tracking `minimal`); none when absent. */
  readonly unlistedStatuses?: readonly JobStatus[];
  /** Write shards of the status index per queue; the store's default when absent. */
  readonly indexShards?: IndexShardsOf;
}

const { QUEUED, RUNNING, RETRYING, DEFERRED, SUCCESSFUL, ERRORED, LOST, CANCELLED } = JobStatus;
const NOT_CLAIMABLE = [RUNNING, SUCCESSFUL, ERRORED, LOST, CANCELLED] as const;
const NOT_REOPENABLE = [QUEUED, RUNNING, RETRYING, DEFERRED, SUCCESSFUL] as const;

/** Rejects with `type`; returns the error for further checks. */
async function refusal<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

/**
 * The behaviour every {@link JobStore} adapter must have, one `it` per behaviour of the port
 * (`runtime/ports.ts`). `makeStore` is called before each test; tests use their own ids and
 * queue names, so one table may serve them all. `writeAsProducer` writes a record as a
 * producer's unconditional PutItem can: only the QUEUED record's attribute names, any values.
 *
 * @example
 * ```ts
 * describeJobStoreContract('memory', async (s) => createMemoryJobStore(s), forge);
 * ```
 */
export function describeJobStoreContract(
  name: string,
  makeStore: (settings: ContractStoreSettings) => Promise<JobStore>,
  writeAsProducer: (store: JobStore, record: JobRecord) => Promise<void>,
): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    let queue: string;
    let id: string;

    beforeEach(async () => {
      store = await makeStore({ retentionSeconds: CONTRACT_RETENTION_SECONDS });
      queue = unique('queue');
      id = unique('job');
    });

    /** A RUNNING attempt 1 of `jobId`, claimed with `claimToken`, as its claim returned it. */
    async function claimedWith(jobId: string, claimToken: string): Promise<JobRecord> {
      const outcome = await store.claim(claimRequest(jobId, queue, { claimToken }));
      if (outcome.kind !== 'claimed') throw new Error(`claim of ${jobId} refused`);
      return outcome.record;
    }

    describe('putQueued', () => {
      it('writes the QUEUED record, kept for the retention period from updatedAt', async () => {
        // Prepare
        const record = queuedRecord(id, queue, { concurrencyKey: 'account:1', retryAt: at(60) });

        // Act
        await store.putQueued(record);

        // Assess
        expect(await store.get(id)).toEqual({ ...record, expiresAt: keptUntil(at(0)) });
      });

      it('refuses an id that exists with JobStateConflictError, leaving the record as it was', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const error = await refusal(
          store.putQueued(queuedRecord(id, queue)),
          JobStateConflictError,
        );

        // Assess
        // A producer's write reads nothing back (no ReturnValues), so the status is unknown.
        expect(error.jobId).toBe(id);
        expect(await store.get(id)).toEqual(running);
      });

      it('lists the record under QUEUED', async () => {
        // Prepare
        const record = queuedRecord(id, queue);

        // Act
        await store.putQueued(record);

        // Assess
        const page = await store.list({ queue, status: QUEUED });
        expect(page.items).toEqual([listedRecord({ ...record, expiresAt: keptUntil(at(0)) })]);
      });
    });

    // A first delivery tries the whole-record claim first (DynamoDB: PutItem); a later one goes
    // straight to the update. Both must give the same outcomes.
    describe.each([
      ['first delivery', true],
      ['later delivery', false],
    ])('claim (%s)', (_, firstDelivery) => {
      it('creates a RUNNING record when none exists: attempt 1, wait from enqueuedAt, envelope kept', async () => {
        // Prepare
        const request = claimRequest(id, queue, {
          firstDelivery,
          concurrencyKey: 'account:1',
          claimToken: 'token-1',
        });

        // Act
        const outcome = await store.claim(request);

        // Assess
        const expected: JobRecord = {
          id,
          type: 'report',
          queue,
          status: RUNNING,
          attempts: 1,
          maxAttempts: 3,
          enqueuedAt: at(0),
          waitMs: 10_000,
          startedAt: at(10),
          leaseExpiresAt: at(70),
          updatedAt: at(10),
          envelope: request.envelope,
          concurrencyKey: 'account:1',
          messageId: 'message-1',
          claimToken: 'token-1',
          expiresAt: keptUntil(at(10)),
        };
        expect(outcome).toEqual({ kind: 'claimed', record: expected });
        expect(await store.get(id)).toEqual(expected);
      });

      it('claims a QUEUED record: attempt 1, the record’s enqueuedAt kept, its retryAt removed', async () => {
        // Prepare
        await store.putQueued(queuedRecord(id, queue, { retryAt: at(5), enqueuedAt: at(-5) }));

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            enqueuedAt: at(-5),
          }),
        );

        // Assess
        expect(outcome.kind).toBe('claimed');
        const record = await store.get(id);
        expect(record).toMatchObject({
          status: RUNNING,
          attempts: 1,
          enqueuedAt: at(-5),
          waitMs: 15_000,
          startedAt: at(10),
          leaseExpiresAt: at(70),
          updatedAt: at(10),
          expiresAt: keptUntil(at(10)),
        });
        expect(record?.retryAt).toBeUndefined();
      });

      it('trusts nothing of the QUEUED record a producer wrote: enqueuedAt and key come from the delivery', async () => {
        // Prepare
        await store.putQueued(
          queuedRecord(id, queue, { enqueuedAt: at(-5), concurrencyKey: 'account:1' }),
        );

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, { firstDelivery, enqueuedAt: at(-3) }),
        );

        // Assess
        expect(outcome.kind).toBe('claimed');
        const record = await store.get(id);
        expect(record).toMatchObject({ status: RUNNING, attempts: 1, enqueuedAt: at(-3) });
        expect(record?.concurrencyKey).toBeUndefined();
      });

      it('claims a requeued record that ran before as attempt 1, keeping its first wait', async () => {
        // Prepare
        await recordIn(store, ERRORED, id, queue);
        await store.requeue(id, at(30));

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, { firstDelivery, now: at(40), leaseExpiresAt: at(100) }),
        );

        // Assess
        expect(outcome.kind).toBe('claimed');
        expect(await store.get(id)).toMatchObject({
          status: RUNNING,
          attempts: 1,
          waitMs: 10_000,
          startedAt: at(40),
        });
      });

      it('claims a RETRYING record as the next attempt, keeping the first wait and the last error', async () => {
        // Prepare
        await recordIn(store, RETRYING, id, queue);

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            now: at(50),
            leaseExpiresAt: at(110),
            messageId: 'message-2',
          }),
        );

        // Assess
        expect(outcome.kind).toBe('claimed');
        const record = await store.get(id);
        expect(record).toMatchObject({
          status: RUNNING,
          attempts: 2,
          waitMs: 10_000,
          startedAt: at(50),
          leaseExpiresAt: at(110),
          messageId: 'message-2',
          error: failure,
          updatedAt: at(50),
          expiresAt: keptUntil(at(50)),
        });
        expect(record?.retryAt).toBeUndefined();
      });

      it('claims a DEFERRED record, counting the attempt the deferral gave back', async () => {
        // Prepare
        await recordIn(store, DEFERRED, id, queue);

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            now: at(80),
          }),
        );

        // Assess
        expect(outcome.kind).toBe('claimed');
        expect(await store.get(id)).toMatchObject({ status: RUNNING, attempts: 1, deferrals: 1 });
      });

      it.each([
        [RETRYING, at(40)],
        [DEFERRED, at(80)],
      ])(
        'refuses a %s record before its retryAt (dueBy), and claims it once due',
        async (status, retryAt) => {
          // Prepare
          const before = await recordIn(store, status, id, queue);
          expect(before.retryAt).toBe(retryAt);
          const early = new Date(Date.parse(retryAt) - 1000).toISOString();

          // Act
          const refused = await store.claim(
            claimRequest(id, queue, { firstDelivery, now: early, dueBy: early }),
          );
          const claimed = await store.claim(
            claimRequest(id, queue, { firstDelivery, now: retryAt, dueBy: retryAt }),
          );

          // Assess
          expect(refused).toEqual({ kind: 'conflict', current: before });
          expect(claimed.kind).toBe('claimed');
          expect(await store.get(id)).toMatchObject({ status: RUNNING });
        },
      );

      it('claims a delayed QUEUED record before its retryAt: its producer delayed the message, on its own clock', async () => {
        // Prepare
        await store.putQueued(queuedRecord(id, queue, { retryAt: at(600) }));

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, { firstDelivery, now: at(590), dueBy: at(590) }),
        );

        // Assess
        expect(outcome.kind).toBe('claimed');
      });

      it.each(NOT_CLAIMABLE)(
        'refuses a %s record: a conflict carrying the record as it stands',
        async (status) => {
          // Prepare
          const before = await recordIn(store, status, id, queue);

          // Act
          const outcome = await store.claim(
            claimRequest(id, queue, {
              firstDelivery,
              now: at(300),
              leaseExpiresAt: at(360),
            }),
          );

          // Assess
          expect(outcome).toEqual({ kind: 'conflict', current: before });
          expect(await store.get(id)).toEqual(before);
        },
      );

      it('recognises a retried claim by its token: the earlier try won, and the record is ours', async () => {
        // Prepare
        const first = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            claimToken: 'token-1',
          }),
        );

        // Act: the same delivery retries after the first response was lost.
        const retried = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            claimToken: 'token-1',
            now: at(11),
            leaseExpiresAt: at(71),
          }),
        );

        // Assess
        expect(first.kind).toBe('claimed');
        expect(retried).toEqual(first);
        expect(await store.get(id)).toMatchObject({ attempts: 1, startedAt: at(10) });
      });

      it('refuses a RUNNING record claimed under another token', async () => {
        // Prepare
        await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            claimToken: 'token-1',
          }),
        );

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            claimToken: 'token-2',
          }),
        );

        // Assess
        expect(outcome).toMatchObject({
          kind: 'conflict',
          current: { status: RUNNING, claimToken: 'token-1', attempts: 1 },
        });
      });

      it('matches a token only while the record is RUNNING', async () => {
        // Prepare
        const claimed = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            claimToken: 'token-1',
          }),
        );
        if (claimed.kind !== 'claimed') throw new Error('claim refused');
        const finished = await store.finishAttempt(
          claimed.record,
          { status: SUCCESSFUL, durationMs: 1 },
          at(20),
        );

        // Act
        const outcome = await store.claim(
          claimRequest(id, queue, {
            firstDelivery,
            claimToken: 'token-1',
          }),
        );

        // Assess
        expect(outcome).toEqual({ kind: 'conflict', current: finished });
      });

      it.each([
        ['no record', false],
        ['a QUEUED record', true],
      ])('lets exactly one of two concurrent claims of %s win', async (_, queued) => {
        // Prepare
        if (queued) await store.putQueued(queuedRecord(id, queue));

        // Act
        const outcomes = await Promise.all([
          store.claim(
            claimRequest(id, queue, {
              firstDelivery,
              messageId: 'message-a',
              claimToken: 'token-a',
            }),
          ),
          store.claim(
            claimRequest(id, queue, {
              firstDelivery,
              messageId: 'message-b',
              claimToken: 'token-b',
            }),
          ),
        ]);

        // Assess
        const won = outcomes.filter((o) => o.kind === 'claimed');
        const lost = outcomes.filter((o) => o.kind === 'conflict');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]).toMatchObject({ current: { status: RUNNING, attempts: 1 } });
        expect(await store.get(id)).toMatchObject({ attempts: 1 });
      });
    });

    // A producer may PutItem any `JOB#` item with the QUEUED record's attribute names, whatever
    // their values and without a condition (IAM checks neither). The worker's records carry an
    // attribute producers cannot write; a record without it is trusted for nothing.
    describe('a record a producer wrote in place of the worker’s', () => {
      const forged = (status: JobStatus, overrides: Partial<JobRecord> = {}): JobRecord => ({
        id,
        type: 'forged-type',
        queue: 'forged-queue',
        status,
        attempts: 1,
        maxAttempts: 1,
        enqueuedAt: at(-500),
        updatedAt: at(-400),
        concurrencyKey: 'forged-key',
        envelope: '{"forged":true}',
        expiresAt: 4_102_444_800,
        ...overrides,
      });

      describe.each([
        ['first delivery', true],
        ['later delivery', false],
      ])('claim (%s)', (_, firstDelivery) => {
        it.each([SUCCESSFUL, ERRORED, LOST, CANCELLED, RUNNING, DEFERRED, QUEUED])(
          'claims over a forged %s record, building the record from the delivery alone',
          async (status) => {
            // Prepare
            await writeAsProducer(store, forged(status));
            const request = claimRequest(id, queue, { firstDelivery, claimToken: 'token-1' });

            // Act
            const outcome = await store.claim(request);

            // Assess: exactly what a claim with no record at all writes.
            const expected: JobRecord = {
              id,
              type: 'report',
              queue,
              status: RUNNING,
              attempts: 1,
              maxAttempts: 3,
              enqueuedAt: at(0),
              waitMs: 10_000,
              startedAt: at(10),
              leaseExpiresAt: at(70),
              updatedAt: at(10),
              envelope: request.envelope,
              messageId: 'message-1',
              claimToken: 'token-1',
              expiresAt: keptUntil(at(10)),
            };
            expect(outcome).toEqual({ kind: 'claimed', record: expected });
            expect(await store.get(id)).toEqual(expected);
          },
        );
      });

      it('refuses the running attempt’s outcome once a producer overwrote its record; the next delivery ends it truthfully', async () => {
        // Prepare: the forgery matches the attempt's status and number, the strongest it can.
        const running = await recordIn(store, RUNNING, id, queue);
        await writeAsProducer(store, forged(RUNNING, { type: 'report', queue }));

        // Act
        const refused = await refusal(
          store.finishAttempt(running, { status: SUCCESSFUL, durationMs: 5 }, at(20)),
          JobStateConflictError,
        );
        const again = await store.claim(
          claimRequest(id, queue, { firstDelivery: false, now: at(30), leaseExpiresAt: at(90) }),
        );
        if (again.kind !== 'claimed') throw new Error('the next delivery was refused');
        const finished = await store.finishAttempt(
          again.record,
          { status: SUCCESSFUL, durationMs: 5 },
          at(35),
        );

        // Assess
        expect(refused.currentStatus).toBe(RUNNING);
        expect(finished).toMatchObject({
          status: SUCCESSFUL,
          type: 'report',
          queue,
          attempts: 1,
          enqueuedAt: at(0),
          endedAt: at(35),
        });
        expect(finished.concurrencyKey).toBeUndefined();
        expect(await store.get(id)).toEqual(finished);
      });

      it('is never rescued as LOST: markLost takes only the worker’s RUNNING records', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);
        await writeAsProducer(store, forged(RUNNING, { type: 'report', queue }));

        // Act
        const lost = await store.markLost(running, at(140), at(200));

        // Assess
        expect(lost).toBeNull();
        expect((await store.get(id))?.status).toBe(RUNNING);
      });

      it('is replaced by a rejected message’s ERRORED record, even when it says SUCCESSFUL', async () => {
        // Prepare
        await writeAsProducer(store, forged(SUCCESSFUL));
        const record = rejectedRecord(id, queue);

        // Act
        await store.recordRejected(record, at(5));

        // Assess
        expect(await store.get(id)).toEqual({ ...record, expiresAt: keptUntil(at(5)) });
      });
    });

    describe('finishAttempt', () => {
      it('SUCCESSFUL keeps the output and removes the lease, the last error and retryAt', async () => {
        // Prepare
        await recordIn(store, RETRYING, id, queue);
        const outcome = await store.claim(
          claimRequest(id, queue, { now: at(50), leaseExpiresAt: at(110) }),
        );
        if (outcome.kind !== 'claimed') throw new Error('claim refused');
        const output = { sent: [1, 2], to: { name: 'ops', cc: null }, ok: true };

        // Act
        const record = await store.finishAttempt(
          outcome.record,
          { status: SUCCESSFUL, durationMs: 1234, output },
          at(60),
        );

        // Assess
        const { leaseExpiresAt: _lease, error: _error, ...kept } = outcome.record;
        const expected: JobRecord = {
          ...kept,
          status: SUCCESSFUL,
          output,
          durationMs: 1234,
          endedAt: at(60),
          updatedAt: at(60),
          expiresAt: keptUntil(at(60)),
          attemptHistory: [
            {
              attempt: 1,
              startedAt: at(10),
              endedAt: at(20),
              durationMs: 10_000,
              outcome: RETRYING,
              errorName: 'Error',
              errorMessage: 'boom',
            },
            {
              attempt: 2,
              startedAt: at(50),
              endedAt: at(60),
              durationMs: 1234,
              outcome: SUCCESSFUL,
            },
          ],
        };
        expect(outcome.record.error).toEqual(failure);
        expect(record).toEqual(expected);
        expect(await store.get(id)).toEqual(expected);
      });

      it('SUCCESSFUL with an output too large to keep notes outputTruncated', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const record = await store.finishAttempt(
          running,
          { status: SUCCESSFUL, durationMs: 5, outputTruncated: true },
          at(20),
        );

        // Assess
        expect(record.outputTruncated).toBe(true);
        expect(record.output).toBeUndefined();
      });

      it('DEFERRED gives the attempt back, counts the deferral and keeps when and why', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const first = await store.finishAttempt(
          running,
          { status: DEFERRED, durationMs: 7, retryAt: at(80), reason: 'not ready' },
          at(20),
        );
        const again = await store.claim(
          claimRequest(id, queue, { now: at(80), leaseExpiresAt: at(140) }),
        );
        if (again.kind !== 'claimed') throw new Error('claim refused');
        const second = await store.finishAttempt(
          again.record,
          { status: DEFERRED, durationMs: 7, retryAt: at(150), reason: 'still not ready' },
          at(90),
        );

        // Assess
        expect(first).toMatchObject({
          status: DEFERRED,
          attempts: 0,
          deferrals: 1,
          retryAt: at(80),
          deferReason: 'not ready',
          durationMs: 7,
          endedAt: at(20),
          updatedAt: at(20),
          expiresAt: keptUntil(at(20)),
        });
        expect(first.leaseExpiresAt).toBeUndefined();
        expect(second).toMatchObject({ attempts: 0, deferrals: 2, deferReason: 'still not ready' });
      });

      it('RETRYING keeps the error and when to retry, and removes the lease', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const record = await store.finishAttempt(
          running,
          { status: RETRYING, durationMs: 9, error: failure, retryAt: at(40) },
          at(20),
        );

        // Assess
        const { leaseExpiresAt: _lease, ...rest } = running;
        expect(record).toEqual({
          ...rest,
          status: RETRYING,
          attempts: 1,
          error: failure,
          retryAt: at(40),
          durationMs: 9,
          endedAt: at(20),
          updatedAt: at(20),
          expiresAt: keptUntil(at(20)),
          attemptHistory: [
            {
              attempt: 1,
              startedAt: at(10),
              endedAt: at(20),
              durationMs: 9,
              outcome: RETRYING,
              errorName: 'Error',
              errorMessage: 'boom',
            },
          ],
        });
      });

      it('ERRORED keeps the error (name, message, stack) and removes the lease', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const record = await store.finishAttempt(
          running,
          { status: ERRORED, durationMs: 9, error: failure },
          at(20),
        );

        // Assess
        const { leaseExpiresAt: _lease, ...rest } = running;
        expect(record).toEqual({
          ...rest,
          status: ERRORED,
          error: failure,
          durationMs: 9,
          endedAt: at(20),
          updatedAt: at(20),
          expiresAt: keptUntil(at(20)),
          attemptHistory: [
            {
              attempt: 1,
              startedAt: at(10),
              endedAt: at(20),
              durationMs: 9,
              outcome: ERRORED,
              errorName: 'Error',
              errorMessage: 'boom',
            },
          ],
        });
        expect(await store.get(id)).toEqual(record);
      });

      it.each([
        [SUCCESSFUL, { status: SUCCESSFUL, durationMs: 3, output: { sent: 1 } }],
        [ERRORED, { status: ERRORED, durationMs: 3, error: failure }],
        [RETRYING, { status: RETRYING, durationMs: 3, error: failure, retryAt: at(40) }],
        [DEFERRED, { status: DEFERRED, durationMs: 3, retryAt: at(80), reason: 'not ready' }],
      ] as const)(
        'recognises a repeated %s write that was already applied and returns the record',
        async (_, result) => {
          // Prepare
          const running = await recordIn(store, RUNNING, id, queue);
          const first = await store.finishAttempt(running, result, at(20));

          // Act: the same write again, after its first response was lost.
          const repeated = await store.finishAttempt(running, result, at(20));

          // Assess
          expect(repeated).toEqual(first);
          expect(await store.get(id)).toEqual(first);
        },
      );

      it('refuses the same outcome written at another instant: not a repeat', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);
        const first = await store.finishAttempt(
          running,
          { status: SUCCESSFUL, durationMs: 3 },
          at(20),
        );

        // Act
        const error = await refusal(
          store.finishAttempt(running, { status: SUCCESSFUL, durationMs: 3 }, at(21)),
          JobStateConflictError,
        );

        // Assess
        expect(error.currentStatus).toBe(SUCCESSFUL);
        expect(await store.get(id)).toEqual(first);
      });

      it('refuses a stale attempt number with JobStateConflictError, changing nothing', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const error = await refusal(
          store.finishAttempt(
            { ...running, attempts: 2 },
            { status: SUCCESSFUL, durationMs: 1 },
            at(20),
          ),
          JobStateConflictError,
        );

        // Assess
        expect(error).toMatchObject({ jobId: id, currentStatus: RUNNING });
        expect(await store.get(id)).toEqual(running);
      });

      it('refuses an attempt whose job was requeued and claimed again: same attempt count, another claim token', async () => {
        // Prepare
        const first = await claimedWith(id, 'first');
        await store.markLost(first, at(130), at(190));
        await store.requeue(id, at(200));
        await store.claim(claimRequest(id, queue, { now: at(210), claimToken: 'second' }));
        const second = await store.get(id);

        // Act
        const error = await refusal(
          store.finishAttempt(first, { status: SUCCESSFUL, durationMs: 1 }, at(220)),
          JobStateConflictError,
        );

        // Assess
        expect(second).toMatchObject({ status: RUNNING, attempts: 1, claimToken: 'second' });
        expect(error.currentStatus).toBe(RUNNING);
        expect(await store.get(id)).toEqual(second);
      });

      it('refuses an attempt whose record is no longer RUNNING (rescued as LOST)', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);
        await store.markLost(running, at(140), at(200));

        // Act
        const error = await refusal(
          store.finishAttempt(running, { status: SUCCESSFUL, durationMs: 1 }, at(210)),
          JobStateConflictError,
        );

        // Assess
        expect(error.currentStatus).toBe(LOST);
        expect(await store.get(id)).toMatchObject({ status: LOST });
      });

      it('refuses an unknown id with JobNotFoundError', async () => {
        // Act
        const error = await refusal(
          store.finishAttempt(
            { id, queue, attempts: 1 },
            { status: ERRORED, durationMs: 1, error: failure },
            at(20),
          ),
          JobNotFoundError,
        );

        // Assess
        expect(error.jobId).toBe(id);
        expect(await store.get(id)).toBeUndefined();
      });
    });

    describe('recordSuccesses', () => {
      it('leaves each record exactly as finishAttempt SUCCESSFUL would, and lists it', async () => {
        // Prepare: two jobs claimed alike (one after a failed attempt); one finished each way.
        const ids = [id, unique('job'), unique('job')] as const;
        const claimed: JobRecord[] = [];
        for (const each of ids) {
          await recordIn(store, RETRYING, each, queue);
          const outcome = await store.claim(
            claimRequest(each, queue, { now: at(50), leaseExpiresAt: at(110) }),
          );
          if (outcome.kind !== 'claimed') throw new Error('claim refused');
          claimed.push(outcome.record);
        }
        const output = { sent: [1, 2], ok: true };
        const result = { status: SUCCESSFUL, durationMs: 1234, output } as const;
        const oneByOne = await store.finishAttempt(claimed[0]!, result, at(60));

        // Act
        const outcomes = await store.recordSuccesses([
          { claimed: claimed[1]!, result, now: at(60) },
          { claimed: claimed[2]!, result: { ...result, output: undefined }, now: at(61) },
        ]);

        // Assess
        expect(outcomes).toEqual([{ kind: 'written' }, { kind: 'written' }]);
        // Only what names the job or its delivery differs between the two jobs.
        const apartFromIdentity = (record: JobRecord | undefined) => {
          if (!record) throw new Error('record missing');
          const { id: _id, envelope: _envelope, claimToken: _token, ...rest } = record;
          return rest;
        };
        expect(apartFromIdentity(await store.get(ids[1]))).toEqual(apartFromIdentity(oneByOne));
        expect(await store.get(ids[1])).toMatchObject({
          id: ids[1],
          envelope: claimed[1]!.envelope,
        });
        const second = await store.get(ids[2]);
        expect(second).toMatchObject({ status: SUCCESSFUL, endedAt: at(61), durationMs: 1234 });
        expect(second?.output).toBeUndefined();
        expect(second?.leaseExpiresAt).toBeUndefined();
        expect(second?.error).toBeUndefined();
        expect(second?.expiresAt).toBe(keptUntil(at(61)));
        const listed = await store.list({ queue, status: SUCCESSFUL });
        expect(listed.items.map((r) => r.id).sort()).toEqual([...ids].sort());
        expect((await store.list({ queue, status: RUNNING })).items).toEqual([]);
      });

      it('keeps the progress an attempt recorded, whether after its claim or before', async () => {
        // Prepare: one attempt reports progress after the claim was read; the other's claimed
        // record already holds the progress it reported.
        const laterId = unique('job');
        const later = await recordIn(store, RUNNING, laterId, queue);
        const earlier = await recordIn(store, RUNNING, id, queue);
        const progress = (fraction: number) => ({ fraction, at: at(15), attempt: 1 });
        await store.recordProgress(later, progress(0.5));
        await store.recordProgress(earlier, progress(0.25));
        const readBack = await store.get(id);
        const result = { status: SUCCESSFUL, durationMs: 3 } as const;

        // Act
        const outcomes = await store.recordSuccesses([
          { claimed: later, result, now: at(20) },
          { claimed: readBack!, result, now: at(20) },
        ]);

        // Assess
        expect(outcomes).toEqual([{ kind: 'written' }, { kind: 'written' }]);
        expect(await store.get(laterId)).toMatchObject({
          status: SUCCESSFUL,
          progress: progress(0.5),
        });
        expect(await store.get(id)).toMatchObject({ status: SUCCESSFUL, progress: progress(0.25) });
      });

      it('writes more than one request holds (25), answering each as written', async () => {
        // Prepare
        const running = await Promise.all(
          Array.from({ length: 30 }, () => recordIn(store, RUNNING, unique('job'), queue)),
        );

        // Act
        const outcomes = await store.recordSuccesses(
          running.map((claimed) => ({
            claimed,
            result: { status: SUCCESSFUL, durationMs: 3 },
            now: at(20),
          })),
        );

        // Assess
        expect(outcomes).toEqual(running.map(() => ({ kind: 'written' })));
        const records = await Promise.all(running.map((r) => store.get(r.id)));
        expect(records.map((r) => r?.status)).toEqual(running.map(() => SUCCESSFUL));
      });

      it('writes an id named twice once, and answers the repeat as unwritten for the conditional way', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);
        const otherId = unique('job');
        const other = await recordIn(store, RUNNING, otherId, queue);
        const result = { status: SUCCESSFUL, durationMs: 3 } as const;

        // Act
        const outcomes = await store.recordSuccesses([
          { claimed: running, result, now: at(20) },
          { claimed: other, result, now: at(20) },
          { claimed: running, result, now: at(21) },
        ]);

        // Assess
        expect(outcomes).toEqual([
          { kind: 'written' },
          { kind: 'written' },
          { kind: 'unwritten', reason: expect.any(String) },
        ]);
        expect(await store.get(id)).toMatchObject({ status: SUCCESSFUL, endedAt: at(20) });
        expect(await store.get(otherId)).toMatchObject({ status: SUCCESSFUL });
      });

      it.each([
        [
          'marked LOST by the rescue',
          async (running: JobRecord) => {
            await store.markLost(running, at(130), at(190));
          },
          LOST,
        ],
        [
          'requeued by an operator after it was lost',
          async (running: JobRecord) => {
            await store.markLost(running, at(130), at(190));
            await store.requeue(running.id, at(200));
          },
          QUEUED,
        ],
        [
          'requeued and claimed again: the same attempt count, another claim',
          async (running: JobRecord) => {
            await store.markLost(running, at(130), at(190));
            await store.requeue(running.id, at(200));
            await store.claim(
              claimRequest(running.id, running.queue, { now: at(210), claimToken: 'next' }),
            );
          },
          RUNNING,
        ],
      ] as const)(
        'refuses, as finishAttempt would, an attempt %s, and writes the others',
        async (_case, moveOn, status) => {
          // Prepare
          const stale = await claimedWith(id, 'first');
          const otherId = unique('job');
          const other = await claimedWith(otherId, 'other');
          await moveOn(stale);
          const before = await store.get(id);
          const result = { status: SUCCESSFUL, durationMs: 3 } as const;

          // Act
          const outcomes = await store.recordSuccesses([
            { claimed: stale, result, now: at(220) },
            { claimed: other, result, now: at(220) },
          ]);
          const single = await refusal(
            store.finishAttempt(stale, result, at(221)),
            JobStateConflictError,
          );

          // Assess
          expect(outcomes).toEqual([
            { kind: 'conflict', error: expect.any(JobStateConflictError) },
            { kind: 'written' },
          ]);
          const [refused] = outcomes;
          if (refused?.kind !== 'conflict') throw new Error('not refused');
          expect(refused.error).toMatchObject({ jobId: id, currentStatus: status });
          expect(refused.error.message).toBe(single.message);
          expect(await store.get(id)).toEqual(before);
          expect(await store.get(otherId)).toMatchObject({ status: SUCCESSFUL, endedAt: at(220) });
        },
      );

      it('answers written when the record already holds this very outcome (a repeat whose answer was lost)', async () => {
        // Prepare
        const running = await claimedWith(id, 'first');
        const other = await claimedWith(unique('job'), 'other');
        const result = { status: SUCCESSFUL, durationMs: 3, output: 'ok' } as const;
        const batch = [
          { claimed: running, result, now: at(20) },
          { claimed: other, result, now: at(20) },
        ];
        await store.recordSuccesses(batch);
        const applied = await store.get(id);

        // Act
        const repeated = await store.recordSuccesses(batch);
        const later = await store.recordSuccesses([{ claimed: running, result, now: at(21) }]);

        // Assess
        expect(repeated).toEqual([{ kind: 'written' }, { kind: 'written' }]);
        expect(await store.get(id)).toEqual(applied);
        // The same attempt ended at another instant is another outcome: refused.
        expect(later).toEqual([{ kind: 'conflict', error: expect.any(JobStateConflictError) }]);
      });

      it('answers unwritten for a job with no record, for finishAttempt to report', async () => {
        // Prepare
        const ghost = { ...(await claimedWith(unique('job'), 'x')), id };

        // Act
        const outcomes = await store.recordSuccesses([
          { claimed: ghost, result: { status: SUCCESSFUL, durationMs: 3 }, now: at(20) },
        ]);

        // Assess
        expect(outcomes).toEqual([{ kind: 'unwritten', reason: expect.any(String) }]);
        expect(await store.get(id)).toBeUndefined();
      });

      it('is answered as a repeat by finishAttempt with the same outcome and instant', async () => {
        // Prepare: a batch write applied, then the conditional fallback for the same outcome.
        const running = await recordIn(store, RUNNING, id, queue);
        const result = { status: SUCCESSFUL, durationMs: 3 } as const;
        await store.recordSuccesses([{ claimed: running, result, now: at(20) }]);

        // Act
        const record = await store.finishAttempt(running, result, at(20));

        // Assess
        expect(record).toEqual(await store.get(id));
        expect(record.status).toBe(SUCCESSFUL);
      });
    });

    describe('markLost', () => {
      it('moves a RUNNING attempt whose lease expired to LOST (no retry), saying why', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const lost = await store.markLost(running, at(130), at(190));

        // Assess
        const { leaseExpiresAt: _lease, ...rest } = running;
        expect(lost).toEqual({
          ...rest,
          status: LOST,
          endedAt: at(190),
          updatedAt: at(190),
          expiresAt: keptUntil(at(190)),
          lostAttempts: 1,
          error: {
            name: 'JobLostError',
            message: `attempt 1 lost: lease expired at ${running.leaseExpiresAt} with no outcome recorded (worker crash, out of memory, hard timeout, or a store error); no attempts left`,
          },
          attemptHistory: [
            {
              attempt: 1,
              startedAt: at(10),
              endedAt: at(190),
              outcome: LOST,
              errorName: 'JobLostError',
              errorMessage: expect.stringMatching(
                /^attempt 1 lost: lease expired at .*… \[truncated\]$/,
              ),
            },
          ],
        });
        expect(await store.get(id)).toEqual(lost);
        expect((await store.list({ queue, status: LOST })).items).toEqual([listedRecord(lost!)]);
      });

      it('records a lost attempt with a retry as RETRYING, listed under RETRYING, and the claim runs it again', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const lost = await store.markLost(running, at(130), at(190), { retryAt: at(195) });
        const listed = await store.list({ queue, status: RETRYING });
        const again = await store.claim(
          claimRequest(id, queue, { now: at(200), leaseExpiresAt: at(260), firstDelivery: false }),
        );

        // Assess
        expect(lost).toMatchObject({
          status: RETRYING,
          attempts: 1,
          retryAt: at(195),
          lostAttempts: 1,
          endedAt: at(190),
          error: {
            name: 'JobLostError',
            message: expect.stringMatching(/^attempt 1 lost: .*it will be retried$/),
          },
        });
        expect(lost).not.toHaveProperty('leaseExpiresAt');
        expect(listed.items).toEqual([listedRecord(lost!)]);
        expect(again).toMatchObject({
          kind: 'claimed',
          record: { status: RUNNING, attempts: 2, lostAttempts: 1 },
        });
      });

      it('returns null while the lease has not expired before the given instant', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act: the lease ends at 70 s, exactly the instant given.
        const lost = await store.markLost(running, at(70), at(130));

        // Assess
        expect(lost).toBeNull();
        expect(await store.get(id)).toEqual(running);
      });

      it('returns null for another attempt, a finished record or an unknown id', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);
        const finishedId = unique('job');
        const finished = await recordIn(store, SUCCESSFUL, finishedId, queue);

        // Act
        const results = await Promise.all([
          store.markLost({ ...running, attempts: 2 }, at(140), at(200)),
          store.markLost({ ...finished, attempts: 1 }, at(140), at(200)),
          store.markLost({ id: unique('job'), queue, attempts: 1 }, at(140), at(200)),
        ]);

        // Assess
        expect(results).toEqual([null, null, null]);
        expect(await store.get(id)).toEqual(running);
        expect(await store.get(finishedId)).toEqual(finished);
      });

      it('moves it only once when several callers race', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const results = await Promise.all([
          store.markLost(running, at(140), at(200)),
          store.markLost(running, at(140), at(201)),
          store.markLost(running, at(140), at(202)),
        ]);

        // Assess
        const moved = results.filter((r) => r !== null);
        expect(moved).toHaveLength(1);
        expect(await store.get(id)).toEqual(moved[0]);
      });
      it('answers a repeat of its own write with the LOST record, and a later caller with null', async () => {
        // Prepare: the first write is applied but its caller never heard back.
        const running = await recordIn(store, RUNNING, id, queue);
        const first = await store.markLost(running, at(140), at(200));

        // Act
        const repeat = await store.markLost(running, at(140), at(200));
        const later = await store.markLost(running, at(150), at(260));

        // Assess
        expect(first).not.toBeNull();
        expect(repeat).toEqual(first);
        expect(later).toBeNull();
        expect(await store.get(id)).toEqual(first);
      });
    });

    describe('recordRejected', () => {
      it('writes the ERRORED record when none exists', async () => {
        // Prepare
        const record = rejectedRecord(id, queue);

        // Act
        await store.recordRejected(record, at(5));

        // Assess
        expect(await store.get(id)).toEqual({ ...record, expiresAt: keptUntil(at(5)) });
      });

      it.each([QUEUED, RUNNING, ERRORED])(
        'replaces a %s record whole (a RUNNING one once its lease has expired)',
        async (status) => {
          // Prepare: a RUNNING record's lease ends at 70 s.
          await recordIn(store, status, id, queue);
          const record = { ...rejectedRecord(id, queue), updatedAt: at(300) };

          // Act
          await store.recordRejected(record, at(71));

          // Assess
          expect(await store.get(id)).toEqual({ ...record, expiresAt: keptUntil(at(300)) });
        },
      );

      it('refuses a SUCCESSFUL record with JobStateConflictError and keeps it', async () => {
        // Prepare
        const successful = await recordIn(store, SUCCESSFUL, id, queue);

        // Act
        const error = await refusal(
          store.recordRejected(rejectedRecord(id, queue), at(300)),
          JobStateConflictError,
        );

        // Assess
        expect(error.currentStatus).toBe(SUCCESSFUL);
        expect(await store.get(id)).toEqual(successful);
      });

      it('refuses a RUNNING attempt whose lease has not expired before the given instant', async () => {
        // Prepare: the lease ends at 70 s, exactly the instant given.
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const error = await refusal(
          store.recordRejected(rejectedRecord(id, queue), at(70)),
          JobStateConflictError,
        );

        // Assess
        expect(error.currentStatus).toBe(RUNNING);
        expect(await store.get(id)).toEqual(running);
      });
    });

    describe('reconcileDeadLetter', () => {
      const redrive = { name: 'RedriveLimitError', message: 'delivered 5 times' };
      const withoutDeadLetteredAt = (record: JobRecord): JobRecord => {
        const { deadLetteredAt: _unset, ...rest } = record;
        return rest as JobRecord;
      };
      const request = (messageId: string, now = at(300), leaseExpiredBefore = at(240)) => ({
        messageId,
        fresh: { ...withoutDeadLetteredAt(rejectedRecord(id, queue)), messageId },
        error: redrive,
        now,
        leaseExpiredBefore,
      });

      it('writes a fresh ERRORED record when there is none (never claimed), without deadLetteredAt yet', async () => {
        // Act
        const outcome = await store.reconcileDeadLetter(request('message-1'));

        // Assess
        expect(outcome.kind).toBe('ended');
        const stored = await store.get(id);
        expect(stored).toMatchObject({ status: ERRORED, error: redrive, messageId: 'message-1' });
        expect(stored?.deadLetteredAt).toBeUndefined();
      });

      it('ends this message’s RUNNING attempt whose lease expired: attempts kept, no lease', async () => {
        // Prepare: claimed by message-1, lease until 70 s
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const outcome = await store.reconcileDeadLetter(request('message-1'));

        // Assess
        expect(outcome.kind).toBe('ended');
        const stored = await store.get(id);
        expect(stored).toMatchObject({
          status: ERRORED,
          attempts: running.attempts,
          error: redrive,
          endedAt: at(300),
          envelope: running.envelope,
        });
        expect(stored?.leaseExpiresAt).toBeUndefined();
        expect(await store.markLost(running, at(240), at(301))).toBeNull();
      });

      it('leaves a RUNNING attempt whose lease is live for later, unchanged', async () => {
        const running = await recordIn(store, RUNNING, id, queue);
        const outcome = await store.reconcileDeadLetter(request('message-1', at(60), at(0)));
        expect(outcome).toEqual({ kind: 'running', record: running });
        expect(await store.get(id)).toEqual(running);
      });

      it.each([RUNNING, RETRYING, DEFERRED])(
        'drops a copy whose %s job another message carries, changing nothing',
        async (status) => {
          const current = await recordIn(store, status, id, queue);
          const outcome = await store.reconcileDeadLetter(request('a-postponed-copy'));
          expect(outcome).toEqual({ kind: 'duplicate', record: current, terminal: false });
          expect(await store.get(id)).toEqual(current);
        },
      );

      it.each([RETRYING, DEFERRED])(
        'ends a %s job waiting on this very message',
        async (status) => {
          await recordIn(store, status, id, queue);
          const outcome = await store.reconcileDeadLetter(request('message-1'));
          expect(outcome.kind).toBe('ended');
          const stored = await store.get(id);
          expect(stored).toMatchObject({ status: ERRORED, error: redrive });
          expect(stored?.retryAt).toBeUndefined();
        },
      );

      it('drops a copy of a job that is over and in the DLQ; moves one whose message never got there', async () => {
        // Prepare
        const successful = await recordIn(store, SUCCESSFUL, id, queue);

        // Act / Assess: SUCCESSFUL is a duplicate of a finished job
        expect(await store.reconcileDeadLetter(request('message-1'))).toEqual({
          kind: 'duplicate',
          record: successful,
          terminal: true,
        });
        const other = unique('job');
        await recordIn(store, ERRORED, other, queue);
        const errored = await store.get(other);
        const move = await store.reconcileDeadLetter({
          ...request('message-1'),
          fresh: { ...withoutDeadLetteredAt(rejectedRecord(other, queue)), messageId: 'message-1' },
        });
        expect(move).toEqual({ kind: 'move', record: withoutDeadLetteredAt(errored as JobRecord) });
        await store.markDeadLettered(other, at(301));
        expect(
          (
            await store.reconcileDeadLetter({
              ...request('message-1'),
              fresh: {
                ...withoutDeadLetteredAt(rejectedRecord(other, queue)),
                messageId: 'message-1',
              },
            })
          ).kind,
        ).toBe('duplicate');
      });

      it('believes nothing a producer wrote: a forged SUCCESSFUL record is replaced by the ERRORED one', async () => {
        // Prepare
        await writeAsProducer(store, { ...queuedRecord(id, queue), status: SUCCESSFUL });

        // Act
        const outcome = await store.reconcileDeadLetter(request('message-1'));

        // Assess
        expect(outcome.kind).toBe('ended');
        expect(await store.get(id)).toMatchObject({
          status: ERRORED,
          error: redrive,
          type: 'unknown',
        });
      });
    });

    describe('markDeadLettered', () => {
      it.each([ERRORED, LOST, CANCELLED])(
        'notes deadLetteredAt on a %s record, leaving updatedAt and expiresAt',
        async (status) => {
          // Prepare
          const ended = await recordIn(store, status, id, queue);

          // Act
          await store.markDeadLettered(id, at(25));

          // Assess
          expect(await store.get(id)).toEqual({ ...ended, deadLetteredAt: at(25) });
        },
      );

      it.each([QUEUED, RUNNING, RETRYING, SUCCESSFUL])(
        'refuses a %s record with JobStateConflictError',
        async (status) => {
          // Prepare
          const before = await recordIn(store, status, id, queue);

          // Act
          const error = await refusal(store.markDeadLettered(id, at(25)), JobStateConflictError);

          // Assess
          expect(error.currentStatus).toBe(status);
          expect(await store.get(id)).toEqual(before);
        },
      );

      it('refuses an unknown id with JobNotFoundError', async () => {
        // Act
        const error = await refusal(store.markDeadLettered(id, at(25)), JobNotFoundError);

        // Assess
        expect(error.jobId).toBe(id);
      });
    });

    describe('markDeadLetterDeleted', () => {
      it.each([ERRORED, LOST, CANCELLED])(
        'on a dead-lettered %s record: removes deadLetteredAt, sets deadLetterDeletedAt, nothing else',
        async (status) => {
          // Prepare
          const ended = await recordIn(store, status, id, queue);
          await store.markDeadLettered(id, at(25));

          // Act
          const answer = await store.markDeadLetterDeleted(id, at(26));

          // Assess
          expect(await store.get(id)).toEqual({ ...ended, deadLetterDeletedAt: at(26) });
          expect(answer).toEqual({ ...ended, deadLetterDeletedAt: at(26) });
        },
      );

      it.each([ERRORED, QUEUED, RUNNING, SUCCESSFUL])(
        'refuses a %s record that does not say its message is in the DLQ',
        async (status) => {
          // Prepare
          const before = await recordIn(store, status, id, queue);

          // Act
          const error = await refusal(
            store.markDeadLetterDeleted(id, at(26)),
            JobStateConflictError,
          );

          // Assess
          expect(error.currentStatus).toBe(status);
          expect(await store.get(id)).toEqual(before);
        },
      );
    });

    describe('cancel', () => {
      it.each([QUEUED, RETRYING, DEFERRED])('moves a %s record to CANCELLED', async (status) => {
        // Prepare
        const before = await recordIn(store, status, id, queue);

        // Act
        const cancelled = await store.cancel(id, at(35));

        // Assess
        const { retryAt: _retryAt, ...rest } = before;
        expect(cancelled).toEqual({
          ...rest,
          status: CANCELLED,
          endedAt: at(35),
          updatedAt: at(35),
          expiresAt: keptUntil(at(35)),
        });
        expect(await store.get(id)).toEqual(cancelled);
      });

      it.each(NOT_CLAIMABLE)('refuses a %s record with JobStateConflictError', async (status) => {
        // Prepare
        const before = await recordIn(store, status, id, queue);

        // Act
        const error = await refusal(store.cancel(id, at(300)), JobStateConflictError);

        // Assess
        expect(error).toMatchObject({ jobId: id, currentStatus: status });
        expect(await store.get(id)).toEqual(before);
      });

      it('refuses an unknown id with JobNotFoundError', async () => {
        // Act
        const error = await refusal(store.cancel(id, at(300)), JobNotFoundError);

        // Assess
        expect(error.jobId).toBe(id);
      });
    });

    describe('requeue', () => {
      it.each([ERRORED, LOST, CANCELLED])(
        'moves a %s record back to QUEUED with attempts reset, claimable again',
        async (status) => {
          // Prepare
          await recordIn(store, status, id, queue);
          if (status === ERRORED) await store.markDeadLettered(id, at(25));

          // Act
          const requeued = await store.requeue(id, at(400));
          const claim = await store.claim(
            claimRequest(id, queue, { now: at(410), leaseExpiresAt: at(470) }),
          );

          // Assess
          expect(requeued).toMatchObject({
            status: QUEUED,
            attempts: 0,
            updatedAt: at(400),
            expiresAt: keptUntil(at(400)),
          });
          for (const field of [
            'error',
            'endedAt',
            'deadLetteredAt',
            'leaseExpiresAt',
            'retryAt',
            'durationMs',
          ]) {
            expect(requeued).not.toHaveProperty(field);
          }
          expect(claim).toMatchObject({ kind: 'claimed', record: { attempts: 1 } });
        },
      );

      it.each(NOT_REOPENABLE)('refuses a %s record with JobStateConflictError', async (status) => {
        // Prepare
        const before = await recordIn(store, status, id, queue);

        // Act
        const error = await refusal(store.requeue(id, at(400)), JobStateConflictError);

        // Assess
        expect(error.currentStatus).toBe(status);
        expect(await store.get(id)).toEqual(before);
      });

      it('refuses an unknown id with JobNotFoundError', async () => {
        // Act
        const error = await refusal(store.requeue(id, at(400)), JobNotFoundError);

        // Assess
        expect(error.jobId).toBe(id);
      });
    });

    describe('attempt history', () => {
      /** Claims the job at `t` s (lease 60 s) and returns the claimed record. */
      const claimAt = async (t: number): Promise<JobRecord> => {
        const outcome = await store.claim(
          claimRequest(id, queue, {
            now: at(t),
            leaseExpiresAt: at(t + 60),
            firstDelivery: t === 10,
            claimToken: `token-${t}`,
          }),
        );
        if (outcome.kind !== 'claimed') throw new Error(`claim at ${t} s refused`);
        return outcome.record;
      };

      it('keeps every ended attempt across a retry, a lost attempt, an operator retry and a batched success', async () => {
        // Prepare: attempt 1 fails and retries, attempt 2 is lost, attempt 3 defers itself.
        await store.finishAttempt(
          await claimAt(10),
          { status: RETRYING, durationMs: 40, error: failure, retryAt: at(30) },
          at(20),
        );
        const lost = await store.markLost(await claimAt(30), at(100), at(100), {
          retryAt: at(100),
        });
        if (!lost) throw new Error('markLost refused');
        await store.finishAttempt(
          await claimAt(110),
          { status: DEFERRED, durationMs: 5, retryAt: at(130), reason: 'upstream busy' },
          at(120),
        );
        await store.finishAttempt(
          await claimAt(130),
          { status: ERRORED, durationMs: 7, error: { ...failure, message: 'gave up' } },
          at(140),
        );

        // Act: an operator's retry (as a redrive does), then a success written in a batch.
        await store.requeue(id, at(200));
        const again = await claimAt(210);
        const written = await store.recordSuccesses([
          { claimed: again, result: { status: SUCCESSFUL, durationMs: 12 }, now: at(220) },
        ]);

        // Assess
        expect(written).toEqual([{ kind: 'written' }]);
        const record = await store.get(id);
        expect(
          record?.attemptHistory?.map((e) => [e.attempt, e.outcome, e.startedAt, e.endedAt]),
        ).toEqual([
          [1, RETRYING, at(10), at(20)],
          [2, LOST, at(30), at(100)],
          [3, DEFERRED, at(110), at(120)],
          [3, ERRORED, at(130), at(140)],
          [1, SUCCESSFUL, at(210), at(220)],
        ]);
        expect(record?.attemptHistory?.[0]).toMatchObject({
          durationMs: 40,
          errorName: 'Error',
          errorMessage: 'boom',
        });
        expect(record?.attemptHistory?.[1]?.durationMs).toBeUndefined();
        expect(record?.attemptHistory?.[2]?.reason).toBe('upstream busy');
        expect(record?.attemptHistory?.[3]?.errorMessage).toBe('gave up');
      });

      it('keeps only the newest 10 attempts, each with its error cut to 48 + 150 bytes', async () => {
        // Prepare: 12 failing attempts whose errors are far longer than the history keeps.
        const long = { name: 'E'.repeat(500), message: 'm'.repeat(5000), stack: 's'.repeat(5000) };
        for (let n = 1; n <= 12; n++) {
          const t = n * 100;
          const claimed = await claimAt(t === 100 ? 10 : t);
          // Act
          await store.finishAttempt(
            claimed,
            { status: RETRYING, durationMs: n, error: long, retryAt: at(t + 50) },
            at(t + 20),
          );
        }

        // Assess
        const history = (await store.get(id))?.attemptHistory ?? [];
        expect(history.map((e) => e.durationMs)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        for (const entry of history) {
          expect(Buffer.byteLength(entry.errorName ?? '')).toBeLessThanOrEqual(48);
          expect(Buffer.byteLength(entry.errorMessage ?? '')).toBeLessThanOrEqual(150);
          expect(entry).not.toHaveProperty('stack');
          // DynamoDB's item size of the entry (attribute names + values): a few hundred bytes.
          const bytes = Object.entries(entry).reduce(
            (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(String(value)),
            0,
          );
          expect(bytes).toBeLessThanOrEqual(330);
        }
      });
    });

    describe('get', () => {
      it('returns undefined for an unknown id', async () => {
        // Act
        const record = await store.get(id);

        // Assess
        expect(record).toBeUndefined();
      });

      it('returns the record as the last write left it', async () => {
        // Prepare
        const running = await recordIn(store, RUNNING, id, queue);

        // Act
        const record = await store.get(id);

        // Assess
        expect(record).toEqual(running);
        expect(record?.status).toBe(RUNNING);
      });
    });

    describe('list', () => {
      /** QUEUED records of `queue` updated at the given seconds; returns their ids in that order. */
      async function queuedAt(seconds: readonly number[], type = 'report'): Promise<string[]> {
        const ids = seconds.map(() => unique('job'));
        await Promise.all(
          ids.map((jobId, i) =>
            store.putQueued(queuedRecord(jobId, queue, { type, updatedAt: at(seconds[i]!) })),
          ),
        );
        return ids;
      }

      it('lists one queue’s records of one status, newest updatedAt first', async () => {
        // Prepare
        const [first, third, second] = await queuedAt([1, 3, 2]);
        await recordIn(store, RUNNING, unique('job'), queue);
        await store.putQueued(queuedRecord(unique('job'), unique('other-queue')));

        // Act
        const page = await store.list({ queue, status: QUEUED });

        // Assess
        expect(page.items.map((r) => r.id)).toEqual([third, second, first]);
        expect(page.cursor).toBeUndefined();
        expect(page.items[0]).toEqual(listedRecord((await store.get(third!))!));
      });

      it('orders records updated at the same instant by id, descending', async () => {
        // Prepare
        const ids = [`a-${id}`, `c-${id}`, `b-${id}`];
        await Promise.all(ids.map((jobId) => store.putQueued(queuedRecord(jobId, queue))));

        // Act
        const page = await store.list({ queue, status: QUEUED });

        // Assess
        expect(page.items.map((r) => r.id)).toEqual([`c-${id}`, `b-${id}`, `a-${id}`]);
      });

      it('lists a record under its current status only', async () => {
        // Prepare
        await store.putQueued(queuedRecord(id, queue));
        await store.claim(claimRequest(id, queue));

        // Act
        const [queued, running] = await Promise.all([
          store.list({ queue, status: QUEUED }),
          store.list({ queue, status: RUNNING }),
        ]);

        // Assess
        expect(queued.items).toEqual([]);
        expect(running.items.map((r) => r.id)).toEqual([id]);
      });

      it('pages through every record exactly once with an opaque cursor', async () => {
        // Prepare
        const ids = await queuedAt([1, 2, 3, 4, 5, 6, 7]);

        // Act
        const pages = [await store.list({ queue, status: QUEUED, limit: 3 })];
        while (pages.at(-1)?.cursor && pages.length < 10) {
          pages.push(
            await store.list({ queue, status: QUEUED, limit: 3, cursor: pages.at(-1)?.cursor }),
          );
        }

        // Assess
        expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
        expect(pages.flatMap((p) => p.items.map((r) => r.id))).toEqual([...ids].reverse());
        expect(pages.at(-1)?.cursor).toBeUndefined();
      });

      it('gives no cursor when the last page is exactly full', async () => {
        // Prepare
        const ids = await queuedAt([1, 2, 3, 4]);

        // Act
        const first = await store.list({ queue, status: QUEUED, limit: 2 });
        const second = await store.list({ queue, status: QUEUED, limit: 2, cursor: first.cursor });

        // Assess
        expect(first.cursor).toEqual(expect.any(String));
        expect(second.items.map((r) => r.id)).toEqual([ids[1], ids[0]]);
        expect(second.cursor).toBeUndefined();
      });

      it('refuses a cursor it did not issue with JobInputError naming the field', async () => {
        // Act
        const error = await refusal(
          store.list({ queue, status: QUEUED, cursor: 'not-a-cursor' }),
          JobInputError,
        );

        // Assess
        expect(error.field).toBe('cursor');
      });

      it('since: only records updated at or after the instant', async () => {
        // Prepare
        const [, two, three] = await queuedAt([1, 2, 3]);

        // Act
        const page = await store.list({ queue, status: QUEUED, since: at(2) });

        // Assess
        expect(page.items.map((r) => r.id)).toEqual([three, two]);
      });

      it('since: an instant written without milliseconds means the same instant', async () => {
        // Prepare
        const [, two, three] = await queuedAt([1, 2.5, 3]);

        // Act
        const page = await store.list({ queue, status: QUEUED, since: '2030-01-01T00:00:02Z' });

        // Assess
        expect(page.items.map((r) => r.id)).toEqual([three, two]);
      });

      it('type: only records of that type, each page still filled to the limit', async () => {
        // Prepare
        const reports = await queuedAt([1, 3, 5], 'report');
        await queuedAt([2, 4, 6], 'webhook');

        // Act
        const first = await store.list({ queue, status: QUEUED, type: 'report', limit: 2 });
        const second = await store.list({
          queue,
          status: QUEUED,
          type: 'report',
          limit: 2,
          cursor: first.cursor,
        });

        // Assess
        expect(first.items.map((r) => r.id)).toEqual([reports[2], reports[1]]);
        expect(second.items.map((r) => r.id)).toEqual([reports[0]]);
        expect(second.cursor).toBeUndefined();
      });

      it('limit: 25 by default, at most 100, at least 1', async () => {
        // Prepare
        await queuedAt(Array.from({ length: 101 }, (_, i) => i));

        // Act
        const [byDefault, tooMany, tooFew] = await Promise.all([
          store.list({ queue, status: QUEUED }),
          store.list({ queue, status: QUEUED, limit: 500 }),
          store.list({ queue, status: QUEUED, limit: 0 }),
        ]);

        // Assess
        expect(byDefault.items).toHaveLength(25);
        expect(tooMany.items).toHaveLength(100);
        expect(tooFew.items).toHaveLength(1);
        expect([byDefault, tooMany, tooFew].every((p) => typeof p.cursor === 'string')).toBe(true);
      });
    });

    describe('listExpiredRunning', () => {
      it('lists the queue’s RUNNING records whose lease expired before the instant, oldest first', async () => {
        // Prepare
        const leases = [50, 100, 200];
        const ids = leases.map(() => unique('job'));
        for (const [i, lease] of leases.entries()) {
          await store.claim(
            claimRequest(ids[i]!, queue, { now: at(i), leaseExpiresAt: at(lease) }),
          );
        }
        await store.claim(
          claimRequest(unique('job'), unique('other-queue'), { leaseExpiresAt: at(1) }),
        );
        await recordIn(store, ERRORED, unique('job'), queue);

        // Act
        const expired = await store.listExpiredRunning(queue, at(150));

        // Assess
        expect(expired.map((r) => r.id)).toEqual([ids[0], ids[1]]);
        expect(expired[0]).toEqual(listedRecord((await store.get(ids[0]!))!));
      });

      it('stops at the limit', async () => {
        // Prepare
        for (const second of [1, 2, 3]) {
          await store.claim(
            claimRequest(unique('job'), queue, { now: at(second), leaseExpiresAt: at(60) }),
          );
        }

        // Act
        const expired = await store.listExpiredRunning(queue, at(150), 2);

        // Assess: equal leases, so by id; any two of the three
        expect(expired).toHaveLength(2);
        expect(expired.every((r) => r.leaseExpiresAt === at(60))).toBe(true);
      });

      it('reads expired leases oldest lease first, whatever order the attempts started in', async () => {
        // Prepare: started in one order, leases ending in another
        const started = [
          { id: unique('job'), now: at(1), lease: at(120) },
          { id: unique('job'), now: at(2), lease: at(40) },
          { id: unique('job'), now: at(3), lease: at(90) },
        ];
        for (const job of started) {
          await store.claim(
            claimRequest(job.id, queue, { now: job.now, leaseExpiresAt: job.lease }),
          );
        }

        // Act
        const expired = await store.listExpiredRunning(queue, at(150));

        // Assess
        expect(expired.map((r) => r.id)).toEqual([started[1]!.id, started[2]!.id, started[0]!.id]);
      });
    });

    describe('list of RUNNING records', () => {
      it('is ordered by lease, the latest first, and `since` still means updated at or after', async () => {
        // Prepare: the attempt that started last has the shortest lease
        const jobs = [
          { id: unique('job'), now: at(10), lease: at(100) },
          { id: unique('job'), now: at(20), lease: at(300) },
          { id: unique('job'), now: at(30), lease: at(50) },
        ];
        for (const job of jobs) {
          await store.claim(
            claimRequest(job.id, queue, { now: job.now, leaseExpiresAt: job.lease }),
          );
        }

        // Act
        const all = await store.list({ queue, status: RUNNING });
        const since = await store.list({ queue, status: RUNNING, since: at(15) });
        const paged = await store.list({ queue, status: RUNNING, limit: 2 });
        const rest = await store.list({ queue, status: RUNNING, limit: 2, cursor: paged.cursor! });

        // Assess
        expect(all.items.map((r) => r.id)).toEqual([jobs[1]!.id, jobs[0]!.id, jobs[2]!.id]);
        expect(since.items.map((r) => r.id)).toEqual([jobs[1]!.id, jobs[2]!.id]);
        expect([...paged.items, ...rest.items].map((r) => r.id)).toEqual(
          all.items.map((r) => r.id),
        );
      });
    });

    it('sets expiresAt to updatedAt plus the retention on every write', async () => {
      // Prepare
      const other = unique('job');
      const kept = (record: JobRecord | undefined | null) =>
        record ? record.expiresAt - Math.floor(Date.parse(record.updatedAt) / 1000) : undefined;

      // Act
      const seen: (number | undefined)[] = [];
      await store.putQueued(queuedRecord(id, queue, { updatedAt: at(1) }));
      seen.push(kept(await store.get(id)));
      const claim = await store.claim(claimRequest(id, queue, { now: at(2) }));
      if (claim.kind !== 'claimed') throw new Error('claim refused');
      seen.push(kept(claim.record));
      seen.push(
        kept(
          await store.finishAttempt(
            claim.record,
            { status: ERRORED, durationMs: 1, error: failure },
            at(3),
          ),
        ),
      );
      seen.push(kept(await store.requeue(id, at(4))));
      seen.push(kept(await store.cancel(id, at(5))));
      const running = await recordIn(store, RUNNING, other, queue);
      seen.push(kept(await store.markLost(running, at(140), at(200))));
      await store.recordRejected({ ...rejectedRecord(other, queue), updatedAt: at(300) }, at(300));
      seen.push(kept(await store.get(other)));

      // Assess
      expect(seen).toEqual(Array(seen.length).fill(CONTRACT_RETENTION_SECONDS));
    });
  });

  describe(`JobStore contract: ${name}, listing across index shards`, () => {
    const SHARDS = 4;
    let store: JobStore;
    let queue: string;

    beforeEach(async () => {
      store = await makeStore({
        retentionSeconds: CONTRACT_RETENTION_SECONDS,
        indexShards: () => SHARDS,
      });
      queue = unique('queue');
    });

    /** Ids whose shards cover all of them, so that a page must merge every shard. */
    function spreadIds(count: number): string[] {
      const ids: string[] = [];
      const byShard = new Map<number, number>();
      while (ids.length < count) {
        const candidate = unique('job');
        const shard = statusShardOf(candidate, SHARDS);
        if ((byShard.get(shard) ?? 0) > count / SHARDS) continue;
        byShard.set(shard, (byShard.get(shard) ?? 0) + 1);
        ids.push(candidate);
      }
      return ids;
    }

    it('merges the shards newest first, in pages of exactly N with opaque cursors', async () => {
      // Prepare: 11 records, every shard holding some
      const ids = spreadIds(11);
      await Promise.all(
        ids.map((jobId, i) =>
          store.putQueued(queuedRecord(jobId, queue, { updatedAt: at(i + 1) })),
        ),
      );
      expect(new Set(ids.map((jobId) => statusShardOf(jobId, SHARDS))).size).toBe(SHARDS);

      // Act
      const pages = [await store.list({ queue, status: QUEUED, limit: 4 })];
      while (pages.at(-1)?.cursor && pages.length < 10) {
        pages.push(
          await store.list({ queue, status: QUEUED, limit: 4, cursor: pages.at(-1)?.cursor }),
        );
      }

      // Assess
      expect(pages.map((p) => p.items.length)).toEqual([4, 4, 3]);
      expect(pages.flatMap((p) => p.items.map((r) => r.id))).toEqual([...ids].reverse());
      expect(pages.at(-1)?.cursor).toBeUndefined();
    });

    it('orders records of one instant in different shards by id, descending', async () => {
      // Prepare
      const ids = spreadIds(8);
      await Promise.all(ids.map((jobId) => store.putQueued(queuedRecord(jobId, queue))));

      // Act
      const first = await store.list({ queue, status: QUEUED, limit: 5 });
      const second = await store.list({ queue, status: QUEUED, limit: 5, cursor: first.cursor });

      // Assess
      expect([...first.items, ...second.items].map((r) => r.id)).toEqual([...ids].sort().reverse());
      expect(first.items).toHaveLength(5);
    });

    it('since and type narrow every shard; a cursor resumes below the last record shown', async () => {
      // Prepare: reports and webhooks interleaved in time, in every shard
      const ids = spreadIds(12);
      await Promise.all(
        ids.map((jobId, i) =>
          store.putQueued(
            queuedRecord(jobId, queue, {
              type: i % 2 === 0 ? 'report' : 'webhook',
              updatedAt: at(i + 1),
            }),
          ),
        ),
      );
      const reportsSince4 = ids.filter((_, i) => i % 2 === 0 && i + 1 >= 4).reverse();

      // Act
      const first = await store.list({
        queue,
        status: QUEUED,
        type: 'report',
        since: at(4),
        limit: 2,
      });
      const rest = await store.list({
        queue,
        status: QUEUED,
        type: 'report',
        since: at(4),
        limit: 2,
        cursor: first.cursor,
      });

      // Assess: 4 reports at 5, 7, 9 and 11 s, two pages of exactly 2
      expect(reportsSince4).toHaveLength(4);
      expect(first.items.map((r) => r.id)).toEqual(reportsSince4.slice(0, 2));
      expect(rest.items.map((r) => r.id)).toEqual(reportsSince4.slice(2, 4));
      expect(rest.cursor).toBeUndefined();
    });

    it('answers an empty page, not an error, for a cursor older than `since`', async () => {
      // Prepare: a cursor at 2 s, from a listing without `since`
      const ids = spreadIds(3);
      await Promise.all(
        ids.map((jobId, i) =>
          store.putQueued(queuedRecord(jobId, queue, { updatedAt: at(3 - i) })),
        ),
      );
      const first = await store.list({ queue, status: QUEUED, limit: 2 });

      // Act
      const page = await store.list({
        queue,
        status: QUEUED,
        since: at(2.5),
        limit: 2,
        cursor: first.cursor,
      });

      // Assess
      expect(first.items.map((r) => r.id)).toEqual([ids[0], ids[1]]);
      expect(page).toEqual({ items: [] });
    });

    it('lists only what a list shows: no envelope, output or stack; the error’s name and message head', async () => {
      // Prepare
      const [jobId] = spreadIds(1);
      const claim = await store.claim(claimRequest(jobId!, queue));
      if (claim.kind !== 'claimed') throw new Error('claim refused');
      const long = { name: 'Error', message: 'x'.repeat(900), stack: 'Error: x\n  at run' };
      await store.finishAttempt(
        claim.record,
        { status: ERRORED, durationMs: 3, error: long },
        at(20),
      );

      // Act
      const [listed] = (await store.list({ queue, status: ERRORED })).items;

      // Assess
      const whole = await store.get(jobId!);
      expect(whole?.envelope).toEqual(expect.any(String));
      expect(listed).toEqual(listedRecord(whole!));
      expect(listed?.envelope).toBeUndefined();
      expect(listed?.error).toEqual({ name: 'Error', message: `${'x'.repeat(159)}…` });
    });

    it('finds expired leases in every shard, oldest lease first, up to the limit', async () => {
      // Prepare
      const ids = spreadIds(8);
      for (const [i, jobId] of ids.entries()) {
        await store.claim(claimRequest(jobId, queue, { leaseExpiresAt: at(100 - i) }));
      }

      // Act
      const expired = await store.listExpiredRunning(queue, at(200), 5);

      // Assess
      expect(expired.map((r) => r.id)).toEqual([...ids].reverse().slice(0, 5));
    });
  });

  describe(`JobStore contract: ${name}, RUNNING and SUCCESSFUL unlisted (tracking minimal)`, () => {
    let store: JobStore;
    let queue: string;
    let id: string;

    beforeEach(async () => {
      store = await makeStore({
        retentionSeconds: CONTRACT_RETENTION_SECONDS,
        unlistedStatuses: [RUNNING, SUCCESSFUL],
      });
      queue = unique('queue');
      id = unique('job');
    });

    it('keeps RUNNING and SUCCESSFUL records readable by id but out of the lists', async () => {
      // Prepare
      const running = await recordIn(store, RUNNING, id, queue);
      const doneId = unique('job');
      const done = await recordIn(store, SUCCESSFUL, doneId, queue);

      // Act
      const [runningPage, successfulPage] = await Promise.all([
        store.list({ queue, status: RUNNING }),
        store.list({ queue, status: SUCCESSFUL }),
      ]);

      // Assess
      expect(await store.get(id)).toEqual(running);
      expect(await store.get(doneId)).toEqual(done);
      expect(runningPage.items).toEqual([]);
      expect(successfulPage.items).toEqual([]);
      expect(await store.listExpiredRunning(queue, at(1000))).toEqual([]);
    });

    it('keeps a batch-written SUCCESSFUL record readable by id but out of the list', async () => {
      // Prepare
      const running = await recordIn(store, RUNNING, id, queue);

      // Act
      await store.recordSuccesses([
        { claimed: running, result: { status: SUCCESSFUL, durationMs: 1 }, now: at(20) },
      ]);

      // Assess
      expect(await store.get(id)).toMatchObject({ status: SUCCESSFUL, endedAt: at(20) });
      expect((await store.list({ queue, status: SUCCESSFUL })).items).toEqual([]);
    });

    it('lists a failure, and takes it off the list when the job is claimed again', async () => {
      // Prepare
      const retrying = await recordIn(store, RETRYING, id, queue);
      const listedBefore = await store.list({ queue, status: RETRYING });

      // Act
      const outcome = await store.claim(claimRequest(id, queue, { now: at(45) }));

      // Assess
      expect(listedBefore.items).toEqual([listedRecord(retrying)]);
      expect(outcome.kind).toBe('claimed');
      expect((await store.list({ queue, status: RETRYING })).items).toEqual([]);
      expect((await store.list({ queue, status: RUNNING })).items).toEqual([]);
    });

    it('lists ERRORED, LOST and CANCELLED records as under full tracking', async () => {
      // Prepare
      const errored = await recordIn(store, ERRORED, unique('job'), queue);
      const lost = await recordIn(store, LOST, unique('job'), queue);
      const cancelled = await recordIn(store, CANCELLED, unique('job'), queue);

      // Act
      const pages = await Promise.all(
        [ERRORED, LOST, CANCELLED].map((status) => store.list({ queue, status })),
      );

      // Assess
      expect(pages.map((page) => page.items)).toEqual(
        [errored, lost, cancelled].map((record) => [listedRecord(record)]),
      );
    });
  });
}
