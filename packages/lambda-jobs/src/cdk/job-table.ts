import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BY_QUEUE_STATUS_PROJECTION, TABLE_SCHEMA } from '../config/table-schema.ts';

export interface JobTableProps {
  readonly tableName: string;
  /** A customer-managed key for the table (`encryption.dataKey`). Default: AWS-owned key. */
  readonly encryptionKey?: IKey | undefined;
}

/**
 * Item-level actions the worker and the monitor use: conditional writes, reads and deletes
 * (`dynamodb-job-store.ts`; the groups of claims and successes are conditional PutItems too).
 * `test/infra/iam-coverage.test.ts` derives the calls from the
 * bundled code and fails when this list misses one or holds one no code sends.
 */
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * The job table (`config/table-schema.ts`): job records and concurrency keys under one string
 * partition key, the `byQueueStatus` index the results store lists by, on-demand capacity,
 * TTL on `expiresAt` (records are kept for the retention period), point-in-time recovery, and
 * retained when the stack is deleted (job history outlives a teardown).
 *
 * @example
 * ```ts
 * const table = new JobTable(this, 'Jobs', { tableName: 'shop-jobs' });
 * table.grantJobAccess(worker.function);
 * ```
 */
export class JobTable extends Construct {
  readonly table: Table;
  /** ARN of the `byQueueStatus` index. */
  readonly indexArn: string;

  constructor(scope: Construct, id: string, props: JobTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.encryptionKey
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : {}),
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.byQueueStatus.indexName,
      partitionKey: { name: TABLE_SCHEMA.byQueueStatus.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.byQueueStatus.sortKey, type: AttributeType.STRING },
      // What a list shows, never the envelope, output or stack: each entry stays under 1 KB,
      // so each index write is one write unit whatever the payload.
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...BY_QUEUE_STATUS_PROJECTION],
    });
    this.indexArn = `${this.table.tableArn}/index/${TABLE_SCHEMA.byQueueStatus.indexName}`;
  }

  /** The item-level actions {@link grantJobAccess} allows on the table (the operator needs them too). */
  get itemActions(): string[] {
    return [...ITEM_ACTIONS];
  }

  /**
   * What the worker and the monitor need: item reads and conditional writes on the table, and
   * queries on its `byQueueStatus` index (job lists, expired leases, concurrency keys). No
   * Scan, no table-level administration.
   */
  grantJobAccess(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...ITEM_ACTIONS], resources: [this.table.tableArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [this.indexArn] }),
    );
  }

  /**
   * What the worker's circuit breakers add (`docs/circuit-breaker.md`): `dynamodb:BatchGetItem`
   * on the table, one request reading a job type's window counters.
   */
  grantCircuitCounters(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [this.table.tableArn] }),
    );
  }
}
