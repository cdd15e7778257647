import type { TestProject } from 'vitest/node';
import { startDynamoDbEmulator } from '../../packages/lambda-jobs/src/local/dynamodb-emulator.ts';
import { startSqsEmulator } from '../../packages/lambda-jobs/src/local/sqs-emulator.ts';
import { SHARED_EMULATOR_ENV } from './shared-emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    sqsEndpoint: string;
    dynamodbEndpoint: string;
  }
}

/**
 * Starts one SQS emulator and one DynamoDB Local for the whole run; tests isolate by name.
 * When {@link SHARED_EMULATOR_ENV} names running ones, the run uses those and stops nothing.
 */
export default async function setup(project: TestProject) {
  const sharedSqs = process.env[SHARED_EMULATOR_ENV.sqs];
  const sharedDynamodb = process.env[SHARED_EMULATOR_ENV.dynamodb];
  if (sharedSqs && sharedDynamodb) {
    project.provide('sqsEndpoint', sharedSqs);
    project.provide('dynamodbEndpoint', sharedDynamodb);
    return async () => {};
  }
  if (sharedSqs || sharedDynamodb) {
    throw new Error(
      `${SHARED_EMULATOR_ENV.sqs} and ${SHARED_EMULATOR_ENV.dynamodb} go together: set both endpoints or neither`,
    );
  }
  const [sqs, dynamodb] = await Promise.all([startSqsEmulator(), startDynamoDbEmulator()]);
  project.provide('sqsEndpoint', sqs.endpoint);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return async () => {
    await Promise.all([sqs.stop(), dynamodb.stop()]);
  };
}
