import * as z from 'zod/mini';
import './schema-messages.ts';
import { defineJob, type OutboundHttp } from 'lambda-jobs';

export const reportPayload = z.object({
  reportId: z.string().check(z.minLength(1), z.maxLength(100)),
  accountId: z.string().check(z.minLength(1), z.maxLength(100)),
  /**
   * Where the app is told the report is ready, failed or aborted. Its address must be public
   * unless `outbound.allow` lists it; redirects are not followed.
   */
  callbackUrl: z.url({ protocol: /^https?$/ }).check(z.maxLength(2048)),
  /** Rows to aggregate; the work is done in chunks so the deadline signal is honoured. */
  rows: z._default(z.int().check(z.minimum(1), z.maximum(10_000_000)), 100_000),
});

export type ReportPayload = z.input<typeof reportPayload>;

async function notify(
  http: OutboundHttp,
  callbackUrl: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<void> {
  const response = await http.send({
    url: callbackUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`Report callback answered ${response.status}`);
  }
}

/**
 * The `generate-report` job: a slow, per-account report. Its concurrency key makes repeated
 * "generate" clicks for one account collapse into one job while it is queued or running, and
 * `onAborted` tells the app the report will not come if the worker died mid-run (LOST) or the
 * job was cancelled, so the UI leaves its "generating…" state (run()'s own error handling
 * cannot, because it never got to run). The callback goes through `http` (runtime/outbound):
 * non-public addresses and redirects are refused.
 *
 * @example
 * ```ts
 * const generateReport = createGenerateReportJob(createOutboundHttp({ allow: config.outbound.allow }));
 * ```
 */
export function createGenerateReportJob(http: OutboundHttp) {
  return defineJob({
    type: 'generate-report',
    schema: reportPayload,
    queue: 'slow',
    timeoutSeconds: 240,
    retries: 2,
    concurrencyKey: (p) => `report:${p.accountId}`,
    async run(payload, ctx) {
      const chunk = 10_000;
      let checksum = 0;
      for (let row = 0; row < payload.rows; row += chunk) {
        ctx.signal.throwIfAborted();
        for (let i = row; i < Math.min(payload.rows, row + chunk); i++)
          checksum = (checksum + i * 31) % 1_000_003;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await notify(
        http,
        payload.callbackUrl,
        { reportId: payload.reportId, status: 'ready', checksum },
        ctx.signal,
      );
      return { rows: payload.rows, checksum };
    },
    async onAborted(payload, { record, willRetry }) {
      // A lost attempt with attempts left runs again: the report may still come.
      if (!payload || willRetry) return;
      await notify(http, payload.callbackUrl, {
        reportId: payload.reportId,
        status: 'aborted',
        reason: record.status,
      });
    },
  });
}
