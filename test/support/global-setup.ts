import type { TestProject } from 'vitest/node';
import { startDynamoDbEmulator } from '../../packages/lambda-jobs/src/local/dynamodb-emulator.ts';
import { startSqsEmulator } from '../../packages/lambda-jobs/src/local/sqs-emulator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    sqsEndpoint: string;
    dynamodbEndpoint: string;
  }
}

/** Starts one SQS emulator and one DynamoDB Local for the whole run; tests isolate by name. */
export default async function setup(project: TestProject) {
  const [sqs, dynamodb] = await Promise.all([startSqsEmulator(), startDynamoDbEmulator()]);
  project.provide('sqsEndpoint', sqs.endpoint);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return async () => {
    await Promise.all([sqs.stop(), dynamodb.stop()]);
  };
}
