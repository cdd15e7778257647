/**
 * What the CLI's exit codes mean, and the errors that choose them. Errors from the runtime are
 * mapped too: bad input (JobInputError) is a usage error, an unknown job or queue is "not
 * found", a connection refused is "unreachable".
 */
import { ConfigError } from '../config/config-error.ts';
import {
  JobInputError,
  JobNotFoundError,
  JobStateConflictError,
  LambdaJobsError,
  UnknownQueueError,
} from '../runtime/errors.ts';

/** The CLI's exit codes. */
export const EXIT = {
  /** Done; doctor found nothing that needs attention. */
  ok: 0,
  /** Doctor found something that needs attention, or the operation failed. */
  failed: 1,
  /** Unknown command or flag, a missing argument, a bad value. */
  usage: 2,
  /** Unknown job id, queue or stack. */
  notFound: 3,
  /** No dev mode running and no --stack, or the target's endpoints cannot be reached. */
  unreachable: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A command line the CLI cannot run: unknown command or flag, missing or bad value (exit 2).
 *
 * @example
 * ```ts
 * throw new CliUsageError('--limit must be a whole number from 1 to 100; got "0".');
 * ```
 */
export class CliUsageError extends LambdaJobsError {
  override name = 'CliUsageError';
  constructor(
    message: string,
    /** The help text to show after the message (the command's usage). */
    readonly usage?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Something the command line names does not exist, such as a stack (exit 3).
 *
 * @example
 * ```ts
 * throw new TargetNotFoundError('Stack "shop" does not exist in eu-west-1.');
 * ```
 */
export class TargetNotFoundError extends LambdaJobsError {
  override name = 'TargetNotFoundError';
}

/**
 * Nothing to talk to: no dev mode and no --stack, or an endpoint refusing connections (exit 4).
 *
 * @example
 * ```ts
 * throw new TargetUnreachableError(NO_TARGET_HINT);
 * ```
 */
export class TargetUnreachableError extends LambdaJobsError {
  override name = 'TargetUnreachableError';
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** The error or one of its causes, when one matches. */
function findInChain(error: unknown, match: (e: unknown) => boolean): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (match(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const isConnectionError = (e: unknown) =>
  CONNECTION_CODES.has(String((e as { code?: unknown }).code)) ||
  (e as Error).name === 'TimeoutError';

/**
 * The exit code for an error and the lines to print on stderr.
 *
 * @example
 * ```ts
 * const { code, message } = describeFailure(new JobNotFoundError('abc')); // code 3
 * ```
 */
export function describeFailure(error: unknown): { code: ExitCode; message: string } {
  if (error instanceof CliUsageError) {
    return {
      code: EXIT.usage,
      message: `${error.message}${error.usage ? `\n\n${error.usage}` : ''}`,
    };
  }
  if (error instanceof TargetUnreachableError) {
    return { code: EXIT.unreachable, message: error.message };
  }
  const connection = findInChain(error, isConnectionError) as
    | { code?: string; message?: string; address?: string; port?: number }
    | undefined;
  if (connection) {
    return {
      code: EXIT.unreachable,
      message: `Cannot reach the target: ${connection.message ?? connection.code}. Is dev mode still running (npx lambda-jobs dev)? For a deployed stack, check the region and your network.`,
    };
  }
  if (findInChain(error, (e) => (e as Error).name === 'CredentialsProviderError')) {
    return {
      code: EXIT.unreachable,
      message: `No AWS credentials: ${(error as Error).message}. Set AWS_PROFILE or pass --profile NAME (and --region).`,
    };
  }
  if (/Region is missing/i.test((error as Error).message ?? '')) {
    return {
      code: EXIT.unreachable,
      message:
        'No AWS region: pass --region REGION, or set AWS_REGION or a region in your profile.',
    };
  }
  if (error instanceof TargetNotFoundError || error instanceof JobNotFoundError) {
    return { code: EXIT.notFound, message: (error as Error).message };
  }
  if (error instanceof UnknownQueueError) {
    return { code: EXIT.notFound, message: error.message };
  }
  if (error instanceof JobInputError) {
    return {
      code: EXIT.usage,
      message: `${error.message}\n  field: ${error.field}\n  allowed: ${error.limit}`,
    };
  }
  if (error instanceof JobStateConflictError || error instanceof ConfigError) {
    return { code: EXIT.failed, message: error.message };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: EXIT.failed, message };
}

/** What `--json` writes on stderr for a failure: one line, `{"error": {…}}`. */
export interface FailureJson {
  readonly error: {
    /** The error's class: `CliUsageError`, `JobNotFoundError`, `TargetUnreachableError`, … */
    readonly name: string;
    /** What went wrong, for people (without the usage text). */
    readonly message: string;
    /** The process's exit code (see {@link EXIT}). */
    readonly exitCode: ExitCode;
    /** The input at fault, for bad input. */
    readonly field?: string;
    /** What that input allows. */
    readonly limit?: string;
  };
}

/**
 * The failure as `--json` reports it on stderr: the same exit code and message as
 * {@link describeFailure}, with the field and limit of bad input as their own keys.
 *
 * @example
 * ```ts
 * io.stderr.write(`${JSON.stringify(failureJson(new JobNotFoundError('abc')))}\n`);
 * // {"error":{"name":"JobNotFoundError","message":"…","exitCode":3}}
 * ```
 */
export function failureJson(error: unknown): FailureJson {
  const { code, message } = describeFailure(error);
  const name = error instanceof Error ? error.name : 'Error';
  if (error instanceof JobInputError) {
    return {
      error: {
        name,
        message: error.message,
        exitCode: code,
        field: error.field,
        limit: error.limit,
      },
    };
  }
  if (error instanceof CliUsageError) {
    return { error: { name, message: error.message, exitCode: code } };
  }
  return { error: { name, message, exitCode: code } };
}
