/**
 * The ground truth of what DynamoDB applied: an observer placed below every injected fault
 * (step `deserialize`, inside the SDK's retry) records each job-record write the service
 * accepted. A write whose response is lost afterwards is still recorded, since it was applied;
 * a write refused by its condition is not. This is how a chaos run counts transitions (e.g.
 * RUNNING → SUCCESSFUL) independently of what the runtime believes happened.
 */
import type { MetadataBearer } from '@smithy/types';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { isJobStatus, type JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { attributeText } from '../support/attribute-text.ts';
import { currentInvocation, type InvocationState } from './invocation-freeze.ts';
import type { MiddlewareStackOwner } from './sdk-faults.ts';

/** One applied write that set a job record's status. */
export interface AppliedStatusWrite {
  readonly id: string;
  readonly status: JobStatus;
  readonly command: 'UpdateItem' | 'PutItem';
  /**
   * The write ends a RUNNING attempt (or marks it LOST): an UpdateItem conditional on RUNNING,
   * or the PutItem of a successful attempt, conditional on RUNNING too.
   */
  readonly fromRunning: boolean;
  /**
   * The write records a lost attempt (the rescue's conditional write on an expired lease),
   * whether it makes the record RETRYING (attempts left) or LOST.
   */
  readonly lostAttempt?: boolean;
  /** The attempt a write ending a RUNNING attempt was conditional on. */
  readonly attempt?: number;
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
      // Every write of a job's state is conditional: one sent again (the SDK's retry after a
      // lost response) is refused by its condition and never gets here.
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

function jobIdOf(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  const pk = attributeText((key as Record<string, unknown>)[TABLE_SCHEMA.partitionKey]);
  return pk?.startsWith('JOB#') ? pk.slice('JOB#'.length) : undefined;
}

/** A number attribute, marshalled (`{ N: '1' }`) or not (`1`). */
function numberValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'N' in value
    ? (value as { N: unknown }).N
    : value;
}

/**
 * The status writes an UpdateItem or PutItem applied, from its input (the observer sees only
 * writes the service accepted).
 *
 * @example
 * ```ts
 * statusWritesOf('UpdateItemCommand', input); // [{ id: 'chaos-7', status: 'SUCCESSFUL', fromRunning: true, … }]
 * ```
 */
export function statusWritesOf(
  commandName: string,
  input: Record<string, unknown>,
): AppliedStatusWrite[] {
  if (commandName === 'UpdateItemCommand') {
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const id = jobIdOf(input.Key);
    const status = attributeText(values[':status']);
    if (!id || !isJobStatus(status)) return [];
    const condition = String(input.ConditionExpression ?? '');
    const fromRunning = condition.includes('= :running');
    const endedAt = attributeText(values[':endedAt']);
    const attempt = Number(numberValue(values[':attempt']));
    return [
      {
        id,
        status,
        command: 'UpdateItem',
        fromRunning,
        ...(fromRunning && /< :before\b/.test(condition) ? { lostAttempt: true } : {}),
        ...(fromRunning && Number.isFinite(attempt) ? { attempt } : {}),
        ...(endedAt ? { endedAt } : {}),
      },
    ];
  }
  if (commandName === 'PutItemCommand') {
    const item = (input.Item ?? {}) as Record<string, unknown>;
    const id = jobIdOf(item);
    const status = attributeText(item.status);
    if (!id || !isJobStatus(status)) return [];
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const fromRunning = String(input.ConditionExpression ?? '').includes('= :running');
    const attempt = Number(numberValue(values[':attempt']));
    const endedAt = attributeText(item.endedAt);
    return [
      {
        id,
        status,
        command: 'PutItem',
        fromRunning,
        ...(fromRunning && Number.isFinite(attempt) ? { attempt } : {}),
        ...(fromRunning && endedAt ? { endedAt } : {}),
      },
    ];
  }
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
      const result = await next(args);
      const writes = statusWritesOf(context.commandName ?? '', input);
      const by = currentInvocation();
      for (const write of writes)
        ledger.record({ ...write, at: Date.now(), ...(by ? { by } : {}) });
      return result;
    },
    { step: 'deserialize', priority: 'high', name: 'chaosAppliedWritesObserver' },
  );
}
