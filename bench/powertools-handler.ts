import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { trivialPayload } from './bench-jobs.ts';

/**
 * The attribute Powertools Idempotency writes each record's expiry to (its default
 * `expiryAttr`); its documentation has the table's TTL read it.
 */
export const POWERTOOLS_TTL_ATTRIBUTE = 'expiration';

/**
 * The handler a user would write without lambda-jobs, following the Powertools documentation:
 * `BatchProcessor` (records in parallel, partial batch response) around a record handler made
 * idempotent with Powertools Idempotency on DynamoDB (`id` key; the idempotency key is the
 * job id in the message body, as lambda-jobs deduplicates by job id), on `dynamodb`: a plain
 * `new DynamoDBClient({})`, the client the persistence layer builds when given none, made once
 * and reused as a Lambda container reuses its module-scope client. The record handler does the
 * same trivial work: parse the envelope, validate the payload, double a number.
 *
 * @example
 * ```ts
 * const handler = createPowertoolsHandler({ dynamodb: new DynamoDBClient({}), tableName: 'bench-idempotency' });
 * ```
 */
export function createPowertoolsHandler(options: {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'powertools_json(body).id' });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.dynamodb,
  });
  const recordHandler = async (record: SQSRecord) => {
    const envelope = JSON.parse(record.body) as { payload: unknown };
    const payload = trivialPayload.parse(envelope.payload);
    return { doubled: payload.n * 2 };
  };
  const processIdempotently = makeIdempotent(recordHandler, { persistenceStore, config });
  return async (event, context) => {
    config.registerLambdaContext(context);
    return processPartialResponse(event, processIdempotently, processor, { context });
  };
}
