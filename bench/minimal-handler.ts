/**
 * The cold-start baseline: a handler that imports the same AWS SDK clients the worker uses
 * (SQS, DynamoDB, the document client) and builds them at module scope, and does nothing else.
 * The cold-start benchmark bundles it exactly like the worker.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';

/** Built once per cold start, as any handler would. */
export const clients = {
  sqs: new SQSClient({}),
  documents: DynamoDBDocumentClient.from(new DynamoDBClient({})),
};

/** Answers every batch with no failures. */
export const handler = async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [] });
