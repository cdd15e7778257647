import { describe, expect, it } from 'vitest';
import { toSqsRecord } from '../../packages/lambda-jobs/src/local/event-source/sqs-record.ts';

const source = { queueArn: 'arn:aws:sqs:us-east-1:000000000000:jobs', region: 'us-east-1' };

describe('toSqsRecord', () => {
  it('builds the record Lambda puts in event.Records', () => {
    // Prepare
    const message = {
      MessageId: 'm-1',
      ReceiptHandle: 'rh-1',
      Body: '{"hello":"world"}',
      MD5OfBody: 'abc',
      MD5OfMessageAttributes: 'def',
      Attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1700000000100',
        AWSTraceHeader: 'Root=1-abc',
      },
      MessageAttributes: {
        tenant: { DataType: 'String', StringValue: 'acme' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    };

    // Act
    const record = toSqsRecord(message, source);

    // Assess
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1700000000100',
        AWSTraceHeader: 'Root=1-abc',
      },
      messageAttributes: {
        tenant: {
          stringValue: 'acme',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        blob: {
          binaryValue: 'AQID',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: 'abc',
      md5OfMessageAttributes: 'def',
      eventSource: 'aws:sqs',
      eventSourceARN: source.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  it('refuses a message without a receipt handle, which could never be deleted', () => {
    // Act
    const convert = () => toSqsRecord({ MessageId: 'm-1', Body: 'x' }, source);

    // Assess
    expect(convert).toThrow(/without ReceiptHandle/);
  });
});
