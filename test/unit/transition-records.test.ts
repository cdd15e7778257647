import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { ClaimRequest } from '../../packages/lambda-jobs/src/runtime/ports.ts';
import {
  claimedRecord,
  indexSortInstant,
  isEarlierTryOfClaim,
  isEarlierTryOfLost,
  isEarlierTryOfOutcome,
  isRunningAttempt,
  lostAttemptError,
  lostAttemptRetry,
  succeededRecord,
} from '../../packages/lambda-jobs/src/runtime/transition-records.ts';

/**
 * The records every store writes and the rules by which a store recognises its own earlier
 * write: both stores' contract tests run through them, these pin each rule's every condition.
 */

const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-01T00:00:05.000Z';
const LEASE = '2030-01-01T00:00:30.000Z';

const request: ClaimRequest = {
  id: 'job-1',
  type: 'echo',
  queue: 'default',
  enqueuedAt: '2029-12-31T23:59:58.500Z',
  maxAttempts: 4,
  leaseExpiresAt: LEASE,
  now: T0,
  claimToken: 'token-a',
};

const running: JobRecord = {
  id: 'job-1',
  type: 'echo',
  queue: 'default',
  status: JobStatus.RUNNING,
  attempts: 2,
  maxAttempts: 4,
  enqueuedAt: request.enqueuedAt,
  waitMs: 1500,
  startedAt: T0,
  leaseExpiresAt: LEASE,
  updatedAt: T0,
  claimToken: 'token-a',
  error: { name: 'Error', message: 'attempt 1 failed' },
  retryAt: T0,
  expiresAt: 1,
};

describe('claimedRecord', () => {
  it('is attempt 1, RUNNING, waiting since enqueue, with only what the delivery carries', () => {
    const { claimToken: _token, ...bare } = request;
    for (const field of ['envelope', 'concurrencyKey', 'messageId', 'messageGroup', 'claimToken']) {
      expect(Object.keys(claimedRecord(bare, 99))).not.toContain(field);
    }
    expect(claimedRecord(request, 99)).toEqual({
      id: 'job-1',
      type: 'echo',
      queue: 'default',
      status: JobStatus.RUNNING,
      attempts: 1,
      maxAttempts: 4,
      enqueuedAt: request.enqueuedAt,
      waitMs: 1500,
      startedAt: T0,
      leaseExpiresAt: LEASE,
      updatedAt: T0,
      claimToken: 'token-a',
      expiresAt: 99,
    });
  });

  it('keeps the envelope, key, message id and message group a delivery carries', () => {
    const record = claimedRecord(
      {
        ...request,
        envelope: '{}',
        concurrencyKey: 'acct:1',
        messageId: 'm-1',
        messageGroup: 'tenant-7',
      },
      99,
    );
    expect(record).toMatchObject({
      envelope: '{}',
      concurrencyKey: 'acct:1',
      messageId: 'm-1',
      messageGroup: 'tenant-7',
    });
  });

  it('never records a negative wait (an enqueue stamped after the claim)', () => {
    expect(claimedRecord({ ...request, enqueuedAt: T1 }, 99).waitMs).toBe(0);
  });
});

describe('succeededRecord', () => {
  it('drops the lease, the last error and retry time, and adds the outcome and its attempt entry', () => {
    expect(
      succeededRecord(
        {
          claimed: running,
          result: {
            status: JobStatus.SUCCESSFUL,
            durationMs: 12,
            output: { n: 1 },
            outputTruncated: true,
          },
          now: T1,
        },
        77,
      ),
    ).toEqual({
      id: 'job-1',
      type: 'echo',
      queue: 'default',
      status: JobStatus.SUCCESSFUL,
      attempts: 2,
      maxAttempts: 4,
      enqueuedAt: request.enqueuedAt,
      waitMs: 1500,
      startedAt: T0,
      claimToken: 'token-a',
      endedAt: T1,
      durationMs: 12,
      updatedAt: T1,
      expiresAt: 77,
      output: { n: 1 },
      outputTruncated: true,
      attemptHistory: [
        { attempt: 2, startedAt: T0, endedAt: T1, durationMs: 12, outcome: JobStatus.SUCCESSFUL },
      ],
    });
  });

  it('writes no output fields when there is no output', () => {
    const record = succeededRecord(
      { claimed: running, result: { status: JobStatus.SUCCESSFUL, durationMs: 1 }, now: T1 },
      77,
    );
    expect('output' in record).toBe(false);
    expect('outputTruncated' in record).toBe(false);
  });
});

describe('recognising a store’s own earlier write', () => {
  it('isEarlierTryOfClaim: RUNNING under the same claim token only', () => {
    expect(isEarlierTryOfClaim(request, running)).toBe(true);
    expect(isEarlierTryOfClaim(request, { ...running, claimToken: 'token-b' })).toBe(false);
    expect(isEarlierTryOfClaim(request, { ...running, status: JobStatus.RETRYING })).toBe(false);
    const { claimToken: _token, ...tokenless } = request;
    const { claimToken: _held, ...tokenlessRecord } = running;
    expect(isEarlierTryOfClaim(tokenless, tokenlessRecord)).toBe(false);
  });

  it('isRunningAttempt: RUNNING, the same attempt, and the same token when there is one', () => {
    expect(isRunningAttempt(running, running)).toBe(true);
    expect(isRunningAttempt(running, undefined)).toBe(false);
    expect(isRunningAttempt(running, { ...running, status: JobStatus.RETRYING })).toBe(false);
    expect(isRunningAttempt(running, { ...running, attempts: 3 })).toBe(false);
    expect(isRunningAttempt(running, { ...running, claimToken: 'token-b' })).toBe(false);
    const { claimToken: _token, ...tokenless } = running;
    expect(isRunningAttempt(tokenless, { ...running, claimToken: 'token-b' })).toBe(true);
  });

  it('isEarlierTryOfOutcome: same status, attempts left, endedAt and token', () => {
    const succeeded = { ...running, status: JobStatus.SUCCESSFUL, endedAt: T1 };
    expect(isEarlierTryOfOutcome(running, JobStatus.SUCCESSFUL, T1, succeeded)).toBe(true);
    expect(isEarlierTryOfOutcome(running, JobStatus.SUCCESSFUL, T1, undefined)).toBe(false);
    expect(isEarlierTryOfOutcome(running, JobStatus.ERRORED, T1, succeeded)).toBe(false);
    expect(isEarlierTryOfOutcome(running, JobStatus.SUCCESSFUL, T0, succeeded)).toBe(false);
    expect(
      isEarlierTryOfOutcome(running, JobStatus.SUCCESSFUL, T1, { ...succeeded, attempts: 3 }),
    ).toBe(false);
    expect(
      isEarlierTryOfOutcome(running, JobStatus.SUCCESSFUL, T1, {
        ...succeeded,
        claimToken: 'token-b',
      }),
    ).toBe(false);
    const { claimToken: _token, ...tokenless } = running;
    expect(
      isEarlierTryOfOutcome(tokenless, JobStatus.SUCCESSFUL, T1, {
        ...succeeded,
        claimToken: 'token-b',
      }),
    ).toBe(true);
  });

  it('isEarlierTryOfOutcome: a deferral gave its attempt back', () => {
    const deferred = { ...running, status: JobStatus.DEFERRED, attempts: 1, endedAt: T1 };
    expect(isEarlierTryOfOutcome(running, JobStatus.DEFERRED, T1, deferred)).toBe(true);
    expect(
      isEarlierTryOfOutcome(running, JobStatus.DEFERRED, T1, { ...deferred, attempts: 2 }),
    ).toBe(false);
  });

  it('isEarlierTryOfLost: the status it writes, the same attempt and endedAt', () => {
    const lost = { ...running, status: JobStatus.LOST, endedAt: T1 };
    expect(isEarlierTryOfLost(running, JobStatus.LOST, T1, lost)).toBe(true);
    expect(isEarlierTryOfLost(running, JobStatus.RETRYING, T1, lost)).toBe(false);
    expect(isEarlierTryOfLost(running, JobStatus.LOST, T1, { ...lost, attempts: 3 })).toBe(false);
    expect(isEarlierTryOfLost(running, JobStatus.LOST, T0, lost)).toBe(false);
  });
});

describe('indexSortInstant', () => {
  it('sorts RUNNING by its lease and everything else by updatedAt', () => {
    expect(
      indexSortInstant({ status: JobStatus.RUNNING, updatedAt: T0, leaseExpiresAt: LEASE }),
    ).toBe(LEASE);
    expect(indexSortInstant({ status: JobStatus.RUNNING, updatedAt: T0 })).toBe(T0);
    expect(
      indexSortInstant({ status: JobStatus.RETRYING, updatedAt: T0, leaseExpiresAt: LEASE }),
    ).toBe(T0);
  });
});

describe('a lost attempt', () => {
  it('is retried at once while attempts remain, and not after the last', () => {
    expect(lostAttemptRetry({ attempts: 3, maxAttempts: 4 }, T1)).toEqual({ retryAt: T1 });
    expect(lostAttemptRetry({ attempts: 4, maxAttempts: 4 }, T1)).toBeUndefined();
  });

  it('records which attempt, its lease, and whether it runs again', () => {
    expect(lostAttemptError(running, true)).toEqual({
      name: 'JobLostError',
      message: `attempt 2 lost: lease expired at ${LEASE} with no outcome recorded (worker crash, out of memory, hard timeout, or a store error); it will be retried`,
    });
    const { leaseExpiresAt: _lease, ...leaseless } = running;
    expect(lostAttemptError(leaseless, false).message).toBe(
      'attempt 2 lost: lease expired at an unknown time with no outcome recorded (worker crash, out of memory, hard timeout, or a store error); no attempts left',
    );
  });
});
