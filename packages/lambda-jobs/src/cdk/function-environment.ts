import { ENV } from '../config/env.ts';

/** Log levels Powertools Logger accepts in POWERTOOLS_LOG_LEVEL. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT';

/**
 * Variables every lambda-jobs function gets: Powertools settings (service = the app name, the
 * metrics namespace the alarms read) and source-mapped stack traces.
 *
 * @example
 * ```ts
 * powertoolsEnvironment('shop', 'INFO').POWERTOOLS_METRICS_NAMESPACE; // 'shop'
 * ```
 */
export function powertoolsEnvironment(appName: string, logLevel: LogLevel): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: appName,
    [ENV.metricsNamespace]: appName,
    POWERTOOLS_LOG_LEVEL: logLevel,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/**
 * Variables a function that enqueues or reads jobs needs: the table and every queue's URLs
 * (the JSON `readQueueUrls` parses). Values may be CDK tokens.
 *
 * @example
 * ```ts
 * for (const [name, value] of Object.entries(jobsEnvironment(table.tableName, queueUrlsJson))) {
 *   fn.addEnvironment(name, value);
 * }
 * ```
 */
export function jobsEnvironment(tableName: string, queueUrlsJson: string): Record<string, string> {
  return { [ENV.tableName]: tableName, [ENV.queueUrls]: queueUrlsJson };
}

/**
 * Bytes the variables take against Lambda's 4 KB limit (names and values).
 *
 * @example `environmentBytes({ A: 'bc' }) === 3`
 */
export function environmentBytes(environment: Readonly<Record<string, string>>): number {
  return Object.entries(environment).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
}

/** Lambda's limit on all environment variables of one function together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
