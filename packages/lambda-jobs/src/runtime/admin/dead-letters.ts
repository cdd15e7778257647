/**
 * Looking at a dead-letter queue without changing it: the dead letters are listed from the job
 * records that say their message is in the DLQ (`deadLetteredAt`), with the error and the field
 * at fault; SQS is asked only for the queue's counts (GetQueueAttributes), never for its
 * messages, so no receive count moves and nothing is hidden from a redrive running meanwhile.
 */
import { parseEnvelope, salvageJobId } from '../envelope.ts';
import { JobStatus } from '../job-status.ts';
import type { QueueDepthSource } from '../monitor/monitor-ports.ts';
import type { JobStore } from '../ports.ts';
import type { DeadLetter, DeadLetterListing } from './jobs-admin.ts';
import { listJobsAcross } from './merged-job-list.ts';

/** Dead letters `dlqList` returns at most in one call. */
export const DLQ_LIST_LIMIT = { min: 1, max: 1000, default: 25 } as const;

/** Records read at most to find dead-lettered ones (ERRORED, LOST, CANCELLED, newest first). */
export const DLQ_LIST_SCAN_LIMIT = 5000;

/** SQS receives at most 10 messages per request. */
export const RECEIVE_BATCH = 10;

/** Statuses whose records can say their message is in the DLQ (CANCELLED: a redrive's send failed). */
const DEAD_LETTER_STATUSES = [JobStatus.ERRORED, JobStatus.LOST, JobStatus.CANCELLED] as const;

/** What a dead-letter message says about its job, when its body is a readable envelope. */
export interface DeadLetterIdentity {
  readonly jobId: string | undefined;
  readonly type: string | undefined;
  /** False when the body is not a valid envelope (the worker rejected it as malformed). */
  readonly wellFormed: boolean;
}

/**
 * Reads a dead letter's job id and type. A malformed body may still carry a readable id (the
 * one its ERRORED record was written under).
 *
 * @example
 * ```ts
 * identifyDeadLetter('{"version":1,"id":"a1","type":"webhook",…}'); // { jobId: 'a1', type: 'webhook', wellFormed: true }
 * ```
 */
export function identifyDeadLetter(body: string): DeadLetterIdentity {
  try {
    const envelope = parseEnvelope(body);
    return { jobId: envelope.id, type: envelope.type, wellFormed: true };
  } catch {
    return { jobId: salvageJobId(body), type: undefined, wellFormed: false };
  }
}

/**
 * The dead letters of `queue` as its job records tell them, newest first, and the DLQ's counts
 * from SQS. Messages in the DLQ without such a record (SQS's own redrive after a worker crash,
 * a record past its retention, or a record write that failed) are in the counts but not in the
 * list: `dlq redrive --dry-run` names every message (it receives them).
 *
 * @example
 * ```ts
 * const { depth, letters } = await listDeadLetters({ store, depth }, { name: 'default', dlqUrl }, 25);
 * ```
 */
export async function listDeadLetters(
  deps: { readonly store: Pick<JobStore, 'list'>; readonly depth: QueueDepthSource },
  queue: { readonly name: string; readonly dlqUrl: string },
  limit: number,
): Promise<DeadLetterListing> {
  const depth = await deps.depth.depth(queue.dlqUrl);
  const letters: DeadLetter[] = [];
  let cursor: string | undefined;
  let scanned = 0;
  let more = false;
  do {
    const page = await listJobsAcross(deps.store, {
      queues: [queue.name],
      statuses: DEAD_LETTER_STATUSES,
      limit: 100,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    scanned += page.items.length;
    for (const record of page.items) {
      if (record.deadLetteredAt === undefined) continue;
      if (letters.length >= limit) {
        more = true;
        break;
      }
      letters.push({
        jobId: record.id,
        type: record.type,
        status: record.status,
        attempts: record.attempts,
        maxAttempts: record.maxAttempts,
        deadLetteredAt: record.deadLetteredAt,
        ...(record.messageId !== undefined ? { messageId: record.messageId } : {}),
        ...(record.error
          ? {
              error: {
                name: record.error.name,
                message: record.error.message,
                ...(record.error.field !== undefined ? { field: record.error.field } : {}),
              },
            }
          : {}),
      });
    }
    cursor = page.cursor;
  } while (cursor !== undefined && !more && scanned < DLQ_LIST_SCAN_LIMIT);
  return {
    queue: queue.name,
    depth,
    letters,
    more: more || (cursor !== undefined && scanned >= DLQ_LIST_SCAN_LIMIT),
  };
}
