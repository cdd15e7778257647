import path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IGrantable, ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { ENV } from '../config/env.ts';
import { outputKeyPart, STACK_OUTPUTS } from '../config/stack-outputs.ts';
import { AlarmFactory } from './alarm-factory.ts';
import { AlertTopics } from './alert-topics.ts';
import { JobsDataKey } from './data-key.ts';
import { deploymentNames } from './deployment-names.ts';
import {
  bindEnqueue,
  type EnqueueTarget,
  grantEnqueue,
  grantSendToQueues,
} from './enqueue-access.ts';
import { jobsEnvironment, type LogLevel } from './function-environment.ts';
import type { QueueJobLimits } from './job-limits.ts';
import { JobQueue } from './job-queue.ts';
import { JobSchedules } from './job-schedules.ts';
import { JobTable } from './job-table.ts';
import { JobsDashboard } from './jobs-dashboard.ts';
import { LogQueries } from './log-queries.ts';
import { OperatorPolicy } from './operator-policy.ts';
import { QueueAlarms } from './queue-alarms.ts';
import { QueueMetrics } from './queue-metrics.ts';
import { QueueMonitor } from './queue-monitor.ts';
import { grantReadSecretsByName, webhookSecretNames } from './secret-access.ts';
import { SlackAlerts } from './slack-alerts.ts';
import { assertDeployable } from './synth-checks.ts';

/** The repository root: Lambda entry files and package-lock.json are found from here. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** Lambda entry files, by path (infrastructure never imports handler code). */
export interface FunctionEntries {
  readonly worker: string;
  readonly monitor: string;
  readonly notifier: string;
}

/** `functions/worker.ts`, `functions/monitor.ts` and `functions/notifier.ts` of this project. */
export const DEFAULT_ENTRIES: FunctionEntries = {
  worker: path.join(PROJECT_ROOT, 'functions/worker.ts'),
  monitor: path.join(PROJECT_ROOT, 'functions/monitor.ts'),
  notifier: path.join(PROJECT_ROOT, 'functions/notifier.ts'),
};

export interface LambdaJobsStackProps extends StackProps {
  /** The single config module's value (`config/app-config.ts`). */
  readonly config: LambdaJobsConfig;
  /**
   * Per queue, the longest job timeout and the most attempts of its job types, from the job
   * definitions (`bin/app.ts` computes them with `summarizeJobLimits`).
   */
  readonly jobLimits: Readonly<Record<string, QueueJobLimits>>;
  /** Seconds the worker keeps back from its function timeout to record an outcome. */
  readonly recordingMarginSeconds: number;
  /**
   * Queue name of every registered job type (`bin/app.ts`: `jobQueueNames(registry)`), for the
   * cron schedules' targets. Default none: a config schedule then fails synth.
   */
  readonly jobQueueOf?: Readonly<Record<string, string>>;
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
  /** Default: `functions/worker.ts`, `functions/monitor.ts`, `functions/notifier.ts`. */
  readonly entries?: FunctionEntries;
  /** Concurrent executions reserved for the monitor, 1–10. Default 1. */
  readonly monitorReservedConcurrency?: number;
}

const DEFAULT_LOG_LEVEL: LogLevel = 'INFO';

/** Runs the synth-time checks; returns the props unchanged when they pass. */
function checked(props: LambdaJobsStackProps): LambdaJobsStackProps {
  assertDeployable({
    config: props.config,
    names: deploymentNames(props.config, props.stage),
    stage: props.stage,
    jobLimits: props.jobLimits,
    recordingMarginSeconds: props.recordingMarginSeconds,
    logLevel: props.logLevel ?? DEFAULT_LOG_LEVEL,
  });
  return props;
}

/**
 * One lambda-jobs deployment: per configured queue an SQS queue, its DLQ and a worker; the job
 * table; the backlog monitor on a schedule; warning and critical topics with email and Slack;
 * alarms for every queue; a dashboard and Logs Insights queries; outputs for the CLI.
 *
 * The configuration is checked first (`lib/synth-checks.ts`): a problem throws ConfigError
 * naming the queue, the values and the rule, and nothing is synthesized.
 *
 * @example
 * ```ts
 * const jobs = new LambdaJobsStack(app, 'shop', { config, jobLimits, recordingMarginSeconds: 2 });
 * jobs.bindEnqueue(apiStack.checkoutFunction); // may enqueue any job, nothing more
 * ```
 */
export class LambdaJobsStack extends Stack {
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

  constructor(scope: Construct, id: string, props: LambdaJobsStackProps) {
    // Checked before the stack joins the app: a bad config leaves nothing half-built.
    super(scope, id, checked(props));
    const { config } = props;
    const logLevel = props.logLevel ?? DEFAULT_LOG_LEVEL;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const entries = props.entries ?? DEFAULT_ENTRIES;
    const names = deploymentNames(config, props.stage);
    this.metricNamespace = names.prefix;
    const functionDefaults = {
      projectRoot: PROJECT_ROOT,
      // The metric namespace and `service` carry the stage: two stages in one account and
      // region never feed each other's alarms.
      appName: names.prefix,
      logLevel,
      logRetention,
    };

    this.dataKey =
      config.encryption.dataKey === 'customer-managed'
        ? new JobsDataKey(this, 'DataKey', { aliasName: `${names.table}-data` })
        : undefined;
    const encryptionKey = this.dataKey?.key;
    this.table = new JobTable(this, 'Jobs', { tableName: names.table, encryptionKey });

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
    this.queueUrlsJson = this.toJsonString(
      Object.fromEntries(
        this.queues.map((q) => [
          q.name,
          { url: q.queue.queueUrl, dlqUrl: q.deadLetterQueue.queueUrl },
        ]),
      ),
    );
    const jobsVariables = jobsEnvironment(this.table.table.tableName, this.queueUrlsJson);
    this.schedules = new JobSchedules(this, 'Schedules', {
      appName: names.prefix,
      schedules: config.schedules,
      queues: Object.fromEntries(this.queues.map((q) => [q.name, q])),
      jobQueueOf: props.jobQueueOf ?? {},
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
      ...(props.monitorReservedConcurrency !== undefined
        ? { reservedConcurrency: props.monitorReservedConcurrency }
        : {}),
      metrics,
      factory,
    });
    for (const [name, value] of Object.entries(jobsVariables)) {
      this.monitor.monitor.function.addEnvironment(name, value);
    }
    // Only the monitor reads the dead-letter intakes; their URLs follow from the DLQs'.
    this.monitor.monitor.function.addEnvironment(ENV.deadLetterIntakes, 'on');
    // The rescue runs jobs' onAborted hooks: job code, which may read the same secrets.
    grantReadSecretsByName(this, this.monitor.monitor.function, jobSecretNames);
    this.operatorPolicy = new OperatorPolicy(this, 'Operator', {
      managedPolicyName: names.operatorPolicy,
      queues: this.queues,
      table: this.table,
      schedules: this.schedules,
      workerSecretNames: jobSecretNames,
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
  }

  /** {@link grantEnqueue} plus LAMBDA_JOBS_TABLE and LAMBDA_JOBS_QUEUE_URLS on the function. */
  bindEnqueue(fn: LambdaFunction): void {
    bindEnqueue(this.enqueueTarget(), fn);
    this.schedules.bindLongDelays(fn);
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
      this.toJsonString(
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
