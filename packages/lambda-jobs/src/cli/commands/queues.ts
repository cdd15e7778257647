import type { QueueOverview } from '../../runtime/admin/jobs-admin.ts';
import { pausedQueues } from '../../runtime/admin/queue-consumption.ts';
import type { CircuitView } from '../../runtime/circuit/circuit-admin.ts';
import { UnknownQueueError } from '../../runtime/errors.ts';
import { EXIT } from '../cli-errors.ts';
import { type Command, type CommandContext, printJson } from '../command-context.ts';
import { formatSeconds } from '../human-format.ts';
import { formatTable } from '../text-table.ts';
import { circuitTable } from './circuits.ts';

/**
 * The queue overview as a table: one row per queue.
 *
 * @example `io.stdout.write(queueTable(await admin.queues()))`
 */
export function queueTable(
  queues: readonly QueueOverview[],
  paused: ReadonlySet<string> | undefined = undefined,
): string {
  return formatTable(queues, [
    { heading: 'QUEUE', cell: (q) => q.name },
    { heading: 'KIND', cell: (q) => (q.fifo ? 'FIFO' : 'standard') },
    { heading: 'VISIBLE', cell: (q) => q.visible },
    { heading: 'IN FLIGHT', cell: (q) => q.inFlight },
    { heading: 'DELAYED', cell: (q) => q.delayed },
    { heading: 'BACKLOG', cell: (q) => q.backlog },
    { heading: 'OLDEST', cell: (q) => formatSeconds(q.oldestAgeSeconds), align: 'right' },
    { heading: 'DLQ', cell: (q) => q.dlqDepth },
    { heading: 'LEVEL', cell: (q) => q.level.toUpperCase() },
    {
      heading: 'DELIVERY',
      cell: (q) => (paused === undefined ? 'unknown' : paused.has(q.name) ? 'PAUSED' : 'running'),
    },
  ]);
}

/**
 * The queues whose event source is paused, or undefined when the target cannot tell (the
 * event sources could not be read: a note goes to stderr).
 */
export async function readPausedQueues(
  context: CommandContext,
): Promise<ReadonlySet<string> | undefined> {
  const { eventSources } = await context.target();
  try {
    return pausedQueues(await eventSources.states());
  } catch (error) {
    context.io.stderr.write(
      `Note: whether queues are paused is unknown: their event sources could not be read (${(error as Error).message}).\n`,
    );
    return undefined;
  }
}

/** The circuits, or undefined when they could not be read (a note goes to stderr). */
async function readCircuits(context: CommandContext): Promise<CircuitView[] | undefined> {
  try {
    return await (await context.target()).circuits.list();
  } catch (error) {
    context.io.stderr.write(
      `Note: the circuit breakers could not be read (${(error as Error).message}).\n`,
    );
    return undefined;
  }
}

/**
 * `lambda-jobs queues`: one row per queue (JSON: `{ queues: QueueOverview[] }`).
 *
 * @example `lambda-jobs queues --stack shop --json`
 */
export const queuesCommand: Command = async (context) => {
  const { io, json, target } = context;
  const { admin } = await target();
  const [queues, paused, circuits] = await Promise.all([
    admin.queues(),
    readPausedQueues(context),
    readCircuits(context),
  ]);
  if (json) {
    printJson(io, {
      queues: queues.map((queue) => ({
        ...queue,
        ...(paused === undefined ? {} : { paused: paused.has(queue.name) }),
      })),
      ...(circuits === undefined ? {} : { circuits }),
    });
  } else {
    io.stdout.write(queueTable(queues, paused));
    if (circuits && circuits.length > 0) io.stdout.write(`\n${circuitTable(circuits)}`);
  }
  return EXIT.ok;
};

/**
 * `lambda-jobs queues pause|resume QUEUE`: stops (or starts again) the delivery of the queue's
 * messages to its worker. On a stack: its Lambda event source mapping disabled or enabled; in
 * dev mode: its local poller. Messages wait in the queue meanwhile; jobs running finish.
 *
 * @example `lambda-jobs queues pause default --stack shop`
 */
export function queuePauseCommand(paused: boolean): Command {
  return async ({ io, json, args, target }) => {
    const queue = args[0]!;
    const connected = await target();
    if (!(queue in connected.queues)) {
      throw new UnknownQueueError(queue, Object.keys(connected.queues));
    }
    const source = await connected.consumption.setPaused(queue, paused);
    if (json) {
      printJson(io, { queue, paused, eventSource: source });
      return EXIT.ok;
    }
    io.stdout.write(
      paused
        ? `Queue ${queue} is paused (${source.functionName}: ${source.state}): its messages wait in the queue; jobs already running finish. Resume: lambda-jobs queues resume ${queue}\n`
        : `Queue ${queue} is resumed (${source.functionName}: ${source.state}): its worker receives its messages again.\n`,
    );
    return EXIT.ok;
  };
}
