import { defineJob } from 'lambda-jobs';
import { z } from 'zod';

/** Emails the receipt of an order. One job per order at a time; five tries with backoff. */
export const sendReceipt = defineJob({
  type: 'send-receipt',
  schema: z.object({ orderId: z.string().min(1), email: z.email() }),
  retries: 5,
  timeoutSeconds: 20,
  concurrencyKey: (payload) => `receipt:${payload.orderId}`,
  run: async (payload, context) => {
    // A real app calls its mail provider here.
    context.logger.info('receipt sent', { orderId: payload.orderId });
    return { sentTo: payload.email };
  },
});
