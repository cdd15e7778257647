import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../../../config/table-schema.ts';
import {
  BacklogLevel,
  type MonitorStateStore,
  type QueueMonitorState,
} from '../../monitor/monitor-ports.ts';

/** Partition-key prefix of the monitor's state items in the job table. */
export const MONITOR_STATE_PREFIX = 'MONITOR#';

/** Options for {@link createDynamoDbMonitorStateStore}. */
export interface DynamoDbMonitorStateOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

const LEVELS: readonly number[] = Object.values(BacklogLevel);
const isLevel = (value: unknown): value is BacklogLevel =>
  typeof value === 'number' && LEVELS.includes(value);

/**
 * The monitor's per-queue memory as one small item per queue in the job table,
 * `pk = MONITOR#<queue>` (no index keys, no TTL: it is overwritten only when a level or the
 * backlog streak changes, so a quiet deployment writes nothing). An item that does not parse is
 * treated as absent.
 *
 * @example
 * ```ts
 * const state = createDynamoDbMonitorStateStore({ client: new DynamoDBClient({}), tableName });
 * const previous = await state.get('default');
 * ```
 */
export function createDynamoDbMonitorStateStore(
  options: DynamoDbMonitorStateOptions,
): MonitorStateStore {
  const doc = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const key = (queue: string) => ({
    [TABLE_SCHEMA.partitionKey]: `${MONITOR_STATE_PREFIX}${queue}`,
  });
  return {
    async get(queue) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: options.tableName, Key: key(queue) }),
      );
      if (!Item || !isLevel(Item.backlogLevel) || !isLevel(Item.oldestAgeLevel)) return undefined;
      return {
        backlogLevel: Item.backlogLevel,
        oldestAgeLevel: Item.oldestAgeLevel,
        ...(typeof Item.backlogSince === 'string' ? { backlogSince: Item.backlogSince } : {}),
        ...(Item.stalled === true ? { stalled: true } : {}),
        ...(Item.dlqOverThreshold === true ? { dlqOverThreshold: true } : {}),
        updatedAt: typeof Item.updatedAt === 'string' ? Item.updatedAt : '',
      };
    },
    async put(queue, state: QueueMonitorState) {
      await doc.send(
        new PutCommand({
          TableName: options.tableName,
          Item: { ...key(queue), queue, ...state },
        }),
      );
    },
  };
}
