import { z } from 'zod';
import { defineJob } from '../../packages/lambda-jobs/src/runtime/job-definition.ts';
import { createRegistry } from '../../packages/lambda-jobs/src/runtime/registry.ts';
import { echo, flaky, unrecoverable } from '../support/test-jobs.ts';

/** A job type that opts in to showing its payload in the dashboard. */
export const visibleEcho = defineJob({
  type: 'visible-echo',
  schema: z.object({ note: z.string() }),
  timeoutSeconds: 3,
  exposePayload: true,
  run: (payload) => ({ echoed: payload.note }),
});

/** The test jobs plus one that exposes its payload (echo, flaky, unrecoverable do not). */
export const dashboardRegistry = createRegistry([echo, flaky, unrecoverable, visibleEcho]);
