/**
 * Builds a DynamoDB UpdateExpression from a plain object, so each store transition reads as
 * the fields it sets. Values are attribute values; `raw(...)` inserts an expression.
 */
export interface RawExpression {
  readonly expression: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** An expression fragment, e.g. `raw('if_not_exists(#attempts, :zero) + :one', { ':zero': 0, ':one': 1 })`. */
export function raw(expression: string, values: Record<string, unknown> = {}): RawExpression {
  return { expression, values };
}

function isRaw(value: unknown): value is RawExpression {
  return typeof value === 'object' && value !== null && 'expression' in value && 'values' in value;
}

export interface BuiltUpdate {
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * @param set fields to set (undefined values are skipped)
 * @param remove fields to remove
 * @param names attribute names used by the condition (`#status` → `status` is always present)
 * @param values values used by the condition
 *
 * @example
 * ```ts
 * buildUpdate({ status: 'RUNNING', attempts: raw('#attempts + :one', { ':one': 1 }) }, ['retryAt']);
 * ```
 */
export function buildUpdate(
  set: Record<string, unknown>,
  remove: readonly string[] = [],
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): BuiltUpdate {
  const attributeNames: Record<string, string> = { '#status': 'status', ...names };
  const attributeValues: Record<string, unknown> = { ...values };
  const assignments: string[] = [];
  for (const [field, value] of Object.entries(set)) {
    if (value === undefined) continue;
    attributeNames[`#${field}`] = field;
    if (isRaw(value)) {
      assignments.push(`#${field} = ${value.expression}`);
      Object.assign(attributeValues, value.values);
    } else {
      attributeValues[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
  }
  for (const field of remove) attributeNames[`#${field}`] = field;
  const removal = remove.length > 0 ? ` REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : '';
  return {
    UpdateExpression: `SET ${assignments.join(', ')}${removal}`,
    ExpressionAttributeNames: attributeNames,
    ExpressionAttributeValues: attributeValues,
  };
}
