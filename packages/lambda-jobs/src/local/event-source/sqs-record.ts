import type { Message } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { LambdaJobsError } from '../../runtime/errors.ts';

/** The queue a record came from, as the event source mapping names it in every record. */
export interface SqsRecordSource {
  readonly queueArn: string;
  readonly region: string;
}

/**
 * Turns a message from `ReceiveMessage` into the `SQSRecord` Lambda's SQS event source puts in
 * `event.Records`: camel-cased fields, system attributes as strings, message attributes as
 * `{ stringValue, binaryValue (base64), stringListValues, binaryListValues, dataType }`,
 * `eventSource: 'aws:sqs'`, the queue's ARN and region.
 *
 * @example
 * ```ts
 * const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'] }));
 * const event = { Records: Messages.map((m) => toSqsRecord(m, { queueArn, region: 'us-east-1' })) };
 * ```
 */
export function toSqsRecord(message: Message, source: SqsRecordSource): SQSRecord {
  const record: SQSRecord = {
    messageId: required(message.MessageId, 'MessageId'),
    receiptHandle: required(message.ReceiptHandle, 'ReceiptHandle'),
    body: message.Body ?? '',
    attributes: recordAttributes(message.Attributes ?? {}),
    messageAttributes: recordMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
  if (message.MD5OfMessageAttributes)
    record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function required(value: string | undefined, field: string): string {
  if (!value) {
    throw new LambdaJobsError(`ReceiveMessage returned a message without ${field}`);
  }
  return value;
}

function recordAttributes(attributes: Readonly<Record<string, string>>): SQSRecordAttributes {
  return {
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
    SentTimestamp: attributes.SentTimestamp ?? '',
    SenderId: attributes.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
    ...attributes,
  };
}

function recordMessageAttributes(
  attributes: NonNullable<Message['MessageAttributes']>,
): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map(base64),
      dataType: value.DataType ?? 'String',
    };
  }
  return result;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
