import { describe, expect, it } from 'vitest';
import { formatFields, formatTable } from '../../packages/lambda-jobs/src/cli/text-table.ts';

describe('formatTable', () => {
  it('aligns columns, right-aligns numbers, shows missing cells as "-" and trims line ends', () => {
    // Act
    const text = formatTable(
      [
        { name: 'default', depth: 3, note: 'ok' },
        { name: 'slow', depth: 1250, note: undefined },
      ],
      [
        { heading: 'QUEUE', cell: (r) => r.name },
        { heading: 'DEPTH', cell: (r) => r.depth },
        { heading: 'NOTE', cell: (r) => r.note },
      ],
    );

    // Assess
    expect(text).toBe('QUEUE    DEPTH  NOTE\ndefault      3  ok\nslow      1250  -\n');
  });

  it('prints the header alone for no rows', () => {
    // Act + Assess
    expect(formatTable([], [{ heading: 'ID', cell: () => 'x' }])).toBe('ID\n');
  });
});

describe('formatFields', () => {
  it('aligns keys and skips undefined values', () => {
    // Act + Assess
    expect(
      formatFields([
        ['Status', 'ERRORED'],
        ['Output', undefined],
        ['Attempts', '1 of 4'],
      ]),
    ).toBe('Status:   ERRORED\nAttempts: 1 of 4\n');
  });
});
