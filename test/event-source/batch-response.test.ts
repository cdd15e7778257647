import { describe, expect, it } from 'vitest';
import { readBatchResponse } from '../../packages/lambda-jobs/src/local/event-source/batch-response.ts';

const batch = new Set(['m-1', 'm-2', 'm-3']);

describe('readBatchResponse (ReportBatchItemFailures semantics)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['null batchItemFailures', { batchItemFailures: null }],
    ['empty batchItemFailures', { batchItemFailures: [] }],
  ])('treats %s as every record succeeded', (_label, response) => {
    // Act
    const outcome = readBatchResponse(response, batch);

    // Assess
    expect(outcome).toEqual({ kind: 'succeeded' });
  });

  it('names the failed records of a partial response, once each', () => {
    // Prepare
    const response = {
      batchItemFailures: [
        { itemIdentifier: 'm-2' },
        { itemIdentifier: 'm-3' },
        { itemIdentifier: 'm-2' },
      ],
    };

    // Act
    const outcome = readBatchResponse(response, batch);

    // Assess
    expect(outcome).toEqual({ kind: 'partial', failedMessageIds: new Set(['m-2', 'm-3']) });
  });

  it.each([
    [
      'an itemIdentifier not in the batch',
      { batchItemFailures: [{ itemIdentifier: 'other' }] },
      /not a messageId of this batch/,
    ],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, /an empty string/],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, /is null/],
    ['a misspelled key', { batchItemFailures: [{ itemIdentifer: 'm-1' }] }, /is missing/],
    ['a non-string itemIdentifier', { batchItemFailures: [{ itemIdentifier: 7 }] }, /a number/],
    ['a failure that is not an object', { batchItemFailures: ['m-1'] }, /is missing/],
    ['batchItemFailures that is not a list', { batchItemFailures: 'm-1' }, /not a list/],
    ['a response that is not an object', 'ok', /not an object/],
  ])('fails the whole batch for %s', (_label, response, reason) => {
    // Act
    const outcome = readBatchResponse(response, batch);

    // Assess
    expect(outcome.kind).toBe('invalid');
    expect(outcome.kind === 'invalid' && outcome.reason).toMatch(reason);
  });

  it('fails the whole batch when one of several identifiers is unknown', () => {
    // Prepare
    const response = { batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-9' }] };

    // Act
    const outcome = readBatchResponse(response, batch);

    // Assess
    expect(outcome.kind).toBe('invalid');
  });
});
