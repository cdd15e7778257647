/**
 * Emulators started once for many test runs (`npm run test:mutation` runs the tests once per
 * mutant): the global setup uses the endpoints these variables name instead of starting its own.
 * Both are set, or neither.
 */
export const SHARED_EMULATOR_ENV = {
  sqs: 'LAMBDA_JOBS_TEST_SQS_ENDPOINT',
  dynamodb: 'LAMBDA_JOBS_TEST_DYNAMODB_ENDPOINT',
} as const;
