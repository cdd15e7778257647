import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';
import {
  createTestQueue,
  eventually,
  gate,
  queueDepth,
  sendMessages,
  startTestEventSource,
} from './event-source-fixtures.ts';

/** Resolves to 'stopped' if `stopping` settles within `boundMs`, else to 'still running'. */
function settlesWithin(stopping: Promise<void>, boundMs: number): Promise<string> {
  return Promise.race([stopping.then(() => 'stopped'), sleep(boundMs).then(() => 'still running')]);
}

describe.concurrent('local SQS event source: stopping', () => {
  it('stop() cancels open long polls instead of waiting them out', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare: every poller is in a 20-second long poll on an empty queue.
    const queue = await createTestQueue();
    const source = await startTestEventSource(queue, onTestFinished, {
      maxConcurrency: 3,
      pollWaitSeconds: 20,
      handler: async () => undefined,
    });
    await sleep(100);

    // Act
    const outcome = await settlesWithin(source.stop(), 10_000);

    // Assess
    expect(outcome).toBe('stopped');
    expect(source.stats()).toMatchObject({ state: 'stopped', pollErrors: 0 });
  });

  it('stop() waits for an invocation in flight, then deletes its messages', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue();
    await sendMessages(queue, ['in-flight']);
    const started = gate();
    const release = gate();
    const source = await startTestEventSource(queue, onTestFinished, {
      handler: async () => {
        started.open();
        await release.opened;
      },
    });
    await started.opened;

    // Act
    const stopping = source.stop();
    const whileHandlerRuns = await settlesWithin(stopping, 300);
    const stateWhileHandlerRuns = source.stats().state;
    release.open();
    await stopping;

    // Assess
    expect(whileHandlerRuns).toBe('still running');
    expect(stateWhileHandlerRuns).toBe('stopping');
    expect(source.stats()).toMatchObject({ state: 'stopped', messagesDeleted: 1, inFlight: 0 });
    expect(await queueDepth(queue.sqs, queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('stop() waits no longer than the function timeout for a stuck invocation', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 30 });
    await sendMessages(queue, ['stuck']);
    const started = gate();
    const source = await startTestEventSource(queue, onTestFinished, {
      functionTimeoutSeconds: 1,
      handler: async () => {
        started.open();
        await new Promise(() => {});
      },
    });
    await started.opened;

    // Act
    const outcome = await settlesWithin(source.stop(), 10_000);

    // Assess: abandoned, not deleted; the message waits out its visibility timeout.
    expect(outcome).toBe('stopped');
    expect(source.stats()).toMatchObject({ abandonedInvocations: 1, messagesDeleted: 0 });
    expect(await queueDepth(queue.sqs, queue.url)).toEqual({ visible: 0, inFlight: 1 });
  });

  it('stop() cuts a batching window short and invokes what it gathered', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare: a long batching window holds the first message while the batch fills.
    const queue = await createTestQueue({ visibilityTimeoutSeconds: 30 });
    await sendMessages(queue, ['gathered']);
    const handled: string[] = [];
    const source = await startTestEventSource(queue, onTestFinished, {
      batchSize: 20,
      batchingWindowSeconds: 300,
      handler: async (event) => {
        handled.push(...event.Records.map((record) => record.body));
      },
    });
    await eventually(() => expect(source.stats().messagesReceived).toBe(1));

    // Act
    const outcome = await settlesWithin(source.stop(), 10_000);

    // Assess
    expect(outcome).toBe('stopped');
    expect(handled).toEqual(['gathered']);
    expect(source.stats()).toMatchObject({ invocations: 1, messagesDeleted: 1, pollErrors: 0 });
    expect(await queueDepth(queue.sqs, queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
