/**
 * Deleting one job's message from a dead-letter queue, and saying so on its record. The DLQ is
 * read message by message (SQS cannot fetch a message by id), at most as many as it held when
 * the deletion started; every other message received is made visible again at once. The record
 * is updated after the delete (`deadLetteredAt` removed, `deadLetterDeletedAt` set), so a crash
 * in between leaves a record that still names the DLQ: deleting again finds no message and
 * updates the record.
 */
import { JobNotFoundError, JobStateConflictError } from '../errors.ts';
import type { QueueDepthSource } from '../monitor/monitor-ports.ts';
import type { JobStore } from '../ports.ts';
import type { QueueMessageAdmin } from './admin-ports.ts';
import { identifyDeadLetter, RECEIVE_BATCH } from './dead-letters.ts';
import type { DeadLetterDeletion } from './jobs-admin.ts';

/** Seconds the messages looked through stay hidden if the release at the end never happens. */
const SEARCH_VISIBILITY_SECONDS = 30;

/**
 * Deletes every copy of `jobId`'s message from the DLQ, then notes it on the record.
 *
 * @example
 * ```ts
 * const { deleted, recordUpdated } = await deleteDeadLetter(deps, { dlqUrl }, 'job-1', new Date());
 * ```
 */
export async function deleteDeadLetter(
  deps: {
    readonly store: Pick<JobStore, 'markDeadLetterDeleted'>;
    readonly messages: QueueMessageAdmin;
    readonly depth: QueueDepthSource;
  },
  queue: { readonly dlqUrl: string },
  jobId: string,
  now: Date,
): Promise<DeadLetterDeletion> {
  const start = await deps.depth.depth(queue.dlqUrl);
  const present = start.visible + start.inFlight + start.delayed;
  const held: string[] = [];
  const seen = new Set<string>();
  let deleted = 0;
  try {
    while (seen.size < present) {
      const batch = await deps.messages.receive(
        queue.dlqUrl,
        RECEIVE_BATCH,
        SEARCH_VISIBILITY_SECONDS,
      );
      let fresh = 0;
      for (const message of batch) {
        if (!seen.has(message.messageId)) fresh += 1;
        seen.add(message.messageId);
        if (identifyDeadLetter(message.body).jobId === jobId) {
          await deps.messages.delete(queue.dlqUrl, message.receiptHandle);
          deleted += 1;
        } else {
          held.push(message.receiptHandle);
        }
      }
      if (fresh === 0) break;
    }
  } finally {
    await deps.messages.release(queue.dlqUrl, held);
  }
  let recordUpdated = false;
  try {
    await deps.store.markDeadLetterDeleted(jobId, now.toISOString());
    recordUpdated = true;
  } catch (error) {
    if (!(error instanceof JobStateConflictError || error instanceof JobNotFoundError)) throw error;
  }
  return { jobId, deleted, recordUpdated };
}
