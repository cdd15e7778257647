import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs cdk-nag's AwsSolutions rules on every stack of the app at synth: an unacknowledged
 * finding fails `cdk synth`. Each acknowledgement sits next to the construct it excuses, with
 * its reason (`Validations.of(construct).acknowledge({ id, reason })`).
 *
 * @example
 * ```ts
 * const app = new App();
 * const stack = new Stack(app, 'shop');
 * new LambdaJobs(stack, 'Jobs', { config });
 * addSecurityChecks(app);
 * ```
 */
export function addSecurityChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
