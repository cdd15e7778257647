/**
 * What an SQS event source mapping with `ReportBatchItemFailures` does with a handler's answer:
 * - no answer, `null`, `{}`, `batchItemFailures` null or empty → every message succeeded;
 * - `batchItemFailures` naming messages of the batch → those stay in the queue, the rest succeeded;
 * - anything Lambda cannot read (not an object, not a list, an item whose `itemIdentifier` is
 *   missing, empty, not a string or not a message of the batch) → the whole batch failed.
 */
export type BatchOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'partial'; readonly failedMessageIds: ReadonlySet<string> }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Reads a handler's return value as Lambda's ReportBatchItemFailures does.
 *
 * @example
 * ```ts
 * const outcome = readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }, new Set(['m-1', 'm-2']));
 * // { kind: 'partial', failedMessageIds: Set { 'm-2' } }
 * ```
 */
export function readBatchResponse(
  response: unknown,
  messageIds: ReadonlySet<string>,
): BatchOutcome {
  if (response === undefined || response === null) return { kind: 'succeeded' };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { kind: 'invalid', reason: `the response is ${describe(response)}, not an object` };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'succeeded' };
  if (!Array.isArray(failures)) {
    return { kind: 'invalid', reason: `batchItemFailures is ${describe(failures)}, not a list` };
  }
  if (failures.length === 0) return { kind: 'succeeded' };
  const failedMessageIds = new Set<string>();
  for (const [index, failure] of failures.entries()) {
    const identifier =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof identifier !== 'string' || identifier === '') {
      return {
        kind: 'invalid',
        reason: `batchItemFailures[${index}].itemIdentifier is ${describe(identifier)}; it must be the messageId of a record in the batch`,
      };
    }
    if (!messageIds.has(identifier)) {
      return {
        kind: 'invalid',
        reason: `batchItemFailures[${index}].itemIdentifier "${identifier}" is not a messageId of this batch`,
      };
    }
    failedMessageIds.add(identifier);
  }
  return { kind: 'partial', failedMessageIds };
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
