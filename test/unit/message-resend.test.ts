import { describe, expect, it } from 'vitest';
import {
  createMessageResend,
  RESENT_ATTRIBUTE,
  resendDeliveryId,
} from '../../packages/lambda-jobs/src/runtime/message-resend.ts';
import type {
  DelayedDelivery,
  QueueTransport,
} from '../../packages/lambda-jobs/src/runtime/ports.ts';

const NOW = new Date('2026-12-03T10:00:00.000Z');

function fakes() {
  const sent: { url: string; body: string; delay?: number; attributes?: object }[] = [];
  const scheduled: { id: string; url: string; at: string }[] = [];
  const transport: QueueTransport = {
    send: async (url, body, delay, attributes) => {
      sent.push({ url, body, ...(delay === undefined ? {} : { delay }), attributes });
      return { messageId: `m${sent.length}` };
    },
    sendBatch: async () => [],
    changeVisibility: async () => {},
  };
  const delayedDelivery: DelayedDelivery = {
    schedule: async (id, url, _body, at) => {
      scheduled.push({ id, url, at: at.toISOString() });
    },
    cancel: async () => false,
  };
  return { sent, scheduled, transport, delayedDelivery };
}

describe('sending a job on', () => {
  it.each([
    [0, undefined],
    [1.2, 2],
    [900, 900],
  ])('delays %s s through SQS DelaySeconds (%s), marked as re-sent', async (seconds, delay) => {
    const f = fakes();
    const resend = createMessageResend({ ...f, queueUrl: 'q', now: () => NOW });

    const route = await resend.resend({
      jobId: 'j',
      body: 'b',
      delaySeconds: seconds,
      sendKey: 'k',
    });

    expect(route).toBe('sqs');
    expect(f.sent).toEqual([
      {
        url: 'q',
        body: 'b',
        ...(delay === undefined ? {} : { delay }),
        attributes: { [RESENT_ATTRIBUTE]: '1' },
      },
    ]);
    expect(f.scheduled).toEqual([]);
  });

  it('delays beyond 900 s through the delayed delivery, named after the job and this send', async () => {
    const f = fakes();
    const resend = createMessageResend({ ...f, queueUrl: 'q', now: () => NOW });

    const route = await resend.resend({
      jobId: 'j',
      body: 'b',
      delaySeconds: 3600,
      sendKey: 'due-1',
    });

    expect(route).toBe('delayed-delivery');
    expect(f.scheduled).toEqual([{ id: 'j#due-1', url: 'q', at: '2026-12-03T11:00:00.000Z' }]);
    expect(f.sent).toEqual([]);
  });

  it('without a delayed delivery, sends a long delay in a hop of 900 s', async () => {
    const f = fakes();
    const resend = createMessageResend({ transport: f.transport, queueUrl: 'q', now: () => NOW });

    await resend.resend({ jobId: 'j', body: 'b', delaySeconds: 3600, sendKey: 'due-1' });

    expect(f.sent.map((s) => s.delay)).toEqual([900]);
  });

  it("names a delivery with a character job ids never contain, so it is no other job's", () => {
    const id = resendDeliveryId('a', 'due-1');
    expect(id).toBe('a#due-1');
    expect(id).not.toMatch(/^[A-Za-z0-9_:.-]{1,128}$/);
  });
});
