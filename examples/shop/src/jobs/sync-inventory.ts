import { defineJob } from 'lambda-jobs';
import { z } from 'zod';

/** Tells the warehouse which items an order took. */
export const syncInventory = defineJob({
  type: 'sync-inventory',
  schema: z.object({
    orderId: z.string().min(1),
    items: z.array(z.object({ sku: z.string().min(1), quantity: z.int().positive() })).min(1),
  }),
  timeoutSeconds: 30,
  run: async (payload) => ({
    units: payload.items.reduce((sum, item) => sum + item.quantity, 0),
  }),
});
