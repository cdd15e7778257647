import { Stack, type StackProps } from 'aws-cdk-lib';
import { FunctionUrlAuthType, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { LambdaJobs } from 'lambda-jobs/cdk';
import config from '../lambda-jobs.config.ts';

/** The shop: its checkout API and everything its background jobs need, in one stack. */
export class ShopStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const checkout = new NodejsFunction(this, 'Checkout', {
      entry: 'src/api/checkout.ts',
      runtime: Runtime.NODEJS_24_X,
      bundling: { format: OutputFormat.ESM },
    });
    checkout.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

    const jobs = new LambdaJobs(this, 'Jobs', { config });
    jobs.bindEnqueue(checkout);
  }
}
