/**
 * The reference app's API: `POST /` with `{ "accountId": "...", "callbackUrl": "https://..." }`
 * enqueues a `generate-report` job and answers 202 with its id. A repeated request for an
 * account whose report is still queued or running answers 200 with no new job (the job's
 * concurrency key). Bad input answers 400 naming the field and the rule.
 */

import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { JobInputError } from 'lambda-jobs';
import { createJobClient } from 'lambda-jobs/aws';
import { generateReport, registry } from '../jobs/index.ts';
import config from '../lambda-jobs.config.ts';

// Built once per cold start; LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS come from bindEnqueue.
const jobs = createJobClient({ registry, config });

function answer(statusCode: number, body: unknown): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function parseBody(event: LambdaFunctionURLEvent): unknown {
  const text = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  return JSON.parse(text);
}

/** Function URL handler (IAM-authenticated). */
export const handler = async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> => {
  if (event.requestContext.http.method !== 'POST') return answer(405, { error: 'POST only' });
  let payload: unknown;
  try {
    payload = parseBody(event);
  } catch {
    return answer(400, { error: 'the body must be JSON' });
  }
  try {
    // The payload is checked by the job's schema; a bad field is a JobInputError naming it.
    const jobId = await jobs.enqueueByType(generateReport.type, payload);
    return jobId === null
      ? answer(200, {
          queued: false,
          reason: 'a report for this account is already queued or running',
        })
      : answer(202, { queued: true, jobId });
  } catch (error) {
    if (error instanceof JobInputError) {
      return answer(400, { error: error.message, field: error.field });
    }
    throw error;
  }
};
