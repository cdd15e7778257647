/**
 * The DynamoDB single-table layout, shared by the stack (which creates the table) and the
 * runtime's store (which reads and writes it). Described in `docs/data-model.md`.
 */
export const TABLE_SCHEMA = {
  /** String partition key: `JOB#<id>` for job records, `KEY#<key>` for concurrency keys. */
  partitionKey: 'pk',
  /** Number, epoch seconds: DynamoDB deletes the item some time after this. */
  ttlAttribute: 'expiresAt',
  /**
   * Global secondary index listing jobs by queue and status, newest first, write-sharded
   * (`runtime/status-index-shard.ts`): each queue and status is spread over the queue's
   * `indexShards` partition values, and a list merges them.
   */
  byQueueStatus: {
    indexName: 'byQueueStatus',
    /**
     * `<queue>#<STATUS>#<shard>`, the shard a stable hash of the job id; `KEYS#<shard>` for
     * concurrency keys (`keyListing`) and `DELAYED` for dev-mode delayed deliveries.
     */
    partitionKey: 'gsi1pk',
    /**
     * `<updatedAt ISO 8601>#<id>`; for RUNNING, `<leaseExpiresAt ISO 8601>#<id>`; for a
     * concurrency key, when it was taken (12-digit epoch seconds).
     */
    sortKey: 'gsi1sk',
    /**
     * The record fields a list shows (`runtime/listed-record.ts`). Never the envelope, output
     * or stack, so that an index entry stays under 1 KB: one write unit per index write.
     */
    listedFields: [
      'id',
      'type',
      'queue',
      'status',
      'attempts',
      'maxAttempts',
      'enqueuedAt',
      'updatedAt',
      'startedAt',
      'endedAt',
      'durationMs',
      'waitMs',
      'leaseExpiresAt',
      'retryAt',
      'deferrals',
      'lostAttempts',
      'deadLetteredAt',
      'expiresAt',
    ],
    /** The short error a list shows, written beside `error` (`errorSummaryOf`). */
    errorSummary: 'errorSummary',
    /**
     * Attributes of the dev-mode `DELAYED#` items, which use this index for their due times
     * (`local/dev-delayed-delivery.ts`); job records never carry them. `jobId` (with
     * `expiresAt` above) is also what the orphaned-key sweep reads of a concurrency key's entry
     * (`keyListing`): the projection must keep both.
     */
    delayedFields: ['jobId', 'dueAt'],
  },
  /**
   * Concurrency key items (`KEY#<key>`) are listed through `byQueueStatus` too, for the
   * monitor's orphaned-key sweep (`docs/data-model.md`): partition `<partitionPrefix><shard>`,
   * the shard (`0` … `shards − 1`) a hash of the key, sort key the time the key was taken
   * (`runtime/concurrency-key-index-entry.ts`). Every acquire writes them, producers' and
   * workers'. Job lists and delayed deliveries never use these partitions; a producer's forged
   * record may, and the sweep lists only `KEY#` items.
   */
  keyListing: {
    partitionPrefix: 'KEYS#',
    /** Spreads the entries' writes; every reader and writer of a table must use the same. */
    shards: 4,
  },
  /**
   * Boolean `true` on every job record the worker, the monitor or an operator wrote. Producers
   * may not write an attribute of this name (their IAM policy allows only the names in
   * `producerAttributes`), so a record without it was written, or overwritten, by a producer,
   * and the worker trusts nothing in it (see `docs/producer-rights.md`).
   */
  trustedAttribute: 'trusted',
  /**
   * The only attribute names a producer's PutItem may carry (IAM `dynamodb:Attributes`), per
   * kind of item: the QUEUED record enqueue writes, and a concurrency key.
   */
  producerAttributes: {
    jobRecord: [
      'pk',
      'gsi1pk',
      'gsi1sk',
      'id',
      'type',
      'queue',
      'status',
      'attempts',
      'maxAttempts',
      'enqueuedAt',
      'updatedAt',
      'concurrencyKey',
      'retryAt',
      'envelope',
      'expiresAt',
    ],
    /**
     * `keyShard` and `keyTakenAt` are what producers of the previous layout write (keys had an
     * index of their own). Nothing reads them; they stay allowed so that a deployment, which
     * updates a producer's policy before its code, refuses no keyed enqueue in between. Such a
     * key is not listed for the orphaned-key sweep: its `expiresAt` frees it.
     */
    concurrencyKey: ['pk', 'jobId', 'expiresAt', 'gsi1pk', 'gsi1sk', 'keyShard', 'keyTakenAt'],
  },
} as const;

/**
 * The non-key attributes the `byQueueStatus` index projects (INCLUDE): what a list shows, the
 * short error, and the due time of a dev-mode delayed delivery.
 */
export const BY_QUEUE_STATUS_PROJECTION: readonly string[] = [
  ...TABLE_SCHEMA.byQueueStatus.listedFields,
  TABLE_SCHEMA.byQueueStatus.errorSummary,
  ...TABLE_SCHEMA.byQueueStatus.delayedFields,
];
