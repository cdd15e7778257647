/**
 * The Slack notifier: for each SNS record (a CloudWatch alarm changing state), posts a readable
 * message to a Slack incoming webhook. Used when AWS Chatbot is not configured.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SNSEvent } from 'aws-lambda';
import { LambdaJobsError } from '../errors.ts';
import {
  formatAlarmMessage,
  formatPlainMessage,
  parseAlarmNotification,
  type SlackMessage,
} from './format-alarm-message.ts';

/**
 * Slack did not accept a message (a non-2xx answer, or no answer in time). The message names
 * the alarm and the status, never the webhook URL (it is a secret).
 *
 * @example
 * ```ts
 * } catch (e) { if (e instanceof SlackWebhookError && e.status === 429) retryLater(); }
 * ```
 */
export class SlackWebhookError extends LambdaJobsError {
  override name = 'SlackWebhookError';
  constructor(
    readonly alarmName: string,
    readonly status: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface SlackNotifierDeps {
  /** The webhook URL (from Secrets Manager, cached by the caller); never logged. */
  readonly webhookUrl: () => Promise<string>;
  readonly logger: Logger;
  /** Turns runbook paths into links. */
  readonly runbookBaseUrl?: string | undefined;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Abandon a post after this long, ms. Default 5,000 (the function has 15 s). */
  readonly timeoutMs?: number;
}

export interface SlackNotifier {
  /**
   * Posts one message per record. Throws {@link SlackWebhookError} when any post failed (after
   * trying them all), so Lambda retries the invocation.
   */
  notify(event: SNSEvent): Promise<void>;
}

/**
 * The secret holds the webhook URL itself, or JSON with a `url` (or `webhookUrl`) field.
 *
 * @example
 * ```ts
 * webhookUrlFromSecret('{"url":"https://hooks.slack.com/services/T/B/X"}'); // the URL
 * ```
 */
export function webhookUrlFromSecret(secretValue: string): string {
  // Errors here never quote the value: it is a secret (JSON.parse's own messages would).
  const invalid = () =>
    new LambdaJobsError(
      'The Slack webhook secret must hold the webhook URL, or JSON {"url": "<webhook URL>"}',
    );
  const trimmed = secretValue.trim();
  let candidate = trimmed;
  if (trimmed.startsWith('{')) {
    let parsed: { url?: unknown; webhookUrl?: unknown };
    try {
      parsed = JSON.parse(trimmed) as typeof parsed;
    } catch {
      throw invalid();
    }
    const value = parsed.url ?? parsed.webhookUrl;
    candidate = typeof value === 'string' ? value : '';
  }
  if (!URL.canParse(candidate)) throw invalid();
  return candidate;
}

/**
 * @example
 * ```ts
 * const notifier = createSlackNotifier({ webhookUrl: () => resolveSecret(name), logger });
 * export const handler = (event: SNSEvent) => notifier.notify(event);
 * ```
 */
export function createSlackNotifier(deps: SlackNotifierDeps): SlackNotifier {
  const post = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 5000;

  async function send(alarmName: string, message: SlackMessage): Promise<void> {
    const url = webhookUrlFromSecret(await deps.webhookUrl());
    let response: Response;
    try {
      response = await post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new SlackWebhookError(
        alarmName,
        undefined,
        `Slack webhook did not answer for ${alarmName}`,
        {
          cause,
        },
      );
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      throw new SlackWebhookError(
        alarmName,
        response.status,
        `Slack webhook answered ${response.status} for ${alarmName}: ${detail}`,
      );
    }
  }

  return {
    async notify(event) {
      const failures: unknown[] = [];
      for (const record of event.Records) {
        const alarm = parseAlarmNotification(record.Sns.Message);
        const name = alarm?.AlarmName ?? record.Sns.Subject ?? record.Sns.MessageId;
        const message = alarm
          ? formatAlarmMessage(alarm, { runbookBaseUrl: deps.runbookBaseUrl })
          : formatPlainMessage(record.Sns.Subject, record.Sns.Message);
        try {
          await send(name, message);
          deps.logger.info('Alarm posted to Slack', {
            alarm: name,
            state: alarm?.NewStateValue,
            topic: record.Sns.TopicArn,
          });
        } catch (error) {
          deps.logger.error('Alarm not posted to Slack', { alarm: name, error });
          failures.push(error);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        throw new SlackWebhookError(
          'several alarms',
          undefined,
          `${failures.length} of ${event.Records.length} alarm messages were not posted to Slack`,
          { cause: failures },
        );
      }
    },
  };
}
