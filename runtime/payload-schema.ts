import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type PayloadIssue, PayloadValidationError } from './errors.ts';

/** Any Standard Schema validator (zod 4, valibot, arktype, …). */
export type PayloadSchema = StandardSchemaV1;

function issuePath(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? [])
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map(String)
    .join('.');
}

/**
 * Validates a payload against a job type's schema; returns the schema's output or throws a
 * {@link PayloadValidationError} naming each failing field.
 */
export async function validatePayload<S extends PayloadSchema>(
  jobType: string,
  schema: S,
  payload: unknown,
): Promise<StandardSchemaV1.InferOutput<S>> {
  const result = await schema['~standard'].validate(payload);
  if (result.issues) {
    const issues: PayloadIssue[] = result.issues.map((issue) => ({
      path: issuePath(issue),
      message: issue.message,
    }));
    throw new PayloadValidationError(jobType, issues);
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
