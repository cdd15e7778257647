import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/** Tags the lines of one invocation; call it with each invocation's context. */
export type InvocationTagger = (context: Context | undefined) => void;

/**
 * Tags every log line of an invocation with the two keys that find its lines: the Lambda
 * request id (`function_request_id`) and whether it was a cold start (`cold_start`), as
 * Powertools' `addContext` names them. The rest of the context (the function's name, ARN and
 * memory) is already the log group's, and would add about 150 bytes to every line; the worker
 * writes a line per job, and CloudWatch Logs bills every byte ingested.
 *
 * @example
 * ```ts
 * const tag = createInvocationTagger(logger);
 * export const handler = (event: SQSEvent, context: Context) => {
 *   tag(context);
 *   return worker.handler(event, context);
 * };
 * ```
 */
export function createInvocationTagger(logger: Logger): InvocationTagger {
  // As Lambda's own cold start: the first invocation of an on-demand execution environment.
  let coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'provisioned-concurrency';
  return (context) => {
    if (!context) return;
    logger.appendPersistentKeys({
      function_request_id: context.awsRequestId,
      cold_start: coldStart,
    });
    coldStart = false;
  };
}
