/**
 * Synth checks of FIFO queues that need the deployment's names or its job types (the rest are
 * in `config/fifo-queue-rules.ts`): each problem names the AWS rule or the reason.
 */
import type { ConfigProblem } from '../config/config-error.ts';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import type { DeploymentNames } from './deployment-names.ts';
import type { QueueJobLimits } from './job-limits.ts';

/** SQS queue names: at most 80 characters, `.fifo` included. */
const MAX_QUEUE_NAME = 80;

/**
 * Receives a FIFO job needs beyond its attempts: deadline-guard returns, a send that failed,
 * returns behind a record of its group that failed first. Below this, SQS's redrive could move
 * a job that still has attempts left.
 */
export const FIFO_RECEIVE_HEADROOM = 5;

/**
 * Problems of the FIFO queues of a deployment.
 *
 * @example
 * ```ts
 * fifoDeploymentProblems(config, names, { orders: { maxAttempts: 8, … } });
 * // [{ field: 'queues.orders.maxReceiveCount', value: 10, rule: 'must be at least 13 …' }]
 * ```
 */
export function fifoDeploymentProblems(
  config: LambdaJobsConfig,
  names: DeploymentNames,
  jobLimits: Readonly<Record<string, QueueJobLimits>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const queue of Object.values(config.queues)) {
    if (!queue.fifo) continue;
    const at = `queues.${queue.name}`;
    for (const name of [
      names.queue(queue.name),
      names.deadLetterQueue(queue.name),
      names.deadLetterIntake(queue.name),
    ]) {
      if (name.length > MAX_QUEUE_NAME) {
        problems.push({
          field: at,
          value: queue.name,
          rule: `FIFO queue name "${name}" has ${name.length} characters; SQS allows ${MAX_QUEUE_NAME}, ".fifo" included: shorten the queue name, the app name or the stage`,
        });
      }
    }
    const limits = jobLimits[queue.name];
    if (limits) {
      const least = limits.maxAttempts + FIFO_RECEIVE_HEADROOM;
      if (queue.maxReceiveCount < least) {
        problems.push({
          field: `${at}.maxReceiveCount`,
          value: queue.maxReceiveCount,
          rule: `must be at least ${least} on a FIFO queue: each retry keeps its message (a receive), and job type "${limits.mostAttemptsJobType}" makes up to ${limits.maxAttempts} attempts, plus ${FIFO_RECEIVE_HEADROOM} for returns behind a failed record of its group`,
        });
      }
    }
  }
  return problems;
}
