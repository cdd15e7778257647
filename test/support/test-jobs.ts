import { z } from 'zod';
import {
  DeferJobError,
  UnrecoverableJobError,
} from '../../packages/lambda-jobs/src/runtime/errors.ts';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import type {
  JobMetricEvent,
  JobMetricsRecorder,
} from '../../packages/lambda-jobs/src/runtime/observability/job-metrics.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';

/** Runs per job id, so scenarios can assert "ran once" or "ran twice". */
export const runs = new Map<string, number>();
export const aborted: { id: string; payload: unknown; status: string }[] = [];

const counted = (id: string) => {
  const n = (runs.get(id) ?? 0) + 1;
  runs.set(id, n);
  return n;
};

export const echo = defineJob({
  type: 'echo',
  schema: z.object({ n: z.number().int() }),
  timeoutSeconds: 3,
  retryDelay: { kind: 'fixed', seconds: 0 },
  run: (payload, ctx) => {
    counted(ctx.jobId);
    return { doubled: payload.n * 2 };
  },
});

export const flaky = defineJob({
  type: 'flaky',
  schema: z.object({ succeedOnAttempt: z.number().int() }),
  timeoutSeconds: 3,
  retries: 3,
  retryDelay: { kind: 'fixed', seconds: 0 },
  run: (payload, ctx) => {
    counted(ctx.jobId);
    if (ctx.attempt < payload.succeedOnAttempt) throw new Error(`boom on attempt ${ctx.attempt}`);
    return 'finally';
  },
});

export const unrecoverable = defineJob({
  type: 'unrecoverable',
  schema: z.object({}),
  timeoutSeconds: 3,
  retries: 5,
  run: (_payload, ctx) => {
    counted(ctx.jobId);
    throw new UnrecoverableJobError('the receiver said 404');
  },
});

export const deferOnce = defineJob({
  type: 'defer-once',
  schema: z.object({}),
  timeoutSeconds: 3,
  retries: 0,
  run: (_payload, ctx) => {
    if (counted(ctx.jobId) === 1) throw new DeferJobError(0, 'not ready yet');
    return 'ran after deferral';
  },
});

export const ignoresDeadline = defineJob({
  type: 'ignores-deadline',
  schema: z.object({}),
  timeoutSeconds: 1,
  retries: 0,
  run: async (_payload, ctx) => {
    counted(ctx.jobId);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  },
});

export const keyed = defineJob({
  type: 'keyed',
  schema: z.object({ account: z.string() }),
  timeoutSeconds: 3,
  retries: 0,
  concurrencyKey: (p) => `account:${p.account}`,
  run: (_payload, ctx) => {
    counted(ctx.jobId);
  },
  onAborted: (payload, { record }) => {
    aborted.push({ id: record.id, payload, status: record.status });
  },
});

export const testRegistry = createRegistry([
  echo,
  flaky,
  unrecoverable,
  deferOnce,
  ignoresDeadline,
  keyed,
]);

/** A metrics recorder that keeps every event, for assertions. */
export function capturingMetrics(): JobMetricsRecorder & { events: JobMetricEvent[] } {
  const events: JobMetricEvent[] = [];
  return { events, record: (event) => events.push(event), flush: () => {} };
}
