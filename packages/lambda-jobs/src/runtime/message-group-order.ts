/**
 * FIFO's ordering promise inside one batch. SQS hands a FIFO batch with each group's messages
 * in order; the worker keeps that order: a group's messages run one after another, and once one
 * of them is kept (it failed and will be retried, was deferred, or could not be finished), it
 * and every later message of its group in the batch go back as batch item failures without
 * running. SQS then delivers nothing more of the group until the kept message is done, so the
 * group resumes in order. Different groups run side by side. On a standard queue every message
 * is its own unit and nothing is held back.
 */

/** The fields of a received message this module reads. */
export interface GroupedMessage {
  readonly messageId: string;
  /** SQS's `MessageGroupId` system attribute, as Lambda passes it. */
  readonly attributes?: { readonly MessageGroupId?: string };
}

/**
 * The batch cut into units that run one message at a time, in order: per message group on a
 * FIFO queue (messages without a group share one unit, the safe reading), one message per unit
 * otherwise.
 *
 * @example
 * ```ts
 * orderedUnits([a1, b1, a2], true); // [[a1, a2], [b1]]
 * orderedUnits([a1, b1, a2], false); // [[a1], [b1], [a2]]
 * ```
 */
export function orderedUnits<M extends GroupedMessage>(
  messages: readonly M[],
  fifo: boolean,
): M[][] {
  if (!fifo) return messages.map((message) => [message]);
  const byGroup = new Map<string, M[]>();
  for (const message of messages) {
    const group = message.attributes?.MessageGroupId ?? '';
    const unit = byGroup.get(group);
    if (unit) unit.push(message);
    else byGroup.set(group, [message]);
  }
  return [...byGroup.values()];
}

/**
 * Runs one unit in order: `run` for each message until one is kept, then `held` for each of
 * the messages after it (they go back without running). `held` should make them visible again
 * at once: a message of the group still in flight would keep the whole group waiting for its
 * visibility timeout, past the kept message's own due time.
 *
 * @example
 * ```ts
 * await runUnitInOrder(unit, dispatch, (m) => failures.push({ itemIdentifier: m.messageId }));
 * ```
 */
export async function runUnitInOrder<M>(
  unit: readonly M[],
  run: (message: M) => Promise<'delete' | 'keep'>,
  held: (message: M) => Promise<void> | void,
): Promise<void> {
  let kept = false;
  for (const message of unit) {
    if (kept) {
      await held(message);
      continue;
    }
    kept = (await run(message)) === 'keep';
  }
}
