import path from 'node:path';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IGrantable, ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { RUNBOOKS } from '../config/alarm-descriptions.ts';
import { ConfigError } from '../config/config-error.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { ENV } from '../config/env.ts';
import { outputKeyPart, STACK_OUTPUTS } from '../config/stack-outputs.ts';
import { cronMessageGroups } from '../runtime/cron-message-groups.ts';
import { RECORDING_MARGIN_SECONDS } from '../runtime/job-config-checks.ts';
import type { JobRegistry } from '../runtime/registry.ts';
import { jobQueueNames, scheduleProblems } from '../runtime/schedule-firing.ts';
import { AlarmFactory } from './alarm-factory.ts';
import { AlertTopics } from './alert-topics.ts';
import { CircuitAlarms } from './circuit-alarms.ts';
import { JobsDataKey } from './data-key.ts';
import { type DeploymentNames, deploymentNames } from './deployment-names.ts';
import {
  bindEnqueue,
  type EnqueueTarget,
  grantEnqueue,
  grantSendToQueues,
} from './enqueue-access.ts';
import { type FunctionEntries, writeFunctionEntries } from './function-entries.ts';
import { jobsEnvironment, type LogLevel } from './function-environment.ts';
import { jobLimitsOf } from './job-limits.ts';
import { JobQueue } from './job-queue.ts';
import { JobSchedules } from './job-schedules.ts';
import { JobTable } from './job-table.ts';
import { JobsDashboard } from './jobs-dashboard.ts';
import { LogQueries } from './log-queries.ts';
import { OperatorPolicy } from './operator-policy.ts';
import { PayloadBucket } from './payload-bucket.ts';
import { loadProjectRegistry, type ProjectRegistry } from './project-registry.ts';
import { QueueAlarms } from './queue-alarms.ts';
import { QueueMetrics } from './queue-metrics.ts';
import { QueueMonitor } from './queue-monitor.ts';
import { grantReadSecretsByName, webhookSecretNames } from './secret-access.ts';
import { SlackAlerts } from './slack-alerts.ts';
import { assertDeployable } from './synth-checks.ts';

export interface LambdaJobsProps {
  /** The project's config: `export default defineConfig({...})` in `lambda-jobs.config.ts`. */
  readonly config: LambdaJobsConfig;
  /**
   * The project's job types, as the module `config.registry` names exports them. Default: that
   * module, loaded now. Pass it when the module cannot be loaded synchronously (top-level
   * await); the functions are still bundled from the module.
   */
  readonly registry?: JobRegistry;
  /**
   * The folder holding `lambda-jobs.config.ts`; `config.registry` is relative to it, and the
   * functions are bundled with the lock file found there or above. Default `process.cwd()`
   * (where `cdk` runs the app).
   */
  readonly projectRoot?: string;
  /** Optional deployment stage: resource names get `-${stage}`. */
  readonly stage?: string | undefined;
  /** Turns runbook paths in alarm descriptions into links, e.g. `https://github.com/org/repo/blob/main/`. */
  readonly runbookBaseUrl?: string | undefined;
  /** Default one month. */
  readonly logRetention?: RetentionDays;
  /** POWERTOOLS_LOG_LEVEL of every function. Default INFO. */
  readonly logLevel?: LogLevel;
  /**
   * Secrets Manager secret names (or ARNs) job code reads besides those `config.webhooks` names
   * (which are granted already). The workers, the monitor (its rescue runs `onAborted` hooks) and
   * the operator policy (`jobs cancel` runs them too) may read both. Default none.
   */
  readonly workerSecretNames?: readonly string[];
}

const DEFAULT_LOG_LEVEL: LogLevel = 'INFO';

/** The project's job types: given, or loaded from `config.registry`. */
function projectRegistry(props: LambdaJobsProps, projectRoot: string): ProjectRegistry {
  const registryPath = props.config.registry;
  if (registryPath === undefined) {
    throw new ConfigError([
      {
        field: 'registry',
        value: undefined,
        rule: 'name the module that exports your job types, e.g. registry: "./src/jobs/index.ts" in lambda-jobs.config.ts',
      },
    ]);
  }
  return loadProjectRegistry(projectRoot, registryPath, props.registry);
}

/** Resource-name prefixes already used in each app, with the path of the construct using it. */
const prefixesInUse = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Two deployments with the same names in one app would collide at deploy (`shop-jobs`,
 * `shop-default`, …): refused at synth, naming both.
 */
function claimNames(scope: Construct, id: string, prefix: string, stage: string | undefined): void {
  const root = scope.node.root;
  const claimed = prefixesInUse.get(root) ?? new Map<string, string>();
  prefixesInUse.set(root, claimed);
  const path = [scope.node.path, id].filter(Boolean).join('/');
  const other = claimed.get(prefix);
  if (other !== undefined) {
    throw new ConfigError([
      {
        field: 'stage',
        value: stage,
        rule: `${other} already names its resources "${prefix}-…" in this app; give ${path} another stage or appName`,
      },
    ]);
  }
  claimed.set(prefix, path);
}

/**
 * The synth-time checks: the config against itself, against the job definitions (timeouts,
 * retries, schedules) and the stage. A problem throws ConfigError naming the field, the value
 * and the rule, before anything is built.
 */
function assertChecked(
  props: LambdaJobsProps,
  registry: JobRegistry,
  names: DeploymentNames,
): void {
  const problems = scheduleProblems(registry, props.config.schedules);
  if (problems.length > 0) throw new ConfigError(problems);
  assertDeployable({
    config: props.config,
    names,
    stage: props.stage,
    jobLimits: jobLimitsOf(registry),
    recordingMarginSeconds: RECORDING_MARGIN_SECONDS,
    logLevel: props.logLevel ?? DEFAULT_LOG_LEVEL,
  });
}

/**
 * One lambda-jobs deployment, in the stack it is created in: per configured queue an SQS queue,
 * its DLQ and a worker; the job table; the backlog monitor on a schedule; warning and critical
 * topics with email and Slack; alarms for every queue; a dashboard and Logs Insights queries;
 * outputs for the CLI. The worker and the monitor are bundled from the project with its job
 * types (`config.registry`); there are no handler files to write.
 *
 * The configuration is checked first: a problem throws ConfigError naming the field, the value
 * and the rule, and nothing is built. One per stack (its outputs have fixed names).
 *
 * @example
 * ```ts
 * import config from '../../../../lambda-jobs.config.ts';
 * const jobs = new LambdaJobs(this, 'Jobs', { config });
 * jobs.bindEnqueue(checkoutFunction); // may enqueue any job, nothing more
 * ```
 */
export class LambdaJobs extends Construct {
  readonly table: JobTable;
  /** The customer-managed key of the table and queues, when `encryption.dataKey` asks for one. */
  readonly dataKey: JobsDataKey | undefined;
  readonly queues: readonly JobQueue[];
  readonly topics: AlertTopics;
  readonly monitor: QueueMonitor;
  readonly slack: SlackAlerts;
  readonly dashboard: JobsDashboard;
  readonly queries: LogQueries;
  /** Cron schedules, the long-delay schedule group and the scheduler role. */
  readonly schedules: JobSchedules;
  /** Every alarm, per queue and app-wide. */
  readonly alarms: AlarmFactory['alarms'];
  /** The JSON LAMBDA_JOBS_QUEUE_URLS holds: `{ "<queue>": { "url", "dlqUrl" } }`. */
  readonly queueUrlsJson: string;
  /** Namespace and `service` dimension of this deployment's metrics: `${appName}[-${stage}]`. */
  readonly metricNamespace: string;
  /** What an operator needs for the CLI against this stack (output `OperatorPolicyArn`). */
  readonly operatorPolicy: ManagedPolicy;
  /** Where large payloads go (`largePayloads`); undefined when it is off. */
  readonly payloads: PayloadBucket | undefined;

  /** The job types bundled into the workers and the monitor. */
  readonly registry: JobRegistry;
  /** The entry files the functions are bundled from (generated for the worker and monitor). */
  readonly entries: FunctionEntries;

  constructor(scope: Construct, id: string, props: LambdaJobsProps) {
    const projectRoot = path.resolve(props.projectRoot ?? process.cwd());
    const { modulePath, registry } = projectRegistry(props, projectRoot);
    const names = deploymentNames(props.config, props.stage);
    // Checked before the construct joins the stack: a bad config leaves nothing half-built.
    assertChecked(props, registry, names);
    claimNames(scope, id, names.prefix, props.stage);
    super(scope, id);
    this.registry = registry;
    const { config } = props;
    const logLevel = props.logLevel ?? DEFAULT_LOG_LEVEL;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const entries = writeFunctionEntries({ projectRoot, registryModule: modulePath, config });
    this.entries = entries;
    this.metricNamespace = names.prefix;
    const functionDefaults = {
      projectRoot,
      // The metric namespace and `service` carry the stage: two stages in one account and
      // region never feed each other's alarms.
      appName: names.prefix,
      logLevel,
      logRetention,
      xrayTracing: config.xrayTracing,
    };

    this.dataKey =
      config.encryption.dataKey === 'customer-managed'
        ? new JobsDataKey(this, 'DataKey', {
            aliasName: `${names.table}-data`,
            usedByS3: config.largePayloads.enabled,
          })
        : undefined;
    const encryptionKey = this.dataKey?.key;
    this.table = new JobTable(this, 'Jobs', { tableName: names.table, encryptionKey });
    this.payloads = config.largePayloads.enabled
      ? new PayloadBucket(this, 'Payloads', {
          maxDelaySeconds: config.largePayloads.maxDelaySeconds,
          resultsRetentionSeconds: config.resultsRetentionSeconds,
          encryptionKey,
        })
      : undefined;

    const queueConfigs = Object.values(config.queues);
    this.queues = queueConfigs.map(
      (queue) =>
        new JobQueue(this, `Queue${outputKeyPart(queue.name)}`, {
          ...functionDefaults,
          queue,
          queueName: names.queue(queue.name),
          deadLetterQueueName: names.deadLetterQueue(queue.name),
          deadLetterIntakeName: names.deadLetterIntake(queue.name),
          workerFunctionName: names.workerFunction(queue.name),
          workerEntry: entries.worker,
          table: this.table,
          encryptionKey,
        }),
    );
    this.queueUrlsJson = Stack.of(this).toJsonString(
      Object.fromEntries(
        this.queues.map((q) => [
          q.name,
          { url: q.queue.queueUrl, dlqUrl: q.deadLetterQueue.queueUrl },
        ]),
      ),
    );
    const jobsVariables = {
      ...jobsEnvironment(this.table.table.tableName, this.queueUrlsJson),
      ...this.payloadVariables(),
    };
    this.schedules = new JobSchedules(this, 'Schedules', {
      appName: names.prefix,
      schedules: config.schedules,
      queues: Object.fromEntries(this.queues.map((q) => [q.name, q])),
      jobQueueOf: jobQueueNames(registry),
      cronMessageGroups: cronMessageGroups(registry, config.schedules),
      delayedFailuresQueueName: names.delayedFailuresQueue,
      encryptionKey,
    });
    // Exactly the secrets config.webhooks names (signing keys, secret headers) and those the
    // props add for job code; no others.
    const jobSecretNames = [
      ...new Set([...webhookSecretNames(config.webhooks), ...(props.workerSecretNames ?? [])]),
    ];
    for (const jobQueue of this.queues) {
      // Jobs may enqueue jobs with long delays, and cancel them.
      this.schedules.bindLongDelays(jobQueue.worker.function);
      // Jobs may enqueue jobs (a report fans out webhooks) to any configured queue, so each
      // worker may send to every queue; that is all it may do on the other queues. Its table
      // access (JobTable.grantJobAccess) already covers the QUEUED records and keys.
      grantSendToQueues(this.queues, jobQueue.worker.function);
      grantReadSecretsByName(this, jobQueue.worker.function, jobSecretNames);
      // Workers read the payloads of their jobs, and put those of the jobs they enqueue.
      this.payloads?.grantReadPayloads(jobQueue.worker.function);
      this.payloads?.grantPutPayloads(jobQueue.worker.function);
      for (const [name, value] of Object.entries(jobsVariables)) {
        jobQueue.worker.function.addEnvironment(name, value);
      }
    }

    this.topics = new AlertTopics(this, 'Alerts', {
      topicName: names.topic,
      emails: config.alerting.emails,
    });
    this.slack = new SlackAlerts(this, 'Slack', {
      ...functionDefaults,
      alerting: config.alerting,
      topics: this.topics,
      chatbotConfigurationName: names.chatbotConfiguration,
      notifierFunctionName: names.notifierFunction,
      notifierEntry: entries.notifier,
      runbookBaseUrl: props.runbookBaseUrl,
    });

    const metrics = new QueueMetrics(names.prefix);
    const factory = new AlarmFactory({
      names,
      topics: this.topics,
      runbookBaseUrl: props.runbookBaseUrl,
    });
    this.monitor = new QueueMonitor(this, 'Monitor', {
      ...functionDefaults,
      config,
      queues: this.queues,
      table: this.table,
      functionName: names.monitorFunction,
      deadLetterQueueName: names.monitorScheduleDeadLetterQueue,
      entry: entries.monitor,
      metrics,
      factory,
    });
    for (const [name, value] of Object.entries(jobsVariables)) {
      this.monitor.monitor.function.addEnvironment(name, value);
    }
    this.monitor.monitor.function.addEnvironment(
      ENV.workerFunctionPrefix,
      names.workerFunction(''),
    );
    factory.create(this.schedules, {
      kind: 'delayed-delivery-failed',
      summary:
        'A delayed job (a delay beyond 15 minutes, a runAt, or a long retry or deferral) could not be delivered to its queue through the whole retry policy: it waits in the delayed-failures queue and will not run by itself.',
      runbook: RUNBOOKS.delayedFailures,
      level: 'critical',
      metric: metrics.sqs('ApproximateNumberOfMessagesVisible', this.schedules.delayedFailures, {
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Only the monitor reads the dead-letter intakes; their URLs follow from the DLQs'.
    this.monitor.monitor.function.addEnvironment(ENV.deadLetterIntakes, 'on');
    // The rescue runs jobs' onAborted hooks: job code, which may read the same secrets.
    grantReadSecretsByName(this, this.monitor.monitor.function, jobSecretNames);
    // ... and those hooks get their payload, from the payload bucket when it went there.
    this.payloads?.grantReadPayloads(this.monitor.monitor.function);
    this.operatorPolicy = new OperatorPolicy(this, 'Operator', {
      managedPolicyName: names.operatorPolicy,
      queues: this.queues,
      table: this.table,
      schedules: this.schedules,
      workerSecretNames: jobSecretNames,
      payloads: this.payloads,
    }).policy;
    const monitorPeriod = Duration.seconds(config.monitor.everySeconds);
    queueConfigs.forEach((queue, index) => {
      new QueueAlarms(this, `Alarms${outputKeyPart(queue.name)}`, {
        config: queue,
        jobQueue: this.queues[index]!,
        metrics,
        factory,
        monitorPeriod,
        stalledAfterSeconds: config.monitor.stalledAfterSeconds,
      });
    });
    new CircuitAlarms(this, 'CircuitAlarms', {
      circuitBreakers: config.circuitBreakers,
      jobQueueOf: jobQueueNames(registry),
      metrics,
      factory,
    });
    this.alarms = factory.alarms;

    this.dashboard = new JobsDashboard(this, 'Dashboard', {
      dashboardName: names.dashboard,
      queues: queueConfigs.map((queue, index) => ({
        config: queue,
        jobQueue: this.queues[index]!,
      })),
      metrics,
      alarms: this.alarms,
      monitorPeriod,
    });
    this.queries = new LogQueries(this, 'Queries', {
      folder: names.queryFolder,
      workerLogGroups: this.queues.map((q) => q.worker.logGroup),
      monitorLogGroup: this.monitor.monitor.logGroup,
    });

    this.addOutputs();
  }

  /**
   * Allows `grantee` (a function in this or another stack) to enqueue jobs: send to the job
   * queues and write the QUEUED record and concurrency-key items. Nothing more.
   */
  grantEnqueue(grantee: IGrantable): void {
    grantEnqueue(this.enqueueTarget(), grantee);
    this.schedules.grantLongDelays(grantee);
    this.payloads?.grantPutPayloads(grantee);
  }

  /** {@link grantEnqueue} plus LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS on the function. */
  bindEnqueue(fn: LambdaFunction): void {
    bindEnqueue(this.enqueueTarget(), fn);
    this.schedules.bindLongDelays(fn);
    this.payloads?.grantPutPayloads(fn);
    for (const [name, value] of Object.entries(this.payloadVariables())) {
      fn.addEnvironment(name, value);
    }
  }

  /** LAMBDA_JOBS_PAYLOAD_BUCKET when `largePayloads` is on; nothing otherwise. */
  private payloadVariables(): Record<string, string> {
    return this.payloads ? { [ENV.payloadBucket]: this.payloads.bucket.bucketName } : {};
  }

  private enqueueTarget(): EnqueueTarget {
    return { queues: this.queues, table: this.table, queueUrlsJson: this.queueUrlsJson };
  }

  private addOutputs(): void {
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { key: id, value, description });
    output(STACK_OUTPUTS.queueUrls, this.queueUrlsJson, 'Every queue and DLQ URL, as JSON');
    output(
      STACK_OUTPUTS.workerFunctionNames,
      Stack.of(this).toJsonString(
        Object.fromEntries(this.queues.map((q) => [q.name, q.worker.function.functionName])),
      ),
      'Worker function name per queue, as JSON',
    );
    output(STACK_OUTPUTS.tableName, this.table.table.tableName, 'Job records and concurrency keys');
    output(
      STACK_OUTPUTS.metricNamespace,
      this.metricNamespace,
      'Namespace and service dimension of the lambda-jobs metrics',
    );
    output(STACK_OUTPUTS.warningTopicArn, this.topics.warning.topicArn, 'Warning alerts');
    output(STACK_OUTPUTS.criticalTopicArn, this.topics.critical.topicArn, 'Critical alerts');
    output(
      STACK_OUTPUTS.monitorFunctionName,
      this.monitor.monitor.function.functionName,
      'Backlog monitor function',
    );
    output(STACK_OUTPUTS.dashboardName, this.dashboard.dashboard.dashboardName, 'Dashboard');
    output(
      STACK_OUTPUTS.operatorPolicyArn,
      this.operatorPolicy.managedPolicyArn,
      'Managed policy for running the lambda-jobs CLI against this stack',
    );
    output(STACK_OUTPUTS.dashboardUrl, this.dashboard.url, 'Dashboard in the console');
    output(
      STACK_OUTPUTS.schedulerGroup,
      this.schedules.delayedGroup.scheduleGroupName,
      'Schedule group of the one-time schedules (long delays, runAt, long retries)',
    );
    output(
      STACK_OUTPUTS.schedulerRoleArn,
      this.schedules.role.roleArn,
      'Role the one-time schedules run as',
    );
    output(
      STACK_OUTPUTS.schedulerDeadLetterArn,
      this.schedules.delayedFailures.queueArn,
      'Delayed-failures queue: where one-time schedules dead-letter',
    );
    if (this.payloads) {
      output(
        STACK_OUTPUTS.payloadBucket,
        this.payloads.bucket.bucketName,
        'Bucket of the payloads too large for their message',
      );
    }
    if (this.slack.notifier) {
      output(
        STACK_OUTPUTS.notifierFunctionName,
        this.slack.notifier.function.functionName,
        'Slack notifier function',
      );
    }
    for (const jobQueue of this.queues) {
      output(
        STACK_OUTPUTS.queueUrl(jobQueue.name),
        jobQueue.queue.queueUrl,
        `Queue ${jobQueue.name}`,
      );
      output(
        STACK_OUTPUTS.dlqUrl(jobQueue.name),
        jobQueue.deadLetterQueue.queueUrl,
        `Dead-letter queue of ${jobQueue.name}`,
      );
      output(
        STACK_OUTPUTS.workerFunctionName(jobQueue.name),
        jobQueue.worker.function.functionName,
        `Worker of ${jobQueue.name}`,
      );
    }
  }
}
