import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB bills one write request unit per started kilobyte of item written. */
export const WRITE_UNIT_BYTES = 1024;

function numberBytes(value: string): number {
  // DynamoDB stores numbers as up to 38 significant digits, two digits per byte, plus one byte.
  const digits = value.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.M !== undefined) return 3 + itemSizeBytes(value.M) + Object.keys(value.M).length;
  return 0;
}

/**
 * The size DynamoDB bills an item at: the UTF-8 bytes of every attribute name plus the size of
 * its value (strings as UTF-8, numbers by significant digits, a few bytes of overhead for
 * lists and maps), following the developer guide's item-size rules. An estimate for the cases
 * DynamoDB does not report consumed capacity (a refused conditional write).
 *
 * @example
 * ```ts
 * itemSizeBytes({ pk: { S: 'JOB#1' }, attempts: { N: '1' } }); // 2 + 5 + 8 + 2 = 17
 * ```
 */
export function itemSizeBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    total += Buffer.byteLength(name) + valueBytes(value);
  }
  return total;
}

/**
 * Write request units a write of an item this size consumes (at least one).
 *
 * @example
 * ```ts
 * writeUnitsForBytes(1025); // 2
 * ```
 */
export function writeUnitsForBytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}
