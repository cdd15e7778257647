import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../packages/lambda-jobs/src/local/event-source/lambda-context.ts';

describe('lambdaContext', () => {
  it('has the shape the Node.js runtime gives a handler', () => {
    // Act
    const context = lambdaContext('test-default-worker', 60_000, {
      region: 'eu-west-1',
      memoryLimitMb: 1024,
    });

    // Assess
    expect(context).toMatchObject({
      functionName: 'test-default-worker',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:test-default-worker',
      memoryLimitInMB: '1024',
      logGroupName: '/aws/lambda/test-default-worker',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('gives every invocation its own request id', () => {
    // Act
    const first = lambdaContext('worker', 1000);
    const second = lambdaContext('worker', 1000);

    // Assess
    expect(first.awsRequestId).not.toBe(second.awsRequestId);
  });

  it('counts the remaining time down from the timeout and never below zero', async () => {
    // Prepare
    const context = lambdaContext('worker', 30);

    // Act
    const atStart = context.getRemainingTimeInMillis();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const afterDeadline = context.getRemainingTimeInMillis();

    // Assess
    expect(atStart).toBeLessThanOrEqual(30);
    expect(atStart).toBeGreaterThan(0);
    expect(afterDeadline).toBe(0);
  });

  it('refuses the deprecated callback methods', () => {
    // Prepare
    const context = lambdaContext('worker', 1000);

    // Act
    const callDone = () => context.done();

    // Assess
    expect(callDone).toThrow(/return a promise/);
  });
});
