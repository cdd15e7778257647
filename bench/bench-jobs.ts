import * as z from 'zod/mini';
import type { LambdaJobsConfig } from '../packages/lambda-jobs/src/config/config-types.ts';
import { defineConfig } from '../packages/lambda-jobs/src/config/define-config.ts';
import {
  ENVELOPE_VERSION,
  serializeEnvelope,
} from '../packages/lambda-jobs/src/runtime/envelope.ts';
import { defineJob } from '../packages/lambda-jobs/src/runtime/job-definition.ts';
import { newJobId } from '../packages/lambda-jobs/src/runtime/job-id.ts';
import { createRegistry } from '../packages/lambda-jobs/src/runtime/registry.ts';

/**
 * The trivial job's payload: a number to double. On `zod/mini`, as the reference app's job types
 * are, so that a bundle holding it carries the tree-shaken schema code, not zod's classic API.
 */
export const trivialPayload = z.object({ n: z.int(), pad: z.optional(z.string()) });

/** The trivial job's payload for number `n`, padded to `bytes` of JSON when that is larger. */
export type TrivialPayload = { n: number; pad?: string };

/**
 * The payload `{ n }`, padded with a `pad` string so that its JSON is `bytes` long (the
 * payload sizes the cost benchmark runs at); unpadded when `bytes` is not larger.
 *
 * @example
 * ```ts
 * JSON.stringify(paddedPayload(7, 100)).length; // 100
 * ```
 */
export function paddedPayload(n: number, bytes = 0): TrivialPayload {
  const bare = { n };
  const padding = bytes - JSON.stringify({ ...bare, pad: '' }).length;
  return padding > 0 ? { ...bare, pad: 'x'.repeat(padding) } : bare;
}

/**
 * The benchmark's job: validate a small payload, double a number. Everything it costs is the
 * machinery around it, which is what the benchmarks measure.
 *
 * @example
 * ```ts
 * await client.enqueueMany(trivialJob, [{ payload: { n: 1 } }]);
 * ```
 */
export const trivialJob = defineJob({
  type: 'bench-trivial',
  schema: trivialPayload,
  run: (payload) => ({ doubled: payload.n * 2 }),
});

/** The registry every benchmark's worker runs. */
export const benchRegistry = createRegistry([trivialJob]);

/** The queue every benchmark runs through: the defaults a user gets (batch 10, 10 at once). */
export const BENCH_QUEUE = 'default';

/**
 * The benchmark's config: one `default` queue with the shipped defaults (batch size 10,
 * concurrency 10, 512 MB, 60 s timeout) and the given result-tracking level.
 *
 * @example
 * ```ts
 * const config = benchConfig('minimal');
 * ```
 */
export function benchConfig(tracking: LambdaJobsConfig['tracking']): LambdaJobsConfig {
  return defineConfig({ appName: 'bench', queues: { [BENCH_QUEUE]: {} }, tracking });
}

/**
 * Message bodies exactly as `enqueueMany(trivialJob, …)` would send them (versioned envelope),
 * for the baselines that send with SendMessageBatch directly; payloads padded to `payloadBytes`.
 *
 * @example
 * ```ts
 * await sendBodies(sqs, queueUrl, trivialEnvelopeBodies(3000));
 * ```
 */
export function trivialEnvelopeBodies(count: number, payloadBytes = 0): string[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, n) =>
    serializeEnvelope({
      version: ENVELOPE_VERSION,
      id: newJobId(now),
      type: trivialJob.type,
      queue: BENCH_QUEUE,
      payload: paddedPayload(n, payloadBytes),
      enqueuedAt: new Date(now).toISOString(),
    }),
  );
}
