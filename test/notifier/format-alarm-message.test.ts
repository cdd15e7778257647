import { describe, expect, it } from 'vitest';
import {
  formatAlarmMessage,
  formatPlainMessage,
  parseAlarmNotification,
  type SlackMessage,
} from '../../packages/lambda-jobs/src/runtime/notifier/format-alarm-message.ts';
import {
  BACKLOG_CRITICAL,
  DLQ_FROM_SQS,
  MONITOR_SILENT,
  SUCCESS_RATE_OK,
} from './alarm-notifications.ts';

/** Every text a reader sees in the message, in order. */
function visibleText(message: SlackMessage): string {
  return JSON.stringify(message.blocks);
}

function parsed(alarm: object) {
  const notification = parseAlarmNotification(JSON.stringify(alarm));
  if (!notification) throw new Error('not an alarm');
  return notification;
}

describe('parseAlarmNotification', () => {
  it('reads a CloudWatch alarm notification', () => {
    expect(parseAlarmNotification(JSON.stringify(BACKLOG_CRITICAL))?.AlarmName).toBe(
      'shop-default-backlog-critical',
    );
  });

  it('returns undefined for anything else', () => {
    expect(parseAlarmNotification('hello')).toBeUndefined();
    expect(parseAlarmNotification('{"Event":"autoscaling:TEST_NOTIFICATION"}')).toBeUndefined();
    expect(parseAlarmNotification('42')).toBeUndefined();
  });
});

describe('formatAlarmMessage', () => {
  it('shows alarm, state change, summary, queue, value against threshold, reason and links', () => {
    // Act
    const message = formatAlarmMessage(parsed(BACKLOG_CRITICAL), {
      runbookBaseUrl: 'https://git.example.com/shop/blob/main',
    });

    // Assess
    expect(message.text).toBe(
      ':red_circle: ALARM: shop-default-backlog-critical (queue default) 1204 (alarm when ≥ 1000)',
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'ALARM: shop-default-backlog-critical' },
    });
    const text = visibleText(message);
    expect(text).toContain('at or above the critical threshold of 1000 jobs');
    expect(text).toContain('*State*\\nOK → ALARM');
    expect(text).toContain('*Queue*\\ndefault');
    expect(text).toContain('*Value*\\n1204 (alarm when ≥ 1000)');
    expect(text).toContain('*Reason*\\nThreshold Crossed: 3 out of the last 3 datapoints');
    expect(text).toContain(
      '<https://git.example.com/shop/blob/main/docs/runbooks/job-queue-backlog.md|Runbook>',
    );
    expect(text).toContain(
      '<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/shop-default-backlog-critical|Alarm in the AWS console>',
    );
    expect(text).not.toContain('Queue: default');
  });

  it('formats a metric-math alarm returning to OK, keeping a runbook URL as written', () => {
    const message = formatAlarmMessage(parsed(SUCCESS_RATE_OK));
    expect(message.text).toBe(
      // Slack shows `&lt;` as `<`.
      ':large_green_circle: OK: shop-slow-success-rate-low (queue slow) 97.5 (alarm when &lt; 90)',
    );
    expect(visibleText(message)).toContain(
      '<https://git.example.com/shop/blob/main/docs/runbooks/job-success-rate.md|Runbook>',
    );
  });

  it('shows the runbook path when there is no base URL, and the threshold when no value is quoted', () => {
    const message = formatAlarmMessage(parsed(MONITOR_SILENT));
    const text = visibleText(message);
    expect(text).toContain('Runbook: `docs/runbooks/monitor-not-reporting.md`');
    expect(text).toContain('*Queue*\\nall queues');
    expect(text).toContain('*Value*\\nthreshold &lt; 1');
    expect(text).toContain('missing datapoints were treated as [Breaching]');
  });

  it('falls back to the metric dimensions for the queue of an alarm made by hand', () => {
    const message = formatAlarmMessage(parsed(DLQ_FROM_SQS));
    expect(message.text).toBe(
      ':red_circle: ALARM: hand-made-dlq-alarm (queue shop-default-dlq) 3 (alarm when ≥ 1)',
    );
    expect(visibleText(message)).toContain('*State*\\nINSUFFICIENT_DATA → ALARM');
    expect(visibleText(message)).not.toContain('Runbook');
  });

  it('escapes Slack control characters in text from the alarm', () => {
    const message = formatAlarmMessage(
      parsed({ ...DLQ_FROM_SQS, AlarmDescription: 'Jobs <failed> & stuck' }),
    );
    expect(visibleText(message)).toContain('Jobs &lt;failed&gt; &amp; stuck');
  });

  it('keeps the header within Slack limits', () => {
    const message = formatAlarmMessage(parsed({ ...DLQ_FROM_SQS, AlarmName: 'x'.repeat(300) }));
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.endsWith('…')).toBe(true);
  });
});

describe('formatPlainMessage', () => {
  it('passes other notifications through with their subject', () => {
    expect(formatPlainMessage('Test', 'hello <world>')).toEqual({
      text: 'Test: hello &lt;world&gt;',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Test: hello &lt;world&gt;' } }],
    });
  });
});
