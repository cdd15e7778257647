/**
 * A deployed stack as the CLI finds it: CloudFormation DescribeStacks, then the outputs the
 * stack writes (`config/stack-outputs.ts`): `QueueUrls` (JSON of every queue and DLQ URL),
 * `TableName`, `WarningTopicArn`, `CriticalTopicArn`, `DashboardUrl`, and per queue
 * `QueueUrl<Queue>` / `DlqUrl<Queue>` (read when `QueueUrls` is missing).
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import type { QueueEndpoints } from '../config/env.ts';
import { STACK_OUTPUTS } from '../config/stack-outputs.ts';
import { LambdaJobsError } from '../runtime/errors.ts';
import { TargetNotFoundError } from './cli-errors.ts';

/** What the CLI needs from a deployed stack. */
export interface DeployedStack {
  readonly name: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly tableName: string;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
}

function parseQueueUrls(raw: string | undefined): Record<string, QueueEndpoints> | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Record<string, QueueEndpoints>;
    const valid = Object.values(parsed).every(
      (q) => typeof q?.url === 'string' && typeof q?.dlqUrl === 'string',
    );
    return valid ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The queues of a stack from its outputs: `QueueUrls`, else the per-queue outputs of every
 * queue in the config.
 *
 * @example
 * ```ts
 * stackQueues({ QueueUrlDefault: 'https://…/app-default', DlqUrlDefault: 'https://…/app-default-dlq' }, config);
 * ```
 */
export function stackQueues(
  outputs: Readonly<Record<string, string>>,
  config: Pick<LambdaJobsConfig, 'queues'>,
): Record<string, QueueEndpoints> {
  const fromJson = parseQueueUrls(outputs[STACK_OUTPUTS.queueUrls]);
  if (fromJson) return fromJson;
  const queues: Record<string, QueueEndpoints> = {};
  for (const name of Object.keys(config.queues)) {
    const url = outputs[STACK_OUTPUTS.queueUrl(name)];
    const dlqUrl = outputs[STACK_OUTPUTS.dlqUrl(name)];
    if (url && dlqUrl) queues[name] = { url, dlqUrl };
  }
  return queues;
}

/**
 * Reads a stack's outputs. Throws {@link TargetNotFoundError} when no such stack exists in the
 * region, and a LambdaJobsError when it is not a lambda-jobs stack (no table or queue outputs).
 *
 * @example
 * ```ts
 * const stack = await describeDeployedStack(new CloudFormationClient({}), 'shop', config);
 * ```
 */
export async function describeDeployedStack(
  client: CloudFormationClient,
  name: string,
  config: Pick<LambdaJobsConfig, 'queues'>,
): Promise<DeployedStack> {
  let described: DescribeStacksCommandOutput;
  try {
    described = await client.send(new DescribeStacksCommand({ StackName: name }));
  } catch (error) {
    const message = (error as Error).message ?? '';
    if ((error as Error).name === 'ValidationError' && /does not exist/i.test(message)) {
      const region = await client.config.region().catch(() => 'the current region');
      throw new TargetNotFoundError(
        `Stack "${name}" does not exist in ${region}. Check --stack, --region (or AWS_REGION) and --profile.`,
        { cause: error },
      );
    }
    throw error;
  }
  const found = described.Stacks?.[0];
  if (!found) throw new TargetNotFoundError(`Stack "${name}" was not found.`);
  const outputs: Record<string, string> = {};
  for (const output of found.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) {
      outputs[output.OutputKey] = output.OutputValue;
    }
  }
  const tableName = outputs[STACK_OUTPUTS.tableName];
  const queues = stackQueues(outputs, config);
  if (!tableName || Object.keys(queues).length === 0) {
    throw new LambdaJobsError(
      `Stack "${name}" (${found.StackStatus ?? 'unknown status'}) has no ${STACK_OUTPUTS.tableName} or ${STACK_OUTPUTS.queueUrls} output: is it a lambda-jobs stack, and is its deployment complete?`,
    );
  }
  return { name, status: found.StackStatus ?? 'UNKNOWN', outputs, tableName, queues };
}
