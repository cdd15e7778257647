import { createMemoryCircuitState } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-circuit-state.ts';
import { createMemoryConcurrencyKeys } from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-concurrency-keys.ts';
import {
  createMemoryJobStore,
  type MemoryJobStore,
} from '../../packages/lambda-jobs/src/runtime/adapters/memory/memory-job-store.ts';
import { describeCircuitStateContract } from './circuit-state.contract.ts';
import { describeConcurrencyKeysContract } from './concurrency-keys.contract.ts';
import { describeJobStoreContract } from './job-store.contract.ts';

describeJobStoreContract(
  'memory',
  async (settings) => createMemoryJobStore(settings),
  async (store, record) => (store as MemoryJobStore).writeAsProducer(record),
);
describeConcurrencyKeysContract('memory', async () => createMemoryConcurrencyKeys());
describeCircuitStateContract('memory', async () => createMemoryCircuitState());
