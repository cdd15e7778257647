import { describe, expect, it } from 'vitest';
import { queueTable } from '../../packages/lambda-jobs/src/cli/commands/queues.ts';
import type { QueueOverview } from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';

function overview(name: string, fifo: boolean): QueueOverview {
  return {
    name,
    url: `https://sqs.eu-west-1.amazonaws.com/1/shop-${name}${fifo ? '.fifo' : ''}`,
    dlqUrl: `https://sqs.eu-west-1.amazonaws.com/1/shop-${name}-dlq${fifo ? '.fifo' : ''}`,
    fifo,
    visible: 0,
    inFlight: 0,
    delayed: 0,
    backlog: 0,
    dlqDepth: 0,
    oldestAgeSeconds: undefined,
    level: 'ok',
    thresholds: { backlog: {}, oldestAgeSeconds: {} },
  };
}

describe('the queue table shows which queues are FIFO', () => {
  it('prints FIFO or standard in the KIND column', () => {
    const lines = queueTable([overview('orders', true), overview('default', false)])
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^QUEUE\s+KIND\s/);
    expect(lines[1]).toMatch(/^orders\s+FIFO\s/);
    expect(lines[2]).toMatch(/^default\s+standard\s/);
  });
});
