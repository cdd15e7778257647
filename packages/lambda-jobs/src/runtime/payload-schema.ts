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
  if (result.issues) throw validationError(jobType, result.issues);
  return result.value as StandardSchemaV1.InferOutput<S>;
}

function validationError(
  jobType: string,
  issues: readonly StandardSchemaV1.Issue[],
): PayloadValidationError {
  const named: PayloadIssue[] = issues.map((issue) => ({
    path: issuePath(issue),
    message: issue.message,
  }));
  return new PayloadValidationError(jobType, named);
}

/**
 * Checks a payload synchronously: the {@link PayloadValidationError} message naming each failing
 * field, or undefined when it passes or the schema can only answer asynchronously.
 */
export function payloadProblemNow(
  jobType: string,
  schema: PayloadSchema,
  payload: unknown,
): string | undefined {
  const result = schema['~standard'].validate(payload ?? {});
  if (result instanceof Promise) return undefined;
  return result.issues ? validationError(jobType, result.issues).message : undefined;
}
