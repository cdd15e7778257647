/**
 * The inputs of a job list (`JobStore.list`) that every store checks the same way: `since`,
 * and a `cursor` that must be one the store returned.
 */
import { JobInputError } from './errors.ts';

/**
 * `since` as the index sorts instants: ISO 8601 with milliseconds, so `…02Z` means `…02.000Z`.
 *
 * @throws JobInputError naming `since` when it is not an instant.
 * @example `sortableSince('2030-01-01T00:00:02Z') === '2030-01-01T00:00:02.000Z'`
 */
export function sortableSince(since: string): string {
  const instant = Date.parse(since);
  if (Number.isNaN(instant)) {
    throw new JobInputError(
      'since',
      'an ISO 8601 instant',
      `since must be an ISO 8601 instant such as 2030-01-01T00:00:00Z; got "${since}"`,
    );
  }
  return new Date(instant).toISOString();
}

/**
 * The error for a cursor this store did not return.
 *
 * @example `throw foreignCursorError();`
 */
export function foreignCursorError(): JobInputError {
  return new JobInputError(
    'cursor',
    'a cursor returned by a previous page',
    'cursor is not one this store returned: pass the `cursor` of a previous page unchanged',
  );
}
