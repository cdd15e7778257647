import { createMemoryConcurrencyKeys } from '../../runtime/adapters/memory/memory-concurrency-keys.ts';
import { createMemoryJobStore } from '../../runtime/adapters/memory/memory-job-store.ts';
import { describeConcurrencyKeysContract } from './concurrency-keys.contract.ts';
import { describeJobStoreContract } from './job-store.contract.ts';

describeJobStoreContract('memory', async (settings) => createMemoryJobStore(settings));
describeConcurrencyKeysContract('memory', async () => createMemoryConcurrencyKeys());
