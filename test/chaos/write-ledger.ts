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
  readonly command: 'UpdateItem' | 'PutItem' | 'BatchWriteItem';
  /**
   * The write ends a RUNNING attempt (or marks it LOST): an UpdateItem conditional on RUNNING,
   * or a whole SUCCESSFUL record in the batch write of a batch's successful attempts.
   */
  readonly fromRunning: boolean;
  /** The `endedAt` the write sets, if any. */
  readonly endedAt?: string;
  /** The invocation that made it (undefined: the monitor); `frozen` tells if it died later. */
  readonly by?: InvocationState;
  /** When the service's answer arrived, epoch ms. */
  readonly at?: number;
}

/** Applied status writes per job id, in the order the service answered them. */
export interface WriteLedger {
  record(write: AppliedStatusWrite): void;
  writesOf(id: string): readonly AppliedStatusWrite[];
  /**
   * Notes a write whose request the runtime abandoned (aborted) after sending it: the service
   * may have applied it or not, and no answer will tell. Kept apart from `writesOf`.
   */
  recordUnconfirmed(write: AppliedStatusWrite): void;
  /** The abandoned writes of `id`; the final record tells whether one was applied. */
  unconfirmedOf(id: string): readonly AppliedStatusWrite[];
  /** How many writes were abandoned in all. */
  unconfirmedCount(): number;
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
  const unconfirmed = new Map<string, AppliedStatusWrite[]>();
  let unconfirmedTotal = 0;
  const reached = new Map<JobStatus, Set<string>>();
  return {
    recordUnconfirmed(write) {
      unconfirmed.set(write.id, [...(unconfirmed.get(write.id) ?? []), write]);
      unconfirmedTotal += 1;
    },
    unconfirmedOf: (id) => unconfirmed.get(id) ?? [],
    unconfirmedCount: () => unconfirmedTotal,
    record(write) {
      const list = writes.get(write.id) ?? [];
      // A batch write whose response was lost is sent again by the SDK; the same whole record
      // applied twice changes nothing and is one write. (A conditional write sent again is
      // refused by its condition and never gets here.)
      const repeated = list.some(
        (w) =>
          write.endedAt !== undefined &&
          w.endedAt === write.endedAt &&
          w.status === write.status &&
          w.command === write.command,
      );
      if (repeated) return;
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

type PutRequests = Record<string, { PutRequest?: { Item?: Record<string, unknown> } }[]>;

/** The job records a BatchWriteItem put, less those it reports unprocessed (not applied). */
function batchWrites(input: Record<string, unknown>, output: unknown): AppliedStatusWrite[] {
  const unprocessed = new Set<string>();
  const left = ((output as { UnprocessedItems?: PutRequests } | undefined)?.UnprocessedItems ??
    {}) as PutRequests;
  for (const requests of Object.values(left)) {
    for (const request of requests) {
      const id = jobIdOf(request.PutRequest?.Item);
      if (id) unprocessed.add(id);
    }
  }
  const applied: AppliedStatusWrite[] = [];
  for (const requests of Object.values((input.RequestItems ?? {}) as PutRequests)) {
    for (const request of requests) {
      const item = request.PutRequest?.Item ?? {};
      const id = jobIdOf(item);
      const status = stringValue(item.status);
      if (!id || unprocessed.has(id) || !isJobStatus(status)) continue;
      const endedAt = stringValue(item.endedAt);
      applied.push({
        id,
        status,
        command: 'BatchWriteItem',
        fromRunning: status === 'SUCCESSFUL',
        ...(endedAt ? { endedAt } : {}),
      });
    }
  }
  return applied;
}

/**
 * The status writes an UpdateItem, PutItem or BatchWriteItem applied, from its input and output.
 *
 * @example
 * ```ts
 * statusWritesOf('UpdateItemCommand', input, output); // [{ id: 'chaos-7', status: 'SUCCESSFUL', fromRunning: true, … }]
 * ```
 */
export function statusWritesOf(
  commandName: string,
  input: Record<string, unknown>,
  output?: unknown,
): AppliedStatusWrite[] {
  if (commandName === 'UpdateItemCommand') {
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const id = jobIdOf(input.Key);
    const status = stringValue(values[':status']);
    if (!id || !isJobStatus(status)) return [];
    const fromRunning = String(input.ConditionExpression ?? '').includes('= :running');
    const endedAt = stringValue(values[':endedAt']);
    return [{ id, status, command: 'UpdateItem', fromRunning, ...(endedAt ? { endedAt } : {}) }];
  }
  if (commandName === 'PutItemCommand') {
    const item = (input.Item ?? {}) as Record<string, unknown>;
    const id = jobIdOf(item);
    const status = stringValue(item.status);
    if (!id || !isJobStatus(status)) return [];
    return [{ id, status, command: 'PutItem', fromRunning: false }];
  }
  if (commandName === 'BatchWriteItemCommand') return batchWrites(input, output);
  return [];
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
      const input = args.input as unknown as Record<string, unknown>;
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        // Abandoned by its caller (an AbortSignal): sent, perhaps applied, never answered.
        if ((error as Error | undefined)?.name === 'AbortError') {
          const by = currentInvocation();
          for (const write of statusWritesOf(context.commandName ?? '', input))
            ledger.recordUnconfirmed({ ...write, at: Date.now(), ...(by ? { by } : {}) });
        }
        throw error;
      }
      const writes = statusWritesOf(context.commandName ?? '', input, result.output);
      const by = currentInvocation();
      for (const write of writes)
        ledger.record({ ...write, at: Date.now(), ...(by ? { by } : {}) });
      return result;
    },
    { step: 'deserialize', priority: 'high', name: 'chaosAppliedWritesObserver' },
  );
}
