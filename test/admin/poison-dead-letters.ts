/**
 * The demo's poison messages and a worker that keeps delivering `default` in the background,
 * for tests of a redrive while the worker runs (the way the loop was seen).
 */
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { deliverOnce } from '../support/deliver-once.ts';
import type { AdminScenario } from './admin-test-kit.ts';

/** The demo's three poison messages: unreadable, an unknown type, a payload its schema refuses. */
export const POISON = [
  '{"this is": "not a job envelope"',
  JSON.stringify({
    version: ENVELOPE_VERSION,
    id: 'poison-unknown-type',
    type: 'no-such-job',
    queue: 'default',
    payload: {},
    enqueuedAt: new Date().toISOString(),
  }),
  serializeEnvelope({
    version: ENVELOPE_VERSION,
    id: 'poison-bad-payload',
    type: 'echo',
    queue: 'default',
    payload: { n: 'not a number' },
    enqueuedAt: new Date().toISOString(),
  }),
];

/** The worker of `default`, delivering as the event source would while the redrive runs. */
export function runWorkerInBackground(s: AdminScenario) {
  let running = true;
  let handled = 0;
  const loop = (async () => {
    while (running) {
      const { received } = await deliverOnce(s.sqs, s.queues.default!.url, s.worker.handler, {
        waitSeconds: 0,
      });
      handled += received.length;
      if (received.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    handled: () => handled,
    async stop() {
      running = false;
      await loop;
    },
  };
}
