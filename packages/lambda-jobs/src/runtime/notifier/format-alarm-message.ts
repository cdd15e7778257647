/**
 * Turns the JSON a CloudWatch alarm publishes to SNS into a Slack message an on-call engineer
 * can act on: which alarm, its state, why, which queue, the value against the threshold, and
 * links to the runbook and to the alarm in the console.
 */
import { parseAlarmDescription } from '../../config/alarm-descriptions.ts';

interface AlarmDimension {
  readonly name?: string;
  readonly value?: string;
}

/** The fields of a CloudWatch alarm state-change notification this module reads. */
export interface AlarmNotification {
  readonly AlarmName: string;
  readonly AlarmDescription?: string | null;
  readonly AlarmArn?: string;
  readonly NewStateValue: string;
  readonly OldStateValue?: string;
  readonly NewStateReason?: string;
  readonly StateChangeTime?: string;
  readonly Trigger?: {
    readonly MetricName?: string;
    readonly Namespace?: string;
    readonly Dimensions?: readonly AlarmDimension[];
    readonly ComparisonOperator?: string;
    readonly Threshold?: number;
    readonly Metrics?: readonly {
      readonly MetricStat?: {
        readonly Metric?: { readonly Dimensions?: readonly AlarmDimension[] };
      };
    }[];
  };
}

/** A Slack incoming-webhook payload: fallback text plus Block Kit blocks. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

export interface FormatOptions {
  /** Prefix for runbook paths (`docs/runbooks/x.md`) that are not already URLs. */
  readonly runbookBaseUrl?: string | undefined;
}

const STATE_ICONS: Record<string, string> = {
  ALARM: ':red_circle:',
  OK: ':large_green_circle:',
  INSUFFICIENT_DATA: ':white_circle:',
};

const COMPARISONS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

/** Slack's limits: header text 150 characters, a text object 3,000. */
const HEADER_LIMIT = 150;
const TEXT_LIMIT = 3000;

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Slack mrkdwn treats `&`, `<` and `>` as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Parses an SNS message body as a CloudWatch alarm notification; `undefined` when it is
 * something else (a test publish, another service's notification).
 *
 * @example
 * ```ts
 * const alarm = parseAlarmNotification(record.Sns.Message);
 * ```
 */
export function parseAlarmNotification(message: string): AlarmNotification | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const candidate = parsed as Partial<AlarmNotification>;
  if (typeof candidate.AlarmName !== 'string' || typeof candidate.NewStateValue !== 'string') {
    return undefined;
  }
  return candidate as AlarmNotification;
}

/** The most recent datapoint CloudWatch quotes in the state reason: `[612.0 (22/11/26 10:01:00)`. */
function observedValue(reason: string | undefined): number | undefined {
  const match = /\[(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) \(/.exec(reason ?? '');
  return match ? Number(match[1]) : undefined;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
}

function dimensionsOf(alarm: AlarmNotification): AlarmDimension[] {
  const trigger = alarm.Trigger;
  return [
    ...(trigger?.Dimensions ?? []),
    ...(trigger?.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? []),
  ];
}

function queueOf(alarm: AlarmNotification, described: string | undefined): string | undefined {
  if (described) return described;
  const dimensions = dimensionsOf(alarm);
  return (
    dimensions.find((d) => d.name === 'queue')?.value ??
    dimensions.find((d) => d.name === 'QueueName')?.value
  );
}

function runbookUrl(runbook: string | undefined, baseUrl: string | undefined): string | undefined {
  if (runbook === undefined) return undefined;
  if (/^https?:\/\//.test(runbook) || !baseUrl) return runbook;
  return `${baseUrl.replace(/\/?$/, '/')}${runbook.replace(/^\//, '')}`;
}

/** `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:name` → the alarm's console page. */
function consoleUrl(alarm: AlarmNotification): string | undefined {
  const region = alarm.AlarmArn?.split(':')[3];
  if (!region) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`;
}

/**
 * `612 ≥ 500` from the reason's datapoint and the trigger's threshold; just the threshold when
 * the reason quotes no datapoint (e.g. INSUFFICIENT_DATA, or a breaching gap in the data).
 */
function valueVersusThreshold(alarm: AlarmNotification): string | undefined {
  const threshold = alarm.Trigger?.Threshold;
  if (threshold === undefined) return undefined;
  const operator = alarm.Trigger?.ComparisonOperator ?? '';
  const symbol = COMPARISONS[operator] ?? operator;
  const value = observedValue(alarm.NewStateReason);
  if (value === undefined) return `threshold ${symbol} ${formatNumber(threshold)}`;
  return `${formatNumber(value)} (alarm when ${symbol} ${formatNumber(threshold)})`;
}

function linkLine(runbook: string | undefined, alarmPage: string | undefined): string | undefined {
  const links: string[] = [];
  if (runbook) {
    links.push(/^https?:\/\//.test(runbook) ? `<${runbook}|Runbook>` : `Runbook: \`${runbook}\``);
  }
  if (alarmPage) links.push(`<${alarmPage}|Alarm in the AWS console>`);
  return links.length > 0 ? links.join('  ·  ') : undefined;
}

/**
 * Builds the Slack message for one alarm notification.
 *
 * @example
 * ```ts
 * const message = formatAlarmMessage(alarm, { runbookBaseUrl: 'https://github.com/org/repo/blob/main/' });
 * await fetch(webhookUrl, { method: 'POST', body: JSON.stringify(message) });
 * ```
 */
export function formatAlarmMessage(
  alarm: AlarmNotification,
  options: FormatOptions = {},
): SlackMessage {
  const described = parseAlarmDescription(alarm.AlarmDescription ?? '');
  const queue = queueOf(alarm, described.queue);
  const state = alarm.NewStateValue;
  const icon = STATE_ICONS[state] ?? ':grey_question:';
  const transition = alarm.OldStateValue ? `${alarm.OldStateValue} → ${state}` : state;
  const value = valueVersusThreshold(alarm);
  const links = linkLine(runbookUrl(described.runbook, options.runbookBaseUrl), consoleUrl(alarm));

  const fields = [
    `*State*\n${escapeMrkdwn(transition)}`,
    `*Queue*\n${escapeMrkdwn(queue ?? 'all queues')}`,
    ...(value ? [`*Value*\n${escapeMrkdwn(value)}`] : []),
    ...(alarm.StateChangeTime ? [`*Since*\n${escapeMrkdwn(alarm.StateChangeTime)}`] : []),
  ];
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${state}: ${alarm.AlarmName}`, HEADER_LIMIT) },
    },
  ];
  if (described.summary) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(described.summary), TEXT_LIMIT) },
    });
  }
  blocks.push({
    type: 'section',
    fields: fields.map((text) => ({ type: 'mrkdwn', text })),
  });
  if (alarm.NewStateReason) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Reason*\n${escapeMrkdwn(alarm.NewStateReason)}`, TEXT_LIMIT),
      },
    });
  }
  if (links) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links }] });

  const text = `${icon} ${state}: ${alarm.AlarmName}${queue ? ` (queue ${queue})` : ''}${value ? ` ${value}` : ''}`;
  return { text: escapeMrkdwn(text), blocks };
}

/**
 * The message for an SNS notification that is not an alarm: its subject and body as sent.
 *
 * @example
 * ```ts
 * formatPlainMessage('Test', 'hello').text; // 'Test: hello'
 * ```
 */
export function formatPlainMessage(subject: string | null | undefined, body: string): SlackMessage {
  const text = truncate(escapeMrkdwn(subject ? `${subject}: ${body}` : body), TEXT_LIMIT);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
