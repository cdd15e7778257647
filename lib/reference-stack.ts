import path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { JobsFunction, LambdaJobs } from 'lambda-jobs/cdk';
import config from '../lambda-jobs.config.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export interface ReferenceStackProps extends StackProps {
  /** Optional deployment stage: resource names get `-${stage}`. */
  readonly stage?: string | undefined;
  /** Where `docs/runbooks/` is browsable, so alarm messages link each runbook. */
  readonly runbookBaseUrl?: string | undefined;
}

/**
 * The reference deployment: everything lambda-jobs runs (one `LambdaJobs` construct) and the
 * app's own API function, which may enqueue jobs and nothing more (`bindEnqueue`).
 */
export class ReferenceStack extends Stack {
  readonly jobs: LambdaJobs;
  readonly api: JobsFunction;

  constructor(scope: Construct, id: string, props: ReferenceStackProps = {}) {
    super(scope, id, props);
    this.jobs = new LambdaJobs(this, 'Jobs', {
      config,
      projectRoot: PROJECT_ROOT,
      stage: props.stage,
      runbookBaseUrl: props.runbookBaseUrl,
    });
    const prefix = this.jobs.metricNamespace;
    this.api = new JobsFunction(this, 'RequestReport', {
      entry: path.join(PROJECT_ROOT, 'functions/request-report.ts'),
      projectRoot: PROJECT_ROOT,
      functionName: `${prefix}-request-report`,
      description: 'Reference API: enqueues a generate-report job',
      timeout: Duration.seconds(10),
      memorySize: 256,
      appName: prefix,
      logLevel: 'INFO',
      logRetention: RetentionDays.ONE_MONTH,
    });
    this.jobs.bindEnqueue(this.api.function);
    const url = this.api.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, 'RequestReportUrl', {
      value: url.url,
      description: 'POST {"accountId","callbackUrl"} here (SigV4-signed) to request a report',
    });
  }
}
