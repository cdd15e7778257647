import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RUNNING_FROM_SOURCE, SOURCE_CONDITION } from './function-entries.ts';
import { type LogLevel, powertoolsEnvironment } from './function-environment.ts';

/** Lock files NodejsFunction understands, in the order they are looked for. */
const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock'];

/**
 * The lock file of the project holding `folder`: the first found in `folder` or above it (a
 * workspace's lock file sits at its root). Throws naming the folders searched when none is.
 */
export function findLockFile(folder: string): string {
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    for (const name of LOCK_FILES) {
      const candidate = path.join(current, name);
      if (existsSync(candidate)) return candidate;
    }
    if (path.dirname(current) === current) {
      throw new Error(
        `No lock file (${LOCK_FILES.join(', ')}) in ${folder} or any folder above it: install the project's dependencies first (npm install), so its functions can be bundled.`,
      );
    }
  }
}

/**
 * ESM bundles may still hold CommonJS dependencies that call `require` for Node built-ins;
 * this gives them one.
 */
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface JobsFunctionProps {
  /** The entry file, by path: infrastructure never imports handler code. */
  readonly entry: string;
  /** The project root; its lock file is found there or above it ({@link findLockFile}). */
  readonly projectRoot: string;
  readonly functionName: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /**
   * `${appName}` or `${appName}-${stage}` (`deploymentNames().prefix`): the Powertools service
   * name and the metric namespace.
   */
  readonly appName: string;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  readonly environment?: Readonly<Record<string, string>>;
  /** Concurrent executions reserved for the function. Default none (the account's pool). */
  readonly reservedConcurrentExecutions?: number;
  /** X-Ray active tracing (the role may then write trace segments). Default off. */
  readonly xrayTracing?: boolean;
}

/**
 * A lambda-jobs Lambda function with the defaults experienced teams set by hand: Node 24 on
 * ARM64, an esbuild bundle that is minified with source maps (and `--enable-source-maps`), its
 * own log group with a retention period, Powertools settings, and a role of its own that can
 * write only to that log group (no managed policy). Callers add exactly the grants it needs.
 *
 * @example
 * ```ts
 * const monitor = new JobsFunction(this, 'Monitor', {
 *   entry: 'src/monitor.ts', projectRoot, functionName: 'shop-monitor',
 *   description: 'Backlog monitor', timeout: Duration.seconds(60), memorySize: 256,
 *   appName: 'shop', logLevel: 'INFO', logRetention: RetentionDays.ONE_MONTH,
 * });
 * table.grantReadData(monitor.function);
 * ```
 */
export class JobsFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: JobsFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      // Logs have their own retention; a retained, named group would block the next deploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.functionName}`,
    });
    this.logGroup.grantWrite(this.role);
    const lockFile = findLockFile(props.projectRoot);
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: path.dirname(lockFile),
      depsLockFilePath: lockFile,
      functionName: props.functionName,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.xrayTracing ? { tracing: Tracing.ACTIVE } : {}),
      environment: {
        ...powertoolsEnvironment(props.appName, props.logLevel),
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node24',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        // Inside the lambda-jobs repository, bundle the package from its sources.
        ...(RUNNING_FROM_SOURCE
          ? { esbuildArgs: { '--conditions': `${SOURCE_CONDITION},module` } }
          : {}),
      },
    });
    if (props.xrayTracing) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (AWS requires Resource "*"); they only write trace data.',
      });
    }
  }
}
