/**
 * Pausing and resuming a queue: its messages stay in the queue, nothing delivers them to the
 * worker until it is resumed. On AWS that is the queue's Lambda event source mapping, disabled
 * and enabled again (`runtime/adapters/aws/lambda-event-sources.ts`); in dev mode the local
 * poller of the queue (`local/event-source/sqs-event-source.ts`). A paused queue shows as
 * paused in `queues`, `doctor` and the dashboard: its event source is `Disabled` (or
 * `Disabling`, on its way there).
 */
import type { EventSourceState } from './admin-ports.ts';

/** Pauses and resumes the delivery of a queue's messages to its worker. */
export interface QueueConsumptionControl {
  /**
   * Pauses (`paused` true) or resumes the queue's event source and answers its state after the
   * change (on AWS `Disabling`/`Enabling` at first, then `Disabled`/`Enabled`). Throws
   * UnknownQueueError for a queue without an event source.
   */
  setPaused(queue: string, paused: boolean): Promise<EventSourceState>;
}

/** Event source states that mean "paused": disabled, or being disabled. */
const PAUSED_STATES: ReadonlySet<string> = new Set(['Disabled', 'Disabling']);

/**
 * Whether an event source is paused (Disabled or Disabling).
 *
 * @example `isPausedSource({ queue: 'default', functionName: 'f', state: 'Disabled' }) === true`
 */
export function isPausedSource(source: Pick<EventSourceState, 'state'>): boolean {
  return PAUSED_STATES.has(source.state);
}

/**
 * The names of the queues whose every event source is paused (a queue with none is not paused:
 * `doctor` reports it as unfed).
 *
 * @example `pausedQueues(await target.eventSources.states()).has('default')`
 */
export function pausedQueues(sources: readonly EventSourceState[]): ReadonlySet<string> {
  const byQueue = new Map<string, boolean>();
  for (const source of sources) {
    byQueue.set(source.queue, (byQueue.get(source.queue) ?? true) && isPausedSource(source));
  }
  return new Set([...byQueue].filter(([, paused]) => paused).map(([queue]) => queue));
}

/** What dev mode and the CLI note on a paused event source. */
export const PAUSED_DETAIL = 'paused by an operator (lambda-jobs queues pause)';
