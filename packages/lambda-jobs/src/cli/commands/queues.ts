import type { QueueOverview } from '../../runtime/admin/jobs-admin.ts';
import { EXIT } from '../cli-errors.ts';
import { type Command, printJson } from '../command-context.ts';
import { formatSeconds } from '../human-format.ts';
import { formatTable } from '../text-table.ts';

/**
 * The queue overview as a table: one row per queue.
 *
 * @example `io.stdout.write(queueTable(await admin.queues()))`
 */
export function queueTable(queues: readonly QueueOverview[]): string {
  return formatTable(queues, [
    { heading: 'QUEUE', cell: (q) => q.name },
    { heading: 'VISIBLE', cell: (q) => q.visible },
    { heading: 'IN FLIGHT', cell: (q) => q.inFlight },
    { heading: 'DELAYED', cell: (q) => q.delayed },
    { heading: 'BACKLOG', cell: (q) => q.backlog },
    { heading: 'OLDEST', cell: (q) => formatSeconds(q.oldestAgeSeconds), align: 'right' },
    { heading: 'DLQ', cell: (q) => q.dlqDepth },
    { heading: 'LEVEL', cell: (q) => q.level.toUpperCase() },
  ]);
}

/**
 * `lambda-jobs queues`: one row per queue (JSON: `{ queues: QueueOverview[] }`).
 *
 * @example `lambda-jobs queues --stack shop --json`
 */
export const queuesCommand: Command = async ({ io, json, target }) => {
  const { admin } = await target();
  const queues = await admin.queues();
  if (json) printJson(io, { queues });
  else io.stdout.write(queueTable(queues));
  return EXIT.ok;
};
