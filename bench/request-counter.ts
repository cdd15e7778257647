import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type {
  FinalizeRequestMiddleware,
  InitializeMiddleware,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import { itemSizeBytes, writeUnitsForBytes } from './dynamodb-item-size.ts';

/** SQS bills every 64 KB chunk of a request's payload as one request. */
export const SQS_BILLING_CHUNK_BYTES = 65_536;

/** What one AWS operation cost during a measurement. */
export interface OperationTally {
  readonly service: string;
  readonly operation: string;
  /** HTTP requests made (every retry attempt counts, as AWS bills it). */
  readonly requests: number;
  /** Requests as billed: SQS counts each 64 KB chunk of payload; other services equal `requests`. */
  readonly billedRequests: number;
  /** Failed requests by error name. */
  readonly errors: Readonly<Record<string, number>>;
  /** DynamoDB capacity units reported by ReturnConsumedCapacity (table and indexes). */
  readonly capacityUnits: number;
  /** The part of the units (reported or computed) spent on global secondary indexes. */
  readonly indexCapacityUnits: number;
  /**
   * Units DynamoDB bills but does not report, computed from item sizes: those of refused
   * conditional writes, each from the item it found (at least one unit).
   */
  readonly estimatedCapacityUnits: number;
}

/** Every operation seen, keyed `Service.Operation` (`SQS.ReceiveMessage`). */
export type RequestTally = Readonly<Record<string, OperationTally>>;

/** What one finished request adds to the tally. */
export interface RequestOutcome {
  readonly billedRequests?: number;
  readonly error?: string;
  readonly capacityUnits?: number;
  readonly indexCapacityUnits?: number;
  readonly estimatedCapacityUnits?: number;
}

/** Counts AWS requests by service and operation. */
export interface RequestCounter {
  record(service: string, operation: string, outcome?: RequestOutcome): void;
  snapshot(): RequestTally;
  reset(): void;
}

/**
 * A fresh, empty counter.
 *
 * @example
 * ```ts
 * const counter = createRequestCounter();
 * counter.record('SQS', 'SendMessageBatch');
 * counter.snapshot()['SQS.SendMessageBatch']?.requests; // 1
 * ```
 */
export function createRequestCounter(): RequestCounter {
  let tally: Record<string, OperationTally> = {};
  return {
    record(service, operation, outcome = {}) {
      const key = `${service}.${operation}`;
      const previous = tally[key] ?? {
        service,
        operation,
        requests: 0,
        billedRequests: 0,
        errors: {},
        capacityUnits: 0,
        indexCapacityUnits: 0,
        estimatedCapacityUnits: 0,
      };
      tally[key] = {
        ...previous,
        requests: previous.requests + 1,
        billedRequests: previous.billedRequests + (outcome.billedRequests ?? 1),
        errors: outcome.error
          ? { ...previous.errors, [outcome.error]: (previous.errors[outcome.error] ?? 0) + 1 }
          : previous.errors,
        capacityUnits: previous.capacityUnits + (outcome.capacityUnits ?? 0),
        indexCapacityUnits: previous.indexCapacityUnits + (outcome.indexCapacityUnits ?? 0),
        estimatedCapacityUnits:
          previous.estimatedCapacityUnits + (outcome.estimatedCapacityUnits ?? 0),
      };
    },
    snapshot: () => ({ ...tally }),
    reset() {
      tally = {};
    },
  };
}

/**
 * Adds tallies together (the producer's, the event source's and the worker's requests).
 *
 * @example
 * ```ts
 * const all = mergeTallies(producer.snapshot(), worker.snapshot());
 * ```
 */
export function mergeTallies(...tallies: readonly RequestTally[]): RequestTally {
  const result: Record<string, OperationTally> = {};
  for (const tally of tallies) {
    for (const [key, entry] of Object.entries(tally)) {
      const previous = result[key];
      if (!previous) {
        result[key] = entry;
        continue;
      }
      const errors: Record<string, number> = { ...previous.errors };
      for (const [name, n] of Object.entries(entry.errors)) errors[name] = (errors[name] ?? 0) + n;
      result[key] = {
        ...previous,
        requests: previous.requests + entry.requests,
        billedRequests: previous.billedRequests + entry.billedRequests,
        errors,
        capacityUnits: previous.capacityUnits + entry.capacityUnits,
        indexCapacityUnits: previous.indexCapacityUnits + entry.indexCapacityUnits,
        estimatedCapacityUnits: previous.estimatedCapacityUnits + entry.estimatedCapacityUnits,
      };
    }
  }
  return result;
}

/** DynamoDB operations whose units are billed as reads. */
export const DYNAMODB_READ_OPERATIONS: ReadonlySet<string> = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
]);

/** DynamoDB operations whose units are billed as writes. */
export const DYNAMODB_WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Totals over a tally, for one service or all of them. */
export interface TallyTotals {
  readonly requests: number;
  readonly billedRequests: number;
  readonly errors: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly indexWriteUnits: number;
  readonly estimatedWriteUnits: number;
}

/**
 * Sums a tally, optionally for one service only. DynamoDB units are split into reads and
 * writes by operation; estimated units of refused writes are included in `writeUnits`.
 *
 * @example
 * ```ts
 * const { billedRequests } = tallyTotals(tally, 'SQS');
 * ```
 */
export function tallyTotals(tally: RequestTally, service?: string): TallyTotals {
  let requests = 0;
  let billedRequests = 0;
  let errors = 0;
  let writeUnits = 0;
  let readUnits = 0;
  let indexWriteUnits = 0;
  let estimatedWriteUnits = 0;
  for (const entry of Object.values(tally)) {
    if (service !== undefined && entry.service !== service) continue;
    requests += entry.requests;
    billedRequests += entry.billedRequests;
    errors += Object.values(entry.errors).reduce((sum, n) => sum + n, 0);
    if (DYNAMODB_READ_OPERATIONS.has(entry.operation)) readUnits += entry.capacityUnits;
    if (DYNAMODB_WRITE_OPERATIONS.has(entry.operation)) {
      writeUnits += entry.capacityUnits + entry.estimatedCapacityUnits;
      indexWriteUnits += entry.indexCapacityUnits;
      estimatedWriteUnits += entry.estimatedCapacityUnits;
    }
  }
  return {
    requests,
    billedRequests,
    errors,
    writeUnits,
    readUnits,
    indexWriteUnits,
    estimatedWriteUnits,
  };
}

interface ConsumedCapacityLike {
  readonly CapacityUnits?: number;
  readonly GlobalSecondaryIndexes?: Readonly<Record<string, { readonly CapacityUnits?: number }>>;
}

function consumedCapacity(output: unknown): { units: number; indexUnits: number } {
  const raw = (output as { ConsumedCapacity?: ConsumedCapacityLike | ConsumedCapacityLike[] })
    ?.ConsumedCapacity;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  let units = 0;
  let indexUnits = 0;
  for (const entry of list) {
    units += entry.CapacityUnits ?? 0;
    for (const index of Object.values(entry.GlobalSecondaryIndexes ?? {})) {
      indexUnits += index.CapacityUnits ?? 0;
    }
  }
  return { units, indexUnits };
}

const byteLength = (text: string | undefined) => (text ? Buffer.byteLength(text) : 0);

/**
 * Requests SQS bills for one call: each 64 KB chunk of the payload sent (SendMessage,
 * SendMessageBatch) or received (ReceiveMessage) is one request; anything else is one.
 *
 * @example
 * ```ts
 * sqsBilledRequests('SendMessage', { MessageBody: 'x'.repeat(200_000) }, {}); // 4
 * ```
 */
export function sqsBilledRequests(operation: string, input: unknown, output: unknown): number {
  let bytes = 0;
  if (operation === 'SendMessage') {
    bytes = byteLength((input as { MessageBody?: string }).MessageBody);
  } else if (operation === 'SendMessageBatch') {
    const entries = (input as { Entries?: { MessageBody?: string }[] }).Entries ?? [];
    bytes = entries.reduce((sum, entry) => sum + byteLength(entry.MessageBody), 0);
  } else if (operation === 'ReceiveMessage') {
    const messages = (output as { Messages?: { Body?: string }[] } | undefined)?.Messages ?? [];
    bytes = messages.reduce((sum, message) => sum + byteLength(message.Body), 0);
  } else {
    return 1;
  }
  return billedSqsRequests(bytes);
}

/**
 * SQS requests billed for one request carrying `bytes` of messages: one per 64 KB chunk.
 *
 * @example
 * ```ts
 * billedSqsRequests(10 * 32_768); // 5
 * ```
 */
export function billedSqsRequests(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
}

/** Units a refused conditional write consumed: the size of the item it found (at least 1). */
function refusedWriteUnits(operation: string, error: unknown): number {
  if (!DYNAMODB_WRITE_OPERATIONS.has(operation)) return 0;
  const name = (error as { name?: string })?.name;
  if (name !== 'ConditionalCheckFailedException') return 0;
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return writeUnitsForBytes(item ? itemSizeBytes(item) : 0);
}

/** A client whose middleware stack can be extended (every AWS SDK v3 client). */
export interface ClientWithMiddleware {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client has its own input/output union
  readonly middlewareStack: MiddlewareStack<any, any>;
}

/** Options for {@link countRequests}. */
export interface CountRequestsOptions {
  /**
   * For DynamoDB item operations, ask for `ReturnConsumedCapacity: 'INDEXES'` (even where the
   * caller asked for nothing) so capacity is counted and split into table and index units.
   * Off, requests are only counted and sent as the caller wrote them. Default true.
   */
  readonly measureCapacity?: boolean;
}

/**
 * Counts every HTTP request `client` makes into `counter`, by service and operation: a
 * middleware inside the retry loop (so each attempt counts, as AWS bills it) records the
 * billed request units, the error name of failed calls, and DynamoDB's consumed capacity.
 *
 * @example
 * ```ts
 * const sqs = createSqsClient();
 * countRequests(sqs, counter);
 * await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
 * counter.snapshot()['SQS.ReceiveMessage']?.requests; // 1
 * ```
 */
export function countRequests(
  client: ClientWithMiddleware,
  counter: RequestCounter,
  options: CountRequestsOptions = {},
): void {
  const names = (context: { clientName?: string; commandName?: string }) => ({
    service: (context.clientName ?? 'Unknown').replace(/Client$/, ''),
    operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
  });
  const measureCapacity = options.measureCapacity ?? true;
  if (measureCapacity) {
    const askForCapacity: InitializeMiddleware<object, MetadataBearer> =
      (next, context) => async (args) => {
        const { service, operation } = names(context);
        const itemOperation =
          DYNAMODB_READ_OPERATIONS.has(operation) || DYNAMODB_WRITE_OPERATIONS.has(operation);
        if (service !== 'DynamoDB' || !itemOperation) return next(args);
        return next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } });
      };
    client.middlewareStack.add(askForCapacity, {
      step: 'initialize',
      priority: 'high',
      name: 'benchAskForConsumedCapacity',
    });
  }
  const count: FinalizeRequestMiddleware<object, MetadataBearer> =
    (next, context) => async (args) => {
      const { service, operation } = names(context);
      try {
        const result = await next(args);
        const { units, indexUnits } = consumedCapacity(result.output);
        counter.record(service, operation, {
          billedRequests:
            service === 'SQS' ? sqsBilledRequests(operation, args.input, result.output) : 1,
          capacityUnits: units,
          indexCapacityUnits: indexUnits,
        });
        return result;
      } catch (error) {
        counter.record(service, operation, {
          billedRequests: service === 'SQS' ? sqsBilledRequests(operation, args.input, {}) : 1,
          error: (error as { name?: string })?.name ?? 'Error',
          estimatedCapacityUnits: refusedWriteUnits(operation, error),
        });
        throw error;
      }
    };
  // Below the retry middleware (priority high in the same step): one count per attempt.
  client.middlewareStack.add(count, {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'benchRequestCounter',
  });
}
