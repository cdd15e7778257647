import { createRegistry } from 'lambda-jobs';
import { sendReceipt } from './send-receipt.ts';
import { syncInventory } from './sync-inventory.ts';

export { sendReceipt, syncInventory };

/** Every job type of the shop: `registry` in lambda-jobs.config.ts names this module. */
export const registry = createRegistry([sendReceipt, syncInventory]);
