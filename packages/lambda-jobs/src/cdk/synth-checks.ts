/**
 * Checks made when the stack is synthesized, so a configuration AWS would refuse, or one that
 * would lose or double-run jobs, fails `cdk synth` with the queue, the values and the rule, and
 * never deploys. The config module's own checks (AWS limits, visibility timeout ≥ 6 × function
 * timeout + batching window, warning < critical, names) run again here, in case the config
 * object was built without `defineConfig`.
 */
import { ConfigError, type ConfigProblem } from '../config/config-error.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { outputKeyPart, STAGE_PATTERN } from '../config/stack-outputs.ts';
import { configProblems, deployedConfigProblems } from '../config/validate-config.ts';
import type { DeploymentNames } from './deployment-names.ts';
import { fifoDeploymentProblems } from './fifo-synth-checks.ts';
import {
  environmentBytes,
  jobsEnvironment,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  type LogLevel,
  powertoolsEnvironment,
} from './function-environment.ts';
import type { QueueJobLimits } from './job-limits.ts';

/** SQS keeps a message at most 14 days; a DLQ is set to this, so sources must keep less. */
export const MAX_MESSAGE_RETENTION_SECONDS = 1_209_600;
const MAX_FUNCTION_NAME = 64;
const MAX_QUEUE_NAME = 80;
/** The longest queue URL prefix: a 14-character region in a `.com.cn` partition, 12-digit account. */
const LONGEST_QUEUE_URL_PREFIX = 'https://sqs.ap-southeast-5.amazonaws.com.cn/123456789012/';

/** What the checks read beside the config. */
export interface DeploymentCheckInput {
  readonly config: LambdaJobsConfig;
  readonly names: DeploymentNames;
  readonly stage?: string | undefined;
  /** Per queue, from the job definitions. Queues no job type uses may be absent. */
  readonly jobLimits: Readonly<Record<string, QueueJobLimits>>;
  /** Seconds the worker keeps back from its timeout to record an outcome. */
  readonly recordingMarginSeconds: number;
  readonly logLevel: LogLevel;
}

function jobProblems(input: DeploymentCheckInput): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { config, jobLimits, recordingMarginSeconds: margin } = input;
  for (const [queueName, limits] of Object.entries(jobLimits)) {
    const queue = config.queues[queueName];
    if (!queue) {
      problems.push({
        field: `jobs.${limits.longestJobType}.queue`,
        value: queueName,
        rule: `job types use queue "${queueName}", which is not configured (queues: ${Object.keys(config.queues).join(', ')})`,
      });
      continue;
    }
    const room = queue.functionTimeoutSeconds - margin;
    if (limits.maxJobTimeoutSeconds > room) {
      problems.push({
        field: `queues.${queueName}.functionTimeoutSeconds`,
        value: queue.functionTimeoutSeconds,
        rule: `job timeouts must fit in the function timeout: job type "${limits.longestJobType}" on queue "${queueName}" has timeoutSeconds ${limits.maxJobTimeoutSeconds}, but functionTimeoutSeconds ${queue.functionTimeoutSeconds} less ${margin} s to record the outcome leaves ${room}`,
      });
    }
  }
  return problems;
}

function worstCaseQueueUrlsJson(config: LambdaJobsConfig, names: DeploymentNames): string {
  const urls: Record<string, { url: string; dlqUrl: string }> = {};
  for (const queueName of Object.keys(config.queues)) {
    urls[queueName] = {
      url: `${LONGEST_QUEUE_URL_PREFIX}${names.queue(queueName)}`,
      dlqUrl: `${LONGEST_QUEUE_URL_PREFIX}${names.deadLetterQueue(queueName)}`,
    };
  }
  return JSON.stringify(urls);
}

function nameProblems(input: DeploymentCheckInput): ConfigProblem[] {
  const { config, names, stage } = input;
  const problems: ConfigProblem[] = [];
  if (stage !== undefined && !STAGE_PATTERN.test(stage)) {
    problems.push({
      field: 'context.stage',
      value: stage,
      rule: 'lowercase letters, digits and "-", 1–16 characters, starting with a letter',
    });
  }
  const fixedFunctions = [names.monitorFunction, names.notifierFunction];
  for (const name of fixedFunctions) {
    if (name.length > MAX_FUNCTION_NAME) {
      problems.push({
        field: 'appName',
        value: config.appName,
        rule: `function name "${name}" has ${name.length} characters; Lambda allows ${MAX_FUNCTION_NAME}`,
      });
    }
  }
  const queuesByOutputKey = new Map<string, string>();
  for (const queueName of Object.keys(config.queues)) {
    const at = `queues.${queueName}`;
    const functionName = names.workerFunction(queueName);
    if (functionName.length > MAX_FUNCTION_NAME) {
      problems.push({
        field: at,
        value: queueName,
        rule: `worker function name "${functionName}" has ${functionName.length} characters; Lambda allows ${MAX_FUNCTION_NAME}: shorten the queue name, the app name or the stage`,
      });
    }
    const dlqName = names.deadLetterQueue(queueName);
    if (dlqName.length > MAX_QUEUE_NAME) {
      problems.push({
        field: at,
        value: queueName,
        rule: `dead-letter queue name "${dlqName}" has ${dlqName.length} characters; SQS allows ${MAX_QUEUE_NAME}`,
      });
    }
    const key = outputKeyPart(queueName);
    const clash = queuesByOutputKey.get(key);
    if (clash !== undefined) {
      problems.push({
        field: at,
        value: queueName,
        rule: `gives the same stack output keys (…${key}) as queue "${clash}": rename one of them`,
      });
    }
    queuesByOutputKey.set(key, queueName);
  }
  return problems;
}

function retentionProblems(config: LambdaJobsConfig): ConfigProblem[] {
  return Object.values(config.queues)
    .filter((queue) => queue.messageRetentionSeconds >= MAX_MESSAGE_RETENTION_SECONDS)
    .map((queue) => ({
      field: `queues.${queue.name}.messageRetentionSeconds`,
      value: queue.messageRetentionSeconds,
      rule: `must be below ${MAX_MESSAGE_RETENTION_SECONDS} (14 days, the most SQS keeps): the dead-letter queue must keep messages longer than its source queue, because a dead letter keeps its original enqueue time`,
    }));
}

function environmentProblems(input: DeploymentCheckInput): ConfigProblem[] {
  const { config, names } = input;
  const longestQueue = Object.keys(config.queues).reduce(
    (longest, name) => (name.length > longest.length ? name : longest),
    '',
  );
  const environment = {
    ...powertoolsEnvironment(config.appName, input.logLevel),
    ...jobsEnvironment(names.table, worstCaseQueueUrlsJson(config, names)),
    LAMBDA_JOBS_WORKER_QUEUE: longestQueue,
  };
  const bytes = environmentBytes(environment);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
  return [
    {
      field: 'queues',
      value: Object.keys(config.queues),
      rule: `the worker's environment (every queue's URLs in LAMBDA_JOBS_QUEUE_URLS) could reach ${bytes} bytes with ${Object.keys(config.queues).length} queues; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}: use fewer queues or shorter names`,
    },
  ];
}

/**
 * Every reason the configuration cannot be deployed; empty when it can.
 *
 * @example
 * ```ts
 * const problems = deploymentProblems({ config, names, jobLimits, recordingMarginSeconds: 2, logLevel: 'INFO' });
 * ```
 */
export function deploymentProblems(input: DeploymentCheckInput): ConfigProblem[] {
  return [
    ...configProblems(input.config),
    ...deployedConfigProblems(input.config),
    ...jobProblems(input),
    ...nameProblems(input),
    ...retentionProblems(input.config),
    ...environmentProblems(input),
    ...fifoDeploymentProblems(input.config, input.names, input.jobLimits),
  ];
}

/**
 * Throws {@link ConfigError} listing every problem, one per line with field, value and rule,
 * so `cdk synth` stops before anything is written.
 *
 * @example
 * ```ts
 * assertDeployable({ config, names, jobLimits, recordingMarginSeconds: 2, logLevel: 'INFO' });
 * ```
 */
export function assertDeployable(input: DeploymentCheckInput): void {
  const problems = deploymentProblems(input);
  if (problems.length > 0) throw new ConfigError(problems);
}
