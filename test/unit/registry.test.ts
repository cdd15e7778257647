import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  DuplicateJobTypeError,
  UnknownJobTypeError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';

const first = defineJob({ type: 'send-mail', schema: z.object({}), run: () => {} });
const second = defineJob({ type: 'send-mail', schema: z.object({}), run: () => {} });
const other = defineJob({ type: 'other', schema: z.object({}), run: () => {} });

describe('createRegistry', () => {
  it('refuses a duplicate type, naming the file and line of both definitions', () => {
    // Act
    const build = () => createRegistry([first, other, second]);

    // Assess
    expect(build).toThrow(DuplicateJobTypeError);
    expect(build).toThrow(
      /Job type "send-mail" is defined twice: by \S*test\/unit\/registry\.test\.ts:10 and by \S*test\/unit\/registry\.test\.ts:11\./,
    );
  });

  it('finds registered types, and names the registered ones for an unknown type', () => {
    // Act
    const registry = createRegistry([first, other]);

    // Assess
    expect(registry.types).toEqual(['other', 'send-mail']);
    expect(registry.get('other')).toBe(other);
    expect(() => registry.get('nope')).toThrow(UnknownJobTypeError);
    expect(() => registry.get('nope')).toThrow(/other, send-mail/);
  });
});
