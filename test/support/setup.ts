import 'aws-sdk-client-mock-vitest/extend';
import { inject } from 'vitest';

// Every SDK client in the tests talks to the emulators, never to AWS.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_ENDPOINT_URL_SQS = inject('sqsEndpoint');
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamodbEndpoint');
// fauxqs serves S3 (the payload bucket) on the same endpoint as SQS.
process.env.AWS_ENDPOINT_URL_S3 = inject('sqsEndpoint');
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
