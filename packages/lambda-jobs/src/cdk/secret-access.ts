import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { WebhooksConfig } from '../config/config-types.ts';

/**
 * Every Secrets Manager secret the webhook configuration names (signing keys, their previous
 * secrets, secret headers), possibly repeated: the stack grants each once.
 *
 * @example `webhookSecretNames(config.webhooks) // ['shop/partner-b-signing', …]`
 */
export function webhookSecretNames(webhooks: WebhooksConfig): string[] {
  const names = [
    ...Object.values(webhooks.signingKeys).flatMap((key) => [
      key.secret,
      ...(key.previousSecrets ?? []),
    ]),
    ...Object.values(webhooks.secretHeaders).map((header) => header.secret),
  ];
  return names;
}

/**
 * Allows `grantee` to read (`secretsmanager:GetSecretValue`, nothing else) the Secrets Manager
 * secrets with these names. A secret's ARN ends in its name plus six random characters, so each
 * resource is `…:secret:<name>-??????`: exactly one secret matches. A full secret ARN is used
 * as it is. The secrets are expected
 * under the default `aws/secretsmanager` key (a customer-managed key also needs `kms:Decrypt`).
 *
 * @example
 * ```ts
 * grantReadSecretsByName(this, notifier, ['shop/slack-webhook']);
 * ```
 */
export function grantReadSecretsByName(
  scope: IConstruct,
  grantee: IGrantable,
  secretNames: readonly string[],
): void {
  const statement = readSecretsStatement(scope, secretNames);
  if (statement) grantee.grantPrincipal.addToPrincipalPolicy(statement);
}

/**
 * The statement {@link grantReadSecretsByName} adds, for a policy that is not a principal's
 * own; undefined when there are no names.
 *
 * @example
 * ```ts
 * const statement = readSecretsStatement(this, ['shop/slack-webhook']);
 * if (statement) managedPolicy.addStatements(statement);
 * ```
 */
export function readSecretsStatement(
  scope: IConstruct,
  secretNames: readonly string[],
): PolicyStatement | undefined {
  if (secretNames.length === 0) return undefined;
  const stack = Stack.of(scope);
  return new PolicyStatement({
    actions: ['secretsmanager:GetSecretValue'],
    resources: secretNames.map((name) =>
      name.startsWith('arn:')
        ? name
        : stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
    ),
  });
}
