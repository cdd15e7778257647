/**
 * The DynamoDB single-table layout, shared by the stack (which creates the table) and the
 * runtime's store (which reads and writes it). Described in `docs/data-model.md`.
 */
export const TABLE_SCHEMA = {
  /** String partition key: `JOB#<id>` for job records, `KEY#<key>` for concurrency keys. */
  partitionKey: 'pk',
  /** Number, epoch seconds: DynamoDB deletes the item some time after this. */
  ttlAttribute: 'expiresAt',
  /** Global secondary index listing jobs by queue and status, newest first. */
  byQueueStatus: {
    indexName: 'byQueueStatus',
    /** `<queue>#<STATUS>` */
    partitionKey: 'gsi1pk',
    /** `<updatedAt ISO 8601>#<id>` */
    sortKey: 'gsi1sk',
  },
} as const;
