import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmSource, FiringAlarm } from '../../admin/admin-ports.ts';
import { retryOnThrottling, type ThrottleRetryOptions } from '../../monitor/throttle-retry.ts';

/** Options for {@link createCloudWatchAlarmSource}. */
export interface CloudWatchAlarmOptions {
  readonly client: CloudWatchClient;
  /**
   * Start of every alarm name of the deployment: `<stack name>-` (the stack names its alarms
   * `<prefix>-<queue>-<kind>` and `<prefix>-<kind>`).
   */
  readonly alarmNamePrefix: string;
  /**
   * The deployment's SNS topics. When given, only alarms notifying one of them count: another
   * deployment whose name starts with the same prefix (`shop` and `shop-staging`) is left out.
   */
  readonly topicArns?: readonly string[];
  readonly retry?: ThrottleRetryOptions;
}

/** Pages followed at most (100 alarms each). */
const MAX_PAGES = 50;

/**
 * Metric and composite alarms of one deployment in state ALARM, by name prefix (and topic).
 *
 * @example
 * ```ts
 * const alarms = createCloudWatchAlarmSource({ client, alarmNamePrefix: 'shop-', topicArns });
 * const firing = await alarms.firing();
 * ```
 */
export function createCloudWatchAlarmSource(options: CloudWatchAlarmOptions): AlarmSource {
  const topics = new Set(options.topicArns ?? []);
  const ours = (actions: readonly string[] | undefined) =>
    topics.size === 0 || (actions ?? []).some((arn) => topics.has(arn));
  return {
    async firing() {
      const found: FiringAlarm[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const token = nextToken;
        const page = await retryOnThrottling(
          () =>
            options.client.send(
              new DescribeAlarmsCommand({
                AlarmNamePrefix: options.alarmNamePrefix,
                StateValue: 'ALARM',
                AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
                MaxRecords: 100,
                ...(token ? { NextToken: token } : {}),
              }),
            ),
          options.retry,
        );
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (!ours(alarm.AlarmActions)) continue;
          found.push({
            name: alarm.AlarmName ?? '',
            description: alarm.AlarmDescription,
            reason: alarm.StateReason,
            since: alarm.StateUpdatedTimestamp?.toISOString(),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken && ++pages < MAX_PAGES);
      return found.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
