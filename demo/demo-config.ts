import type { LambdaJobsConfig } from 'lambda-jobs';

/**
 * The config `npm run dev -- --demo` runs with: the app's queues, with concurrency and
 * thresholds chosen so that on a 2-core machine the demo traffic builds a backlog past
 * warning, then critical, and drains within about a minute. The demo's local receiver
 * (`sinkUrl`, on 127.0.0.1) is allowed for outbound requests by its exact host and port.
 */
export function demoConfig(config: LambdaJobsConfig, sinkUrl: string): LambdaJobsConfig {
  const queues = Object.fromEntries(
    Object.entries(config.queues).map(([name, queue]) => [
      name,
      {
        ...queue,
        batchSize: 5,
        maxConcurrency: 2,
        thresholds: {
          ...queue.thresholds,
          backlog: { warning: 60, critical: 180 },
          oldestAgeSeconds: { warning: 10, critical: 25 },
          dlqDepth: 1,
        },
      },
    ]),
  );
  return {
    ...config,
    queues,
    monitor: { ...config.monitor, everySeconds: 5, stalledAfterSeconds: 60 },
    dev: { ...config.dev, outboundAllow: [...config.dev.outboundAllow, new URL(sinkUrl).host] },
  };
}
