/**
 * The ground truth of what DynamoDB applied: an observer placed below every injected fault
 * (step `deserialize`, inside the SDK's retry) records each job-record write the service
 * accepted. A write whose response is lost afterwards is still recorded, since it was applied;
 * a write refused by its condition is not. This is how a chaos run counts transitions (e.g.
 * RUNNING → SUCCESSFUL) independently of what the runtime believes happened.
 */
import type { MetadataBearer } from '@smithy/types';
import { TABLE_SCHEMA } from '../../config/table-schema.ts';
import { isJobStatus, type JobStatus } from '../../runtime/job-status.ts';
import { currentInvocation, type InvocationState } from './invocation-freeze.ts';
import type { MiddlewareStackOwner } from './sdk-faults.ts';

/** One applied write that set a job record's status. */
export interface AppliedStatusWrite {
  readonly id: string;
  readonly status: JobStatus;
  readonly command: 'UpdateItem' | 'PutItem';
  /** The write was conditional on the record being RUNNING (an attempt's end, or LOST). */
  readonly fromRunning: boolean;
  /** The invocation that made it (undefined: the monitor); `frozen` tells if it died later. */
  readonly by?: InvocationState;
  /** When the service's answer arrived, epoch ms. */
  readonly at?: number;
}

/** Applied status writes per job id, in the order the service answered them. */
export interface WriteLedger {
  record(write: AppliedStatusWrite): void;
  writesOf(id: string): readonly AppliedStatusWrite[];
  /** Job ids with at least one applied write. */
  ids(): IterableIterator<string>;
  /** How many ids had an applied write into one of `statuses`. */
  countReaching(statuses: readonly JobStatus[]): number;
}

/**
 * An empty ledger.
 *
 * @example
 * ```ts
 * const ledger = createWriteLedger();
 * observeAppliedWrites(dynamodb, ledger);
 * ledger.writesOf(jobId).filter((w) => w.status === 'SUCCESSFUL').length; // 1
 * ```
 */
export function createWriteLedger(): WriteLedger {
  const writes = new Map<string, AppliedStatusWrite[]>();
  const reached = new Map<JobStatus, Set<string>>();
  return {
    record(write) {
      const list = writes.get(write.id) ?? [];
      list.push(write);
      writes.set(write.id, list);
      const ids = reached.get(write.status) ?? new Set<string>();
      ids.add(write.id);
      reached.set(write.status, ids);
    },
    writesOf: (id) => writes.get(id) ?? [],
    ids: () => writes.keys(),
    countReaching(statuses) {
      const ids = new Set<string>();
      for (const status of statuses) for (const id of reached.get(status) ?? []) ids.add(id);
      return ids.size;
    },
  };
}

/** A string attribute, marshalled (`{ S: 'x' }`) or not (`'x'`). */
function stringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'S' in value) {
    const s = (value as { S: unknown }).S;
    return typeof s === 'string' ? s : undefined;
  }
  return undefined;
}

function jobIdOf(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  const pk = stringValue((key as Record<string, unknown>)[TABLE_SCHEMA.partitionKey]);
  return pk?.startsWith('JOB#') ? pk.slice('JOB#'.length) : undefined;
}

/**
 * The status write an UpdateItem or PutItem input makes, if it sets a job record's status.
 *
 * @example
 * ```ts
 * statusWriteOf('UpdateItemCommand', input); // { id: 'chaos-7', status: 'SUCCESSFUL', fromRunning: true, … }
 * ```
 */
export function statusWriteOf(
  commandName: string,
  input: Record<string, unknown>,
): AppliedStatusWrite | undefined {
  if (commandName === 'UpdateItemCommand') {
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const id = jobIdOf(input.Key);
    const status = stringValue(values[':status']);
    if (!id || !isJobStatus(status)) return undefined;
    const fromRunning = String(input.ConditionExpression ?? '').includes('= :running');
    return { id, status, command: 'UpdateItem', fromRunning };
  }
  if (commandName === 'PutItemCommand') {
    const item = (input.Item ?? {}) as Record<string, unknown>;
    const id = jobIdOf(item);
    const status = stringValue(item.status);
    if (!id || !isJobStatus(status)) return undefined;
    return { id, status, command: 'PutItem', fromRunning: false };
  }
  return undefined;
}

/**
 * Adds the observer to a DynamoDB client (the worker's, the monitor's).
 *
 * @example
 * ```ts
 * observeAppliedWrites(workerDynamodb, ledger);
 * ```
 */
export function observeAppliedWrites<Input extends object, Output extends MetadataBearer>(
  client: MiddlewareStackOwner<Input, Output>,
  ledger: WriteLedger,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const write = statusWriteOf(
        context.commandName ?? '',
        args.input as unknown as Record<string, unknown>,
      );
      const by = currentInvocation();
      if (write) ledger.record({ ...write, at: Date.now(), ...(by ? { by } : {}) });
      return result;
    },
    { step: 'deserialize', priority: 'high', name: 'chaosAppliedWritesObserver' },
  );
}
