import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSqsQueueTransport } from '../../../packages/lambda-jobs/src/runtime/adapters/aws/sqs-queue-transport.ts';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/test-default';
const transport = () => createSqsQueueTransport(new SQSClient({ region: 'us-east-1' }));

beforeEach(() => {
  sqs.reset();
});

describe('SQS queue transport', () => {
  it('send is one SendMessage with the delay, returning the message id', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    const sent = await transport().send(QUEUE_URL, '{"version":1}', 30);

    // Assess
    expect(sent).toEqual({ messageId: 'm-1' });
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(SendMessageCommand, {
      QueueUrl: QUEUE_URL,
      MessageBody: '{"version":1}',
      DelaySeconds: 30,
    });
  });

  it('send lets a refused request through as the SDK error', async () => {
    // Prepare
    const refused = Object.assign(new Error('queue does not exist'), {
      name: 'QueueDoesNotExist',
    });
    sqs.on(SendMessageCommand).rejects(refused);

    // Act
    const sending = transport().send(QUEUE_URL, '{}');

    // Assess
    await expect(sending).rejects.toThrow('queue does not exist');
  });

  it('sendBatch maps entries to one SendMessageBatch', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await transport().sendBatch(QUEUE_URL, [
      { entryId: '0', body: 'a' },
      { entryId: '1', body: 'b', delaySeconds: 60 },
    ]);

    // Assess
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(SendMessageBatchCommand, {
      QueueUrl: QUEUE_URL,
      Entries: [
        { Id: '0', MessageBody: 'a', DelaySeconds: undefined },
        { Id: '1', MessageBody: 'b', DelaySeconds: 60 },
      ],
    });
  });

  it('sendBatch reports every entry: Successful with its message id, Failed with code and message', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'm-0', MD5OfMessageBody: 'x' },
        { Id: '2', MessageId: 'm-2', MD5OfMessageBody: 'x' },
      ],
      Failed: [
        { Id: '1', SenderFault: true, Code: 'InvalidParameterValue', Message: 'too long' },
        { Id: '3', SenderFault: false, Code: undefined, Message: undefined },
      ],
    });

    // Act
    const outcomes = await transport().sendBatch(
      QUEUE_URL,
      ['0', '1', '2', '3'].map((entryId) => ({ entryId, body: entryId })),
    );

    // Assess
    expect([...outcomes].sort((a, b) => a.entryId.localeCompare(b.entryId))).toEqual([
      { entryId: '0', ok: true, messageId: 'm-0' },
      { entryId: '1', ok: false, code: 'InvalidParameterValue', message: 'too long' },
      { entryId: '2', ok: true, messageId: 'm-2' },
      { entryId: '3', ok: false, code: 'Unknown', message: 'SQS did not say why' },
    ]);
  });

  it('changeVisibility is one ChangeMessageVisibility for the receipt handle', async () => {
    // Prepare
    sqs.on(ChangeMessageVisibilityCommand).resolves({});

    // Act
    await transport().changeVisibility(QUEUE_URL, 'receipt-1', 0);

    // Assess
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(ChangeMessageVisibilityCommand, {
      QueueUrl: QUEUE_URL,
      ReceiptHandle: 'receipt-1',
      VisibilityTimeout: 0,
    });
  });
});
