import type { SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../packages/lambda-jobs/src/runtime/adapters/aws/sdk-clients.ts';

/**
 * An SQS client (the project's own, on the emulator) that also keeps every `SendMessage`
 * request it makes in `sent`: for checking what a worker sends, such as a message group the
 * emulator drops on standard queues.
 */
export function createRecordingSqsClient(sent: SendMessageCommandInput[]): SQSClient {
  const sqs = createSqsClient();
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as SendMessageCommandInput;
      if (typeof input.MessageBody === 'string' && input.QueueUrl) sent.push(input);
      return next(args);
    },
    { step: 'initialize', name: 'recordSendMessage' },
  );
  return sqs;
}
