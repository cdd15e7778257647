import { setTimeout as sleep } from 'node:timers/promises';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import type { ClientWithMiddleware, RequestCounter } from './request-counter.ts';

/** Answers one AWS call: the command's output (document form for the DynamoDB document client). */
export type InProcessResponder = (operation: string, input: Record<string, unknown>) => object;

/**
 * Makes `client` answer every command in this process after `latencyMs`, with `respond`'s
 * output, instead of calling AWS; each call is counted in `counter`. The answer is given
 * before serialisation, so the real adapters (and the DynamoDB document client on top of the
 * client) run unchanged around it.
 *
 * @example
 * ```ts
 * const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
 * answerInProcess(cloudwatch, counter, 20, (operation, input) => ({ MetricDataResults: [] }));
 * ```
 */
export function answerInProcess(
  client: ClientWithMiddleware,
  counter: RequestCounter,
  latencyMs: number,
  respond: InProcessResponder,
): void {
  const answer: InitializeMiddleware<object, MetadataBearer> = (_next, context) => async (args) => {
    const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    await sleep(latencyMs);
    counter.record(service, operation);
    const output = respond(operation, args.input as Record<string, unknown>);
    return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: {} };
  };
  client.middlewareStack.add(answer, {
    step: 'initialize',
    priority: 'high',
    name: 'benchAnswerInProcess',
  });
}
