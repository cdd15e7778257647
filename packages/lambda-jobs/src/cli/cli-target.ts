/**
 * Which system a command talks to, and the admin built for it. Dev mode is the default when
 * `.lambda-jobs/dev.json` says one is running in this folder; `--stack NAME` picks a deployed
 * stack (its CloudFormation outputs name the queues and the table; credentials and region
 * come from the SDK's usual chain, `--profile` and `--region` included).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { ENV, type QueueEndpoints, resourceEnv } from '../config/env.ts';
import { localPayloadBucket } from '../config/resource-names.ts';
import { STACK_OUTPUTS } from '../config/stack-outputs.ts';
import { CONFIRM_HEADER, CONFIRM_VALUE } from '../local/dashboard/request-guard.ts';
import { createDevDelayedDelivery } from '../local/dev-delayed-delivery.ts';
import { DEV_STATE_PATH, type DevState, readDevState } from '../local/dev-state-file.ts';
import { createEmulatorOldestAgeSource } from '../local/oldest-age-from-emulator.ts';
import { createAwsJobsAdmin } from '../runtime/adapters/aws/aws-jobs-admin.ts';
import { createCloudWatchAlarmSource } from '../runtime/adapters/aws/cloudwatch-alarms.ts';
import { createCloudWatchMonitorHeartbeat } from '../runtime/adapters/aws/cloudwatch-monitor-heartbeat.ts';
import { createDynamoDbCircuitState } from '../runtime/adapters/aws/dynamodb-circuit-state.ts';
import { createLambdaEventSources } from '../runtime/adapters/aws/lambda-event-sources.ts';
import { createDynamoDbClient, createSqsClient } from '../runtime/adapters/aws/sdk-clients.ts';
import { createSqsQueueTransport } from '../runtime/adapters/aws/sqs-queue-transport.ts';
import type {
  AlarmSource,
  EventSourceState,
  EventSourceStateSource,
  MonitorActivitySource,
} from '../runtime/admin/admin-ports.ts';
import type { QueueSample } from '../runtime/admin/jobs-admin.ts';
import type { JobsAdminService } from '../runtime/admin/jobs-admin-service.ts';
import type { OutcomeCountSource, OutcomeHistory } from '../runtime/admin/outcome-counts.ts';
import type { QueueConsumptionControl } from '../runtime/admin/queue-consumption.ts';
import { type CircuitAdmin, createCircuitAdmin } from '../runtime/circuit/circuit-admin.ts';
import { LambdaJobsError, UnknownQueueError } from '../runtime/errors.ts';
import type { JobRegistry } from '../runtime/registry.ts';
import { TargetUnreachableError } from './cli-errors.ts';
import type { CliIo } from './cli-io.ts';
import { describeDeployedStack } from './stack-outputs.ts';

/** The app the CLI serves: its config and job types. */
export interface CliApp {
  readonly config: LambdaJobsConfig;
  readonly registry: JobRegistry;
}

/** The flags that choose the target. */
export interface TargetFlags {
  readonly stack?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
}

/** A connected target. */
export interface CliTarget {
  readonly kind: 'dev' | 'stack';
  /** For people: `dev mode (pid 123)` or `stack shop (eu-west-1)`. */
  readonly label: string;
  readonly tableName: string;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  readonly admin: JobsAdminService;
  /** When the monitor last ran; undefined when this target cannot tell. */
  readonly monitorActivity: MonitorActivitySource | undefined;
  /** The deployment's alarms; undefined in dev mode (it has none). */
  readonly alarms: AlarmSource | undefined;
  readonly dashboardUrl: string | undefined;
  /** Dev mode's dashboard session token (its API needs it); undefined for a stack. */
  readonly dashboardToken?: string | undefined;
  /** The config the target runs with: dev mode's own, or the app's for a stack. */
  readonly config: LambdaJobsConfig;
  /** The workers' event sources (Lambda mappings, or dev mode's pollers). */
  readonly eventSources: EventSourceStateSource;
  /** Pauses and resumes queues (`queues pause|resume`): the Lambda mappings, or dev mode's pollers. */
  readonly consumption: QueueConsumptionControl;
  /** What `doctor` cannot check on this target, and why. */
  readonly notChecked: readonly string[];
  /** The job types' circuit breakers: their state in the job table, and the override. */
  readonly circuits: CircuitAdmin;
}

/** The circuits of the app's config, their state in `tableName`. */
function circuitAdminOf(dynamodb: DynamoDBClient, tableName: string, app: CliApp): CircuitAdmin {
  return createCircuitAdmin({
    store: createDynamoDbCircuitState({ client: dynamodb, tableName }),
    settings: app.config.circuitBreakers,
  });
}

/** The hint printed when there is nothing to talk to. */
export const NO_TARGET_HINT =
  'No dev mode is running here (no live .lambda-jobs/dev.json in this folder). Start it with `npx lambda-jobs dev` in another terminal, or pass --stack NAME to use a deployed stack.';

/**
 * Credentials for the emulators, as dev mode picks them (its environment's, else `local`).
 * DynamoDB Local keeps one database per access key id and region, so they must match.
 */
function emulatorCredentials(env: NodeJS.ProcessEnv) {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
  };
}

/** A dev mode's monitor keeps samples in its own process; its dashboard serves them. */
function devMonitorActivity(
  dashboardUrl: string,
  token: string | undefined,
): MonitorActivitySource {
  return {
    async lastRun() {
      try {
        const response = await fetch(`${dashboardUrl.replace(/\/+$/, '')}/api/samples?minutes=15`, {
          signal: AbortSignal.timeout(3000),
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        if (!response.ok) return undefined;
        const body = (await response.json()) as { samples?: QueueSample[] };
        const times = (body.samples ?? []).map((s) => Date.parse(s.at)).filter(Number.isFinite);
        return times.length === 0 ? undefined : new Date(Math.max(...times));
      } catch {
        return undefined;
      }
    },
  };
}

/** A dev mode's workers count outcomes in its own process; its dashboard serves the counts. */
function devOutcomeCounts(dashboardUrl: string, token: string | undefined): OutcomeCountSource {
  return {
    async history(minutes) {
      const response = await fetch(
        `${dashboardUrl.replace(/\/+$/, '')}/api/outcomes?minutes=${encodeURIComponent(minutes)}`,
        {
          signal: AbortSignal.timeout(3000),
          headers: token ? { authorization: `Bearer ${token}` } : {},
        },
      );
      if (!response.ok) {
        throw new TargetUnreachableError(
          `Dev mode's dashboard answered HTTP ${response.status} for its outcome counts.`,
        );
      }
      const body = (await response.json()) as { outcomes: OutcomeHistory };
      return body.outcomes;
    },
  };
}

/**
 * A dev mode's pollers run in its own process: pausing asks its dashboard API, which serves
 * `POST /api/queues/<queue>/pause|resume` with the session token from the state file.
 */
function devConsumption(state: DevState): QueueConsumptionControl {
  return {
    async setPaused(queue, paused) {
      if (!state.dashboardUrl) {
        throw new TargetUnreachableError(
          'This dev mode serves no dashboard yet (it is still starting): pausing a queue goes through it. Try again in a moment.',
        );
      }
      const url = `${state.dashboardUrl.replace(/\/+$/, '')}/api/queues/${encodeURIComponent(queue)}/${paused ? 'pause' : 'resume'}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          signal: AbortSignal.timeout(10_000),
          // What the dashboard asks of every action (request-guard.ts): its own origin, the
          // confirmation header (the command line is the operator's confirmation) and the token.
          headers: {
            'content-type': 'application/json',
            origin: new URL(state.dashboardUrl).origin,
            [CONFIRM_HEADER]: CONFIRM_VALUE,
            ...(state.dashboardToken ? { authorization: `Bearer ${state.dashboardToken}` } : {}),
          },
          body: '{}',
        });
      } catch (error) {
        throw new TargetUnreachableError(
          `Dev mode's dashboard at ${state.dashboardUrl} did not answer (${(error as Error).message}): is dev mode still running?`,
          { cause: error },
        );
      }
      const body = (await response.json().catch(() => ({}))) as {
        eventSource?: EventSourceState;
        error?: string;
        field?: string;
      };
      if (response.status === 400) throw new UnknownQueueError(queue, Object.keys(state.queues));
      if (!response.ok || !body.eventSource) {
        throw new LambdaJobsError(
          `Dev mode refused to ${paused ? 'pause' : 'resume'} ${queue}: ${body.error ?? `HTTP ${response.status}`}`,
        );
      }
      return body.eventSource;
    },
  };
}

async function readDevStateSafely(cwd: string): Promise<DevState | undefined> {
  try {
    return await readDevState(cwd);
  } catch (error) {
    throw new TargetUnreachableError(
      `${DEV_STATE_PATH} in ${cwd} is not readable (${(error as Error).message}). Restart dev mode (npx lambda-jobs dev), or pass --stack NAME.`,
      { cause: error },
    );
  }
}

function cliLogger(app: CliApp): Logger {
  // Warnings and errors only (Powertools writes those to stderr): stdout stays for results.
  return new Logger({ serviceName: app.config.appName, logLevel: 'WARN' });
}

function connectDev(state: DevState, io: CliIo, app: CliApp): CliTarget {
  const credentials = emulatorCredentials(io.env);
  const sqs = new SQSClient({
    endpoint: state.endpoints.sqs,
    region: state.region,
    credentials,
    useQueueUrlAsEndpoint: false,
    maxAttempts: 2,
  });
  const dynamodb = new DynamoDBClient({
    endpoint: state.endpoints.dynamodb,
    region: state.region,
    credentials,
    maxAttempts: 2,
  });
  const payloadBucket = app.config.largePayloads?.enabled
    ? localPayloadBucket(state.tableName)
    : undefined;
  if (payloadBucket) {
    // The payload bucket is on fauxqs's S3, which checks no credentials.
    process.env.AWS_ENDPOINT_URL_S3 ??= state.endpoints.sqs;
    process.env.AWS_REGION ??= state.region;
    process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
  }
  const admin = createAwsJobsAdmin({
    registry: app.registry,
    config: app.config,
    env: resourceEnv({ ...state, payloadBucket }),
    sqs,
    dynamodb,
    // Long delays and cancels go through the dev mode's table of pending deliveries, which its
    // own ticker sends (this one never ticks).
    delayedDelivery: createDevDelayedDelivery({
      client: dynamodb,
      tableName: state.tableName,
      transport: createSqsQueueTransport(sqs),
    }),
    receiveWaitSeconds: 0,
    oldestAge: createEmulatorOldestAgeSource({ endpoint: state.endpoints.sqs }),
    ...(state.dashboardUrl
      ? { outcomes: devOutcomeCounts(state.dashboardUrl, state.dashboardToken) }
      : {}),
    logger: cliLogger(app),
  });
  return {
    kind: 'dev',
    label: `dev mode (pid ${state.pid}, SQS ${state.endpoints.sqs}, DynamoDB ${state.endpoints.dynamodb})`,
    tableName: state.tableName,
    queues: state.queues,
    admin,
    monitorActivity: state.dashboardUrl
      ? devMonitorActivity(state.dashboardUrl, state.dashboardToken)
      : undefined,
    alarms: undefined,
    dashboardUrl: state.dashboardUrl || undefined,
    dashboardToken: state.dashboardToken || undefined,
    config: app.config,
    eventSources: { states: async () => [...(state.eventSources ?? [])] },
    consumption: devConsumption(state),
    circuits: circuitAdminOf(dynamodb, state.tableName, app),
    notChecked: ['alarms (dev mode has none; doctor --stack NAME lists those in ALARM)'],
  };
}

/**
 * The scheduler variables from the stack's outputs, so that `enqueue --delay` beyond 15 minutes
 * and `jobs cancel` of a job waiting in a one-time schedule work as a deployed producer's do.
 * None from a stack deployed before those outputs existed: long delays are then refused and a
 * cancelled job's schedule is left to fire (the worker skips its delivery).
 */
function schedulerEnv(outputs: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const group = outputs[STACK_OUTPUTS.schedulerGroup];
  const role = outputs[STACK_OUTPUTS.schedulerRoleArn];
  const deadLetter = outputs[STACK_OUTPUTS.schedulerDeadLetterArn];
  if (!group || !role || !deadLetter) return {};
  return {
    [ENV.schedulerGroup]: group,
    [ENV.schedulerRoleArn]: role,
    [ENV.schedulerDeadLetterArn]: deadLetter,
  };
}

/** Queue → worker function name, from `WorkerFunctionNames`, else the per-queue outputs. */
function workerFunctionNames(
  outputs: Readonly<Record<string, string>>,
  config: LambdaJobsConfig,
): Record<string, string> {
  const raw = outputs[STACK_OUTPUTS.workerFunctionNames];
  if (raw !== undefined) {
    try {
      return JSON.parse(raw) as Record<string, string>;
    } catch {
      // fall back to the per-queue outputs below
    }
  }
  const names: Record<string, string> = {};
  for (const queue of Object.keys(config.queues)) {
    const name = outputs[STACK_OUTPUTS.workerFunctionName(queue)];
    if (name) names[queue] = name;
  }
  return names;
}

async function connectStack(name: string, io: CliIo, app: CliApp): Promise<CliTarget> {
  const cloudformation = new CloudFormationClient({});
  const stack = await describeDeployedStack(cloudformation, name, app.config);
  const region = await cloudformation.config.region().catch(() => undefined);
  const cloudwatch = new CloudWatchClient({});
  const dynamodb = createDynamoDbClient();
  // Stacks of a stage publish under `${appName}-${stage}`; older stacks have no such output.
  const metricNamespace = stack.outputs[STACK_OUTPUTS.metricNamespace] ?? app.config.appName;
  const admin = createAwsJobsAdmin({
    registry: app.registry,
    config: app.config,
    env: {
      ...resourceEnv({ ...stack, payloadBucket: stack.outputs[STACK_OUTPUTS.payloadBucket] }),
      ...schedulerEnv(stack.outputs),
      POWERTOOLS_METRICS_NAMESPACE: metricNamespace,
      POWERTOOLS_SERVICE_NAME: metricNamespace,
    },
    sqs: createSqsClient(io.env),
    dynamodb,
    cloudwatch,
    logger: cliLogger(app),
  });
  const lambdaEventSources = createLambdaEventSources({
    client: new LambdaClient({}),
    workerFunctions: workerFunctionNames(stack.outputs, app.config),
    queues: stack.queues,
  });
  const topicArns = [
    stack.outputs[STACK_OUTPUTS.warningTopicArn],
    stack.outputs[STACK_OUTPUTS.criticalTopicArn],
  ].filter((arn): arn is string => arn !== undefined);
  return {
    kind: 'stack',
    label: `stack ${name}${region ? ` (${region})` : ''}, ${stack.status}`,
    tableName: stack.tableName,
    queues: stack.queues,
    admin,
    monitorActivity: createCloudWatchMonitorHeartbeat({
      client: cloudwatch,
      namespace: metricNamespace,
      service: metricNamespace,
    }),
    alarms: createCloudWatchAlarmSource({
      client: cloudwatch,
      alarmNamePrefix: `${name}-`,
      topicArns,
    }),
    dashboardUrl: stack.outputs[STACK_OUTPUTS.dashboardUrl],
    config: app.config,
    eventSources: lambdaEventSources,
    consumption: lambdaEventSources,
    circuits: circuitAdminOf(dynamodb, stack.tableName, app),
    notChecked: [],
  };
}

/**
 * Connects to the target the flags choose. `--region` and `--profile` are written to the
 * environment first, so every SDK client created afterwards uses them.
 *
 * @throws TargetUnreachableError with {@link NO_TARGET_HINT} when no --stack is given and no
 *   dev mode runs in `io.cwd`.
 * @throws TargetNotFoundError when the stack does not exist.
 * @example
 * ```ts
 * const target = await connectTarget({ stack: 'shop', region: 'eu-west-1' }, io, { config, registry });
 * const queues = await target.admin.queues();
 * ```
 */
export async function connectTarget(
  flags: TargetFlags,
  io: CliIo,
  app: CliApp,
): Promise<CliTarget> {
  if (flags.region) io.env.AWS_REGION = flags.region;
  if (flags.profile) io.env.AWS_PROFILE = flags.profile;
  if (flags.stack) return connectStack(flags.stack, io, app);
  const state = await readDevStateSafely(io.cwd);
  if (!state) throw new TargetUnreachableError(NO_TARGET_HINT);
  // Dev mode may run with another config than the file's (`--demo`, `--monitor-every`): judge
  // it by the config it runs with.
  return connectDev(state, io, state.config ? { ...app, config: state.config } : app);
}
