/**
 * A string attribute as an SDK middleware sees it: plain (`'x'`, a document-client input) or
 * marshalled (`{ S: 'x' }`, a low-level input); undefined for anything else.
 *
 * @example
 * ```ts
 * attributeText({ S: 'JOB#1' }); // 'JOB#1'
 * attributeText('JOB#1'); // 'JOB#1'
 * ```
 */
export function attributeText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'S' in value) {
    const s = (value as { S: unknown }).S;
    return typeof s === 'string' ? s : undefined;
  }
  return undefined;
}
