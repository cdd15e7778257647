/**
 * A small IAM evaluator over a synthesized template: which identity-policy statements attached
 * to a role (or held by a managed policy) allow an action on a resource. Resources are compared
 * as CloudFormation values (`stack.resolve(table.tableArn)` against the statement's `Resource`),
 * so a grant matches only the very resource it names; `*` matches only where `*` is expected.
 */

import { isDeepStrictEqual } from 'node:util';
import type { Template } from 'aws-cdk-lib/assertions';

/** One statement of a policy document in a template. */
export interface TemplateStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Values the request carries for condition keys (`dynamodb:LeadingKeys`: the partition keys).
 * A key absent here is absent from the request: only `…IfExists` operators then hold.
 */
export type RequestContext = Readonly<Record<string, readonly string[]>>;

function asArray<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** IAM's `*` and `?` wildcards, case-insensitive for actions. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/**
 * Statements of the role's own inline policies and of the AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy resources attached to `roleId`.
 */
export function roleStatements(template: Template, roleId: string): TemplateStatement[] {
  const attached = (roles: unknown) =>
    asArray(roles ?? []).some((role) => isDeepStrictEqual(role, { Ref: roleId }));
  const role = template.toJSON().Resources[roleId] as
    | { Properties?: { Policies?: readonly { PolicyDocument: unknown }[] } }
    | undefined;
  const statements: TemplateStatement[] = (role?.Properties?.Policies ?? []).flatMap((policy) =>
    documentStatements(policy.PolicyDocument),
  );
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const resource of Object.values(template.findResources(type))) {
      const props = (resource as { Properties: { Roles?: unknown; PolicyDocument: unknown } })
        .Properties;
      if (attached(props.Roles)) statements.push(...documentStatements(props.PolicyDocument));
    }
  }
  return statements;
}

/** Statements of the one AWS::IAM::ManagedPolicy with this logical id. */
export function managedPolicyStatements(template: Template, policyId: string): TemplateStatement[] {
  const policy = template.toJSON().Resources[policyId] as
    | { Type: string; Properties: { PolicyDocument: unknown } }
    | undefined;
  if (policy?.Type !== 'AWS::IAM::ManagedPolicy') {
    throw new Error(`${policyId} is not an AWS::IAM::ManagedPolicy in the template`);
  }
  return documentStatements(policy.Properties.PolicyDocument);
}

function documentStatements(document: unknown): TemplateStatement[] {
  const statements = [...asArray((document as { Statement: TemplateStatement[] }).Statement)];
  for (const statement of statements) {
    if ('NotAction' in statement || 'NotResource' in statement || 'NotPrincipal' in statement) {
      throw new Error(
        `This evaluator does not read NotAction/NotResource: ${JSON.stringify(statement)}`,
      );
    }
  }
  return statements;
}

/** Whether every condition of `statement` holds for a request carrying `context`. */
function conditionsHold(statement: TemplateStatement, context: RequestContext): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const patterns = asArray(expected as string | string[]);
      const values = context[key];
      // `…IfExists` holds for a request without the key; any other operator needs a value.
      if (values === undefined || values.length === 0) {
        if (operator.endsWith('IfExists') && values === undefined) continue;
        return false;
      }
      const like = /StringLike(IfExists)?$/.test(operator);
      const one = (value: string) =>
        patterns.some((p) => (like ? globMatches(p, value, false) : p === value));
      if (operator.startsWith('ForAnyValue:')) {
        if (!values.some(one)) return false;
      } else if (
        operator === 'StringEquals' ||
        operator === 'StringLike' ||
        operator === 'StringEqualsIfExists' ||
        operator === 'StringLikeIfExists' ||
        operator === 'ForAllValues:StringEquals' ||
        operator === 'ForAllValues:StringLike'
      ) {
        if (!values.every(one)) return false;
      } else {
        // An operator this evaluator does not know never counts as allowing.
        return false;
      }
    }
  }
  return true;
}

/**
 * Whether some Allow statement (and no Deny) covers `action` on `resource` for a request with
 * `context`. `resource` is a resolved CloudFormation value or `'*'`.
 */
export function isAllowed(
  statements: readonly TemplateStatement[],
  action: string,
  resource: unknown,
  context: RequestContext = {},
): boolean {
  const covers = (s: TemplateStatement) =>
    asArray(s.Action).some((a) => globMatches(a, action, true)) &&
    asArray(s.Resource).some((r) => isDeepStrictEqual(r, resource)) &&
    conditionsHold(s, context);
  return (
    !statements.some((s) => s.Effect === 'Deny' && covers(s)) &&
    statements.some((s) => s.Effect === 'Allow' && covers(s))
  );
}

/** Every action any Allow statement grants (as written, wildcards included). */
export function grantedActions(statements: readonly TemplateStatement[]): string[] {
  return [
    ...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action))),
  ].sort();
}
