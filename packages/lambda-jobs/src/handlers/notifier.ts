import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SNSEvent } from 'aws-lambda';
import { ENV, readEnv, readOptionalEnv } from '../config/env.ts';
import { createSecretResolver } from '../runtime/adapters/aws/secrets-manager-secrets.ts';
import { createSlackNotifier } from '../runtime/notifier/slack-notifier.ts';
import { createInvocationTagger } from './invocation-log-keys.ts';

// Built once per cold start: a missing variable fails here, naming it. The webhook URL is
// fetched on first use and cached for a few minutes (a rotated secret is picked up).
const secretName = readEnv(ENV.slackWebhookSecret);
const resolveSecret = createSecretResolver();
const logger = new Logger();
const notifier = createSlackNotifier({
  webhookUrl: () => resolveSecret(secretName),
  runbookBaseUrl: readOptionalEnv(ENV.runbookBaseUrl),
  logger,
});

const tag = createInvocationTagger(logger);

/** SNS (alarm topics) handler: posts each alarm to Slack; throws so Lambda retries a failed post. */
export const handler = (event: SNSEvent, context?: Context): Promise<void> => {
  tag(context);
  return notifier.notify(event);
};
