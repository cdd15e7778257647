import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Allows `grantee` to read (`secretsmanager:GetSecretValue`, nothing else) the Secrets Manager
 * secrets with these names. A secret's ARN ends in its name plus six random characters, so each
 * resource is `…:secret:<name>-??????`: exactly one secret matches. The secrets are expected
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
      stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${name}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ),
  });
}
