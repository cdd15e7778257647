import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../../../config/table-schema.ts';
import {
  type AttemptCounts,
  CircuitPosition,
  type CircuitState,
  type CircuitStateStore,
  type CountAddress,
} from '../../circuit/circuit-ports.ts';

/** Options for {@link createDynamoDbCircuitState}. */
export interface DynamoDbCircuitStateOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** Most keys one BatchGetItem reads. */
const BATCH_GET_MAX = 100;

const PK = TABLE_SCHEMA.partitionKey;

/** The state item of a job type's circuit. */
export function circuitStateKey(type: string): Record<string, string> {
  return { [PK]: `CIRCUIT#${type}` };
}

/** One window counter: the type comes last, so no type name can reach another's counter. */
export function circuitCountKey(address: CountAddress): Record<string, string> {
  return {
    [PK]: `CIRCUITCOUNT#${address.generation}#${address.windowStart}#${address.shard}#${address.type}`,
  };
}

const STATE_FIELDS = [
  'position',
  'generation',
  'mode',
  'openedAt',
  'probeAfter',
  'probeJobId',
  'probeLeaseUntil',
  'closedAt',
  'attempts',
  'failures',
  'updatedAt',
] as const;

function toState(type: string, item: Record<string, unknown> | undefined): CircuitState {
  if (!item) return { type, position: CircuitPosition.CLOSED, generation: 0 };
  const state: Record<string, unknown> = { type };
  for (const field of STATE_FIELDS) {
    if (item[field] !== undefined) state[field] = item[field];
  }
  state.position = item.position === CircuitPosition.OPEN ? CircuitPosition.OPEN : 'closed';
  state.generation = typeof item.generation === 'number' ? item.generation : 0;
  return state as unknown as CircuitState;
}

/**
 * Circuit state in the job table (`docs/circuit-breaker.md`): the state item
 * `CIRCUIT#<type>`, and window counters `CIRCUITCOUNT#<generation>#<window>#<shard>#<type>`
 * that expire with the table's TTL. Every transition is one UpdateItem conditional on the
 * generation it was decided on; counts are one UpdateItem with ADD (no read); the counts of
 * two windows are one BatchGetItem.
 *
 * @example
 * ```ts
 * const circuits = createDynamoDbCircuitState({ client, tableName });
 * const state = await circuits.read('send-email');
 * ```
 */
export function createDynamoDbCircuitState(
  options: DynamoDbCircuitStateOptions,
): CircuitStateStore {
  const doc = DynamoDBDocumentClient.from(options.client);
  const TableName = options.tableName;

  /** One conditional update of the state item: the new state, or undefined when refused. */
  async function transition(
    type: string,
    update: string,
    condition: string | undefined,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<CircuitState | undefined> {
    // DynamoDB refuses a name the expressions do not use: keep only the used ones.
    const expressions = `${update} ${condition ?? ''}`;
    const usedNames = Object.fromEntries(
      Object.entries(names).filter(([name]) => expressions.includes(name)),
    );
    try {
      const result = await doc.send(
        new UpdateCommand({
          TableName,
          Key: circuitStateKey(type),
          UpdateExpression: update,
          ...(condition ? { ConditionExpression: condition } : {}),
          ExpressionAttributeNames: usedNames,
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toState(type, result.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  return {
    async read(type) {
      const result = await doc.send(new GetCommand({ TableName, Key: circuitStateKey(type) }));
      return toState(type, result.Item);
    },

    async addCounts(address, counts, expiresAt) {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: circuitCountKey(address),
          UpdateExpression: 'ADD attempts :a, failures :f SET #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': TABLE_SCHEMA.ttlAttribute },
          ExpressionAttributeValues: {
            ':a': counts.attempts,
            ':f': counts.failures,
            ':ttl': expiresAt,
          },
        }),
      );
    },

    async readCounts(type, generation, windowStarts, shards) {
      const keys = windowStarts.flatMap((windowStart) =>
        Array.from({ length: shards }, (_, shard) =>
          circuitCountKey({ type, generation, windowStart, shard }),
        ),
      );
      const found = new Map<string, AttemptCounts>();
      for (let start = 0; start < keys.length; start += BATCH_GET_MAX) {
        let pending: Record<string, unknown>[] | undefined = keys.slice(
          start,
          start + BATCH_GET_MAX,
        );
        // Unprocessed keys (throttling) are read again, a bounded number of times.
        for (let tries = 0; pending && pending.length > 0 && tries < 3; tries += 1) {
          const result = await doc.send(
            new BatchGetCommand({
              RequestItems: {
                [TableName]: {
                  Keys: pending,
                  ProjectionExpression: '#pk, attempts, failures',
                  ExpressionAttributeNames: { '#pk': PK },
                },
              },
            }),
          );
          for (const item of result.Responses?.[TableName] ?? []) {
            found.set(String(item[PK]), {
              attempts: Number(item.attempts ?? 0),
              failures: Number(item.failures ?? 0),
            });
          }
          pending = result.UnprocessedKeys?.[TableName]?.Keys as
            | Record<string, unknown>[]
            | undefined;
        }
      }
      return windowStarts.map((windowStart) => {
        let attempts = 0;
        let failures = 0;
        for (let shard = 0; shard < shards; shard += 1) {
          const key = circuitCountKey({ type, generation, windowStart, shard })[PK]!;
          attempts += found.get(key)?.attempts ?? 0;
          failures += found.get(key)?.failures ?? 0;
        }
        return { attempts, failures };
      });
    },

    open(type, generation, opening) {
      return transition(
        type,
        'SET #position = :open, #generation = :next, #mode = :mode, openedAt = :at, updatedAt = :at' +
          (opening.probeAfter ? ', probeAfter = :probeAfter' : '') +
          (opening.attempts === undefined ? '' : ', attempts = :attempts, failures = :failures') +
          ' REMOVE probeJobId, probeLeaseUntil' +
          (opening.probeAfter ? '' : ', probeAfter'),
        generation === 0
          ? '(attribute_not_exists(#pk) OR (#generation = :g AND #position = :closed))'
          : '#generation = :g AND #position = :closed',
        { '#pk': PK, '#position': 'position', '#generation': 'generation', '#mode': 'mode' },
        {
          ':open': CircuitPosition.OPEN,
          ':closed': CircuitPosition.CLOSED,
          ':g': generation,
          ':next': generation + 1,
          ':mode': opening.mode,
          ':at': opening.at,
          ...(opening.probeAfter ? { ':probeAfter': opening.probeAfter } : {}),
          ...(opening.attempts === undefined
            ? {}
            : { ':attempts': opening.attempts, ':failures': opening.failures ?? 0 }),
        },
      );
    },

    async takeProbe(type, generation, jobId, at, leaseUntil) {
      const taken = await transition(
        type,
        'SET probeJobId = :job, probeLeaseUntil = :lease',
        '#generation = :g AND #position = :open AND probeAfter <= :at AND ' +
          '(attribute_not_exists(probeLeaseUntil) OR probeLeaseUntil < :at)',
        { '#position': 'position', '#generation': 'generation' },
        {
          ':job': jobId,
          ':lease': leaseUntil,
          ':g': generation,
          ':open': CircuitPosition.OPEN,
          ':at': at,
        },
      );
      return taken !== undefined;
    },

    async endProbe(type, generation, jobId, end, at) {
      const names = { '#position': 'position', '#generation': 'generation', '#mode': 'mode' };
      const condition = '#generation = :g AND probeJobId = :job';
      const values = { ':g': generation, ':job': jobId };
      const update =
        end.kind === 'release'
          ? 'REMOVE probeJobId, probeLeaseUntil'
          : end.kind === 'reopen'
            ? 'SET #generation = :next, openedAt = :at, probeAfter = :probeAfter, updatedAt = :at REMOVE probeJobId, probeLeaseUntil'
            : 'SET #position = :closed, #generation = :next, #mode = :automatic, closedAt = :at, updatedAt = :at REMOVE probeJobId, probeLeaseUntil, probeAfter, openedAt';
      const extra =
        end.kind === 'release'
          ? {}
          : end.kind === 'reopen'
            ? { ':next': generation + 1, ':at': at, ':probeAfter': end.probeAfter }
            : {
                ':next': generation + 1,
                ':at': at,
                ':closed': CircuitPosition.CLOSED,
                ':automatic': 'automatic',
              };
      const usedNames = Object.fromEntries(
        Object.entries(names).filter(([name]) => `${update} ${condition}`.includes(name)),
      );
      return (
        (await transition(type, update, condition, usedNames, { ...values, ...extra })) !==
        undefined
      );
    },

    async setManually(type, position, at) {
      const open = position === CircuitPosition.OPEN;
      const state = await transition(
        type,
        open
          ? 'SET #position = :position, #mode = :manual, openedAt = :at, updatedAt = :at ADD #generation :one REMOVE probeJobId, probeLeaseUntil, probeAfter'
          : 'SET #position = :position, #mode = :manual, closedAt = :at, updatedAt = :at ADD #generation :one REMOVE probeJobId, probeLeaseUntil, probeAfter, openedAt',
        undefined,
        { '#position': 'position', '#generation': 'generation', '#mode': 'mode' },
        { ':position': position, ':manual': 'manual', ':at': at, ':one': 1 },
      );
      return state ?? toState(type, undefined);
    },
  };
}
