import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceEntries } from '../support/deployed-entries.ts';
import { iamActionsOf, sdkOperationsOf } from './sdk-operations.ts';

describe('deriving IAM actions from a bundle', () => {
  it('maps PartiQL batches to the PartiQL action of their statements and finds commands loaded on first use', async () => {
    // Act
    const operations = await sdkOperationsOf(
      path.join(import.meta.dirname, 'fixtures/sdk-calls-entry.ts'),
    );

    // Assess
    expect(operations.map((op) => `${op.sdkPackage} ${op.command}`)).toEqual([
      '@aws-sdk/lib-dynamodb BatchExecuteStatementCommand',
      '@aws-sdk/client-cloudwatch GetMetricDataCommand',
      '@aws-sdk/client-sqs PurgeQueueCommand',
    ]);
    expect(iamActionsOf(operations)).toEqual([
      'cloudwatch:GetMetricData',
      'dynamodb:PartiQLUpdate',
      'sqs:PurgeQueue',
    ]);
  });

  it('maps document-client commands to item actions, SQS batches to single-message actions, schedules to PassRole too', async () => {
    const worker = await sdkOperationsOf(referenceEntries().worker);
    const byCommand = Object.fromEntries(worker.map((op) => [op.command, op.actions]));
    expect(byCommand.PutCommand).toEqual(['dynamodb:PutItem']);
    expect(byCommand.SendMessageBatchCommand).toEqual(['sqs:SendMessage']);
    expect(byCommand.CreateScheduleCommand).toEqual(['scheduler:CreateSchedule', 'iam:PassRole']);
  });
});
