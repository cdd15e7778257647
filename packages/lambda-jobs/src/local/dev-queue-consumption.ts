/**
 * Dev mode's pause and resume: each queue's local poller, and the event source states the CLI
 * and the dashboard read (a paused poller is `Disabled`, as a disabled Lambda mapping is).
 */
import type { EventSourceState, EventSourceStateSource } from '../runtime/admin/admin-ports.ts';
import { PAUSED_DETAIL, type QueueConsumptionControl } from '../runtime/admin/queue-consumption.ts';
import { UnknownQueueError } from '../runtime/errors.ts';
import type { SqsEventSource } from './event-source/sqs-event-source.ts';

export interface DevQueueConsumptionOptions {
  /** Queue name → its poller and how its event source is described while it runs. */
  readonly sources: ReadonlyMap<
    string,
    {
      readonly poller: Pick<SqsEventSource, 'pause' | 'resume'>;
      readonly running: EventSourceState;
    }
  >;
  /** Called with every state after a change (dev mode writes them to its state file). */
  readonly onChange?: (states: EventSourceState[]) => Promise<void> | void;
}

/**
 * Pauses and resumes local pollers, and answers their states.
 *
 * @example
 * ```ts
 * const consumption = createDevQueueConsumption({ sources: new Map([['default', { poller, running }]]) });
 * await consumption.setPaused('default', true);
 * ```
 */
export function createDevQueueConsumption(
  options: DevQueueConsumptionOptions,
): QueueConsumptionControl & EventSourceStateSource {
  const paused = new Set<string>();
  const stateOf = (queue: string): EventSourceState => {
    const { running } = options.sources.get(queue)!;
    const { detail: _detail, ...rest } = running;
    return paused.has(queue) ? { ...rest, state: 'Disabled', detail: PAUSED_DETAIL } : running;
  };
  const states = () => [...options.sources.keys()].map(stateOf);
  return {
    async states() {
      return states();
    },
    async setPaused(queue, pause) {
      const source = options.sources.get(queue);
      if (!source) throw new UnknownQueueError(queue, [...options.sources.keys()]);
      if (pause) {
        source.poller.pause();
        paused.add(queue);
      } else {
        source.poller.resume();
        paused.delete(queue);
      }
      await options.onChange?.(states());
      return stateOf(queue);
    },
  };
}
