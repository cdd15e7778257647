import type { ConfigProblem } from '../config/config-error.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import { DEFAULT_QUEUE, DEFAULT_TIMEOUT_SECONDS } from './job-definition.ts';
import type { JobRegistry } from './registry.ts';

/** Seconds a worker keeps back from its function timeout to record outcomes. */
export const RECORDING_MARGIN_SECONDS = 2;

/**
 * Problems between the job definitions and the config: a job's queue must exist, and its
 * timeout must fit in the queue's function timeout (less the recording margin); a circuit
 * breaker names a registered job type of a standard queue. Retries and
 * deferrals are new messages, so a job's attempts do not depend on the queue's maxReceiveCount.
 * Checked by `cdk synth` (bin/app.ts) and at worker cold start.
 */
export function jobConfigProblems(
  registry: JobRegistry,
  config: LambdaJobsConfig,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const type of registry.types) {
    const job = registry.get(type);
    const queueName = job.queue ?? DEFAULT_QUEUE;
    const queue = config.queues[queueName];
    if (!queue) {
      problems.push({
        field: `jobs.${type}.queue`,
        value: queueName,
        rule: `must be a configured queue (${Object.keys(config.queues).join(', ')})`,
      });
      continue;
    }
    const timeout = job.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const room = queue.functionTimeoutSeconds - RECORDING_MARGIN_SECONDS;
    if (timeout > room) {
      problems.push({
        field: `jobs.${type}.timeoutSeconds`,
        value: timeout,
        rule: `must fit in queue "${queueName}" functionTimeoutSeconds (${queue.functionTimeoutSeconds}) less ${RECORDING_MARGIN_SECONDS} s to record the outcome, so at most ${room}`,
      });
    }
  }
  for (const type of Object.keys(config.circuitBreakers)) {
    const job = registry.find(type);
    if (!job) {
      problems.push({
        field: `circuitBreakers.${type}`,
        value: type,
        rule: `must name a registered job type (${registry.types.join(', ')})`,
      });
      continue;
    }
    const queueName = job.queue ?? DEFAULT_QUEUE;
    if (config.queues[queueName]?.fifo) {
      problems.push({
        field: `circuitBreakers.${type}`,
        value: queueName,
        rule: `must name a job type of a standard queue: "${queueName}" is FIFO, where a held job keeps its message (one receive per hold, in its group's place), so a circuit open for maxReceiveCount holds would dead-letter its jobs`,
      });
    }
  }
  return problems;
}
