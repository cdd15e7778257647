/**
 * Which AWS operations a Lambda entry's code can issue, derived from the code itself: the entry
 * is bundled with esbuild as the stack bundles it (`lib/jobs-function.ts`: ESM, Node 24, the AWS
 * SDK left to the runtime), and every SDK command class that survives tree-shaking, imported
 * statically or through a dynamic `import('@aws-sdk/…')`, is one operation. For PartiQL commands
 * the statement verbs in the bundle decide the IAM actions. Each operation is then mapped to the
 * IAM action(s) that authorize it.
 */
import { build } from 'esbuild';

/** One SDK command the code can send, and what IAM must allow for it. */
export interface SdkOperation {
  /** `@aws-sdk/lib-dynamodb`. */
  readonly sdkPackage: string;
  /** `PutCommand`. */
  readonly command: string;
  /** `dynamodb:PutItem` (PartiQL and Scheduler commands need more than one). */
  readonly actions: readonly string[];
}

/** IAM service prefix of each SDK package lambda-jobs uses. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-s3': 's3',
};

/** The document client's commands and the DynamoDB operation each one sends. */
const DOCUMENT_CLIENT_OPERATIONS: Readonly<Record<string, string>> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems',
  TransactWriteCommand: 'TransactWriteItems',
  ExecuteStatementCommand: 'ExecuteStatement',
  BatchExecuteStatementCommand: 'BatchExecuteStatement',
  ExecuteTransactionCommand: 'ExecuteTransaction',
};

/** DynamoDB operations authorized by the PartiQL actions of their statements' verbs. */
const PARTIQL_OPERATIONS = new Set([
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);

/** SQS batch operations are authorized by the single-message action. */
const SQS_BATCH_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** PartiQL statement verbs and the IAM action each needs. */
const PARTIQL_VERB_ACTIONS: Readonly<Record<string, string>> = {
  SELECT: 'dynamodb:PartiQLSelect',
  INSERT: 'dynamodb:PartiQLInsert',
  UPDATE: 'dynamodb:PartiQLUpdate',
  DELETE: 'dynamodb:PartiQLDelete',
};

/**
 * Bundles `entry` as the stack does, unminified so names and statements stay readable. Modules
 * whose path matches `leaveOut` stay out of the bundle (code that never runs with the role).
 */
async function bundle(entry: string, leaveOut?: RegExp): Promise<{ readonly code: string }> {
  const result = await build({
    plugins: leaveOut
      ? [
          {
            name: 'leave-out',
            setup(builder) {
              builder.onResolve({ filter: leaveOut }, (args) => ({
                path: args.path,
                external: true,
              }));
            },
          },
        ]
      : [],
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    // Lambda's Node 24 runtime provides the AWS SDK; the stack leaves it out of the bundle.
    external: ['@aws-sdk/*'],
    // As the construct bundles inside this repository: the package from its sources.
    conditions: ['lambda-jobs-source', 'module'],
    treeShaking: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]!.text };
}

/** `Name` and `Name as alias` in an import clause, names only. */
function importedNames(clause: string): string[] {
  return clause
    .split(',')
    .map((part) =>
      part
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim(),
    )
    .filter((name) => name !== '');
}

/** The SDK command classes the bundle can construct, by package. */
async function commandsIn(code: string): Promise<{ sdkPackage: string; command: string }[]> {
  const found = new Map<string, string>();
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*["'](@aws-sdk\/[^"']+)["']/g)) {
    for (const name of importedNames(m[1]!)) {
      if (name.endsWith('Command')) found.set(`${m[2]}#${name}`, m[2]!);
    }
  }
  // Packages used as a whole: loaded on first use (`(await import('@aws-sdk/x')).SomeCommand`,
  // or destructured), imported as a namespace, or required by bundled CommonJS code. Every
  // command name in the bundle that such a package exports counts.
  const wholePackages = new Set(
    [
      ...code.matchAll(/import\(\s*["'](@aws-sdk\/[^"']+)["']\s*\)/g),
      ...code.matchAll(/import\s*\*\s*as\s+[\w$]+\s+from\s*["'](@aws-sdk\/[^"']+)["']/g),
      ...code.matchAll(/require\(\s*["'](@aws-sdk\/[^"']+)["']\s*\)/g),
    ].map((m) => m[1]!),
  );
  const commandNames = new Set(
    [...code.matchAll(/\b([A-Z][A-Za-z0-9]*Command)\b/g)].map((m) => m[1]!),
  );
  for (const sdkPackage of wholePackages) {
    const exported = (await import(sdkPackage)) as Record<string, unknown>;
    for (const name of commandNames) {
      if (typeof exported[name] === 'function') found.set(`${sdkPackage}#${name}`, sdkPackage);
    }
  }
  return [...found].map(([key, sdkPackage]) => ({
    sdkPackage,
    command: key.slice(sdkPackage.length + 1),
  }));
}

/** PartiQL statement verbs written as string literals in the bundle. */
function partiqlVerbsIn(code: string): Set<string> {
  return new Set([...code.matchAll(/[`'"]\s*(SELECT|INSERT|UPDATE|DELETE)\s/g)].map((m) => m[1]!));
}

/**
 * The IAM actions one command of `sdkPackage` needs (`partiqlVerbs`: the verbs of the PartiQL
 * statements the code sends).
 *
 * @example `actionsFor('@aws-sdk/client-sqs', 'SendMessageBatchCommand', new Set())` is `['sqs:SendMessage']`
 */
export function actionsFor(
  sdkPackage: string,
  command: string,
  partiqlVerbs: Set<string>,
): string[] {
  const prefix = SERVICE_PREFIX[sdkPackage];
  if (prefix === undefined) {
    throw new Error(
      `${command} comes from ${sdkPackage}, which has no IAM service prefix here: add it to SERVICE_PREFIX`,
    );
  }
  let operation: string;
  if (sdkPackage === '@aws-sdk/lib-dynamodb') {
    const mapped = DOCUMENT_CLIENT_OPERATIONS[command];
    if (mapped === undefined) {
      throw new Error(`${command} of ${sdkPackage} has no known DynamoDB operation`);
    }
    operation = mapped;
  } else {
    operation = command.replace(/Command$/, '');
  }
  if (prefix === 'dynamodb' && PARTIQL_OPERATIONS.has(operation)) {
    if (partiqlVerbs.size === 0) {
      throw new Error(
        `${command} is used but no PartiQL statement (SELECT/INSERT/UPDATE/DELETE literal) was found in the bundle`,
      );
    }
    return [...partiqlVerbs].sort().map((verb) => PARTIQL_VERB_ACTIONS[verb]!);
  }
  if (prefix === 'sqs') return [`sqs:${SQS_BATCH_ACTIONS[operation] ?? operation}`];
  // A schedule names the role the scheduler assumes to deliver: the caller must pass it.
  if (prefix === 'scheduler' && operation === 'CreateSchedule') {
    return ['scheduler:CreateSchedule', 'iam:PassRole'];
  }
  return [`${prefix}:${operation}`];
}

/**
 * Every AWS operation `entry`'s bundle can issue, with its IAM actions.
 *
 * @example
 * ```ts
 * const ops = await sdkOperationsOf(jobs.entries.worker);
 * ops.flatMap((op) => op.actions); // ['dynamodb:GetItem', 'sqs:SendMessage', …]
 * ```
 */
export async function sdkOperationsOf(
  entry: string,
  options: { readonly leaveOut?: RegExp } = {},
): Promise<SdkOperation[]> {
  const { code } = await bundle(entry, options.leaveOut);
  const verbs = partiqlVerbsIn(code);
  const commands = await commandsIn(code);
  return commands
    .map(({ sdkPackage, command }) => ({
      sdkPackage,
      command,
      actions: actionsFor(sdkPackage, command, verbs),
    }))
    .sort((a, b) => a.command.localeCompare(b.command));
}

/** The distinct IAM actions of `operations`, sorted. */
export function iamActionsOf(operations: readonly SdkOperation[]): string[] {
  return [...new Set(operations.flatMap((op) => op.actions))].sort();
}
