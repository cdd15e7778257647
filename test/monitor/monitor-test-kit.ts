/**
 * Shared pieces of the monitor tests: capture of the JSON lines Powertools Logger and Metrics
 * write, and small in-memory fakes of the monitor's ports.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { vi } from 'vitest';
import type { JobRecord } from '../../packages/lambda-jobs/src/runtime/job-record.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import type { LostJobRescueDeps } from '../../packages/lambda-jobs/src/runtime/monitor/lost-job-rescue.ts';
import type {
  CompletionSource,
  MonitoredQueue,
  MonitorStateStore,
  OldestAgeSource,
  QueueDepth,
  QueueDepthSource,
  QueueMonitorState,
} from '../../packages/lambda-jobs/src/runtime/monitor/monitor-ports.ts';
import type {
  ConcurrencyKeyStore,
  LostAttempt,
  LostAttemptRetry,
} from '../../packages/lambda-jobs/src/runtime/ports.ts';

/** One parsed Powertools log line. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** One parsed EMF document. */
export interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

/** What {@link captureJsonOutput} collected. */
export interface CapturedOutput {
  /** Log lines (those with `level` and `message`). */
  logs(message?: string): LogLine[];
  /** EMF documents (those with `_aws`). */
  emf(): EmfDocument[];
  /** The value of `metric` in the EMF documents for `queue` (undefined queue: run-level ones). */
  metric(name: string, queue?: string): number[];
  clear(): void;
}

/**
 * Intercepts the JSON lines written to stdout and stderr (Powertools Logger writes warn and
 * critical to stderr) and keeps them parsed; anything else passes through.
 */
export function captureJsonOutput(): CapturedOutput {
  let lines: Record<string, unknown>[] = [];
  const intercept = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      const parsed: Record<string, unknown>[] = [];
      for (const line of text.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        try {
          parsed.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
        }
      }
      if (parsed.length === 0) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      lines.push(...parsed);
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write);
  };
  intercept(process.stdout);
  intercept(process.stderr);
  const emf = () => lines.filter((l) => '_aws' in l) as unknown as EmfDocument[];
  return {
    logs: (message) =>
      (lines.filter((l) => 'level' in l && 'message' in l) as LogLine[]).filter(
        (l) => message === undefined || l.message === message,
      ),
    emf,
    metric: (name, queue) =>
      emf()
        .filter((doc) => doc.queue === queue && name in doc)
        .flatMap((doc) => {
          const value = doc[name];
          return Array.isArray(value) ? (value as number[]) : [value as number];
        }),
    clear: () => {
      lines = [];
    },
  };
}

/** A real Powertools Logger that writes every level (the test env silences the default one). */
export const testLogger = () => new Logger({ serviceName: 'monitor-test', logLevel: 'DEBUG' });

/**
 * Real Powertools Metrics writing EMF to stdout (the shared test setup disables metrics through
 * POWERTOOLS_METRICS_DISABLED, which Metrics reads when it is constructed).
 */
export function testMetrics(namespace = 'monitor-test'): Metrics {
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  try {
    return new Metrics({ namespace, serviceName: 'monitor-test' });
  } finally {
    if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  }
}

/** Queues named `names`, with fake URLs in the SQS format. */
export function monitoredQueues(names: readonly string[]): MonitoredQueue[] {
  return names.map((name) => ({
    name,
    url: `https://sqs.us-east-1.amazonaws.com/123456789012/app-${name}`,
    dlqUrl: `https://sqs.us-east-1.amazonaws.com/123456789012/app-${name}-dlq`,
  }));
}

/** queue URLs as the monitor reads them from env, for {@link monitoredQueues}. */
export function queueUrlsOf(queues: readonly MonitoredQueue[]) {
  return Object.fromEntries(queues.map((q) => [q.name, { url: q.url, dlqUrl: q.dlqUrl }]));
}

/** Depth by URL; a URL mapped to an Error fails; unknown URLs are empty. Tracks concurrency. */
export function fakeDepthSource(
  byUrl: Record<string, Partial<QueueDepth> | Error> = {},
): QueueDepthSource & { maxConcurrent: number; calls: string[] } {
  let running = 0;
  const source = {
    maxConcurrent: 0,
    calls: [] as string[],
    async depth(url: string): Promise<QueueDepth> {
      source.calls.push(url);
      running++;
      source.maxConcurrent = Math.max(source.maxConcurrent, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      const found = byUrl[url];
      if (found instanceof Error) throw found;
      return { visible: 0, inFlight: 0, delayed: 0, ...found };
    },
  };
  return source;
}

/** Ages per queue name (0 for the rest), or a failure. */
export function fakeAgeSource(ages: Record<string, number> | Error = {}): OldestAgeSource {
  return {
    async oldestAges(queues) {
      if (ages instanceof Error) throw ages;
      return new Map(queues.map((q) => [q.name, ages[q.name] ?? 0]));
    },
  };
}

/** Completions per queue name (0 for the rest), or a failure. */
export function fakeCompletions(counts: Record<string, number> | Error = {}): CompletionSource {
  return {
    async completions(queues) {
      if (counts instanceof Error) throw counts;
      return new Map(queues.map((q) => [q.name, counts[q.name] ?? 0]));
    },
  };
}

/** State in a Map, with a count of writes. */
export function memoryStateStore(
  initial: Record<string, QueueMonitorState> = {},
): MonitorStateStore & { items: Map<string, QueueMonitorState>; puts: number } {
  const items = new Map(Object.entries(initial));
  const store = {
    items,
    puts: 0,
    async get(queue: string) {
      return items.get(queue);
    },
    async put(queue: string, state: QueueMonitorState) {
      store.puts++;
      items.set(queue, state);
    },
  };
  return store;
}

/** A RUNNING record whose lease expired `minutesAgo` minutes before `now`. */
export function runningRecord(
  overrides: Partial<JobRecord> & Pick<JobRecord, 'id'>,
  now: Date,
  minutesAgo = 10,
): JobRecord {
  const started = new Date(now.getTime() - (minutesAgo + 1) * 60_000).toISOString();
  return {
    type: 'report',
    queue: 'default',
    status: JobStatus.RUNNING,
    attempts: 1,
    maxAttempts: 4,
    enqueuedAt: started,
    updatedAt: started,
    startedAt: started,
    leaseExpiresAt: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 3600,
    ...overrides,
  };
}

/**
 * The job-store methods the rescue uses, in memory, with the same conditions as the
 * DynamoDB store (`markLost` only while RUNNING, same attempt, lease expired).
 */
export function memoryRescueStore(records: readonly JobRecord[]) {
  const byId = new Map(records.map((r) => [r.id, r]));
  const store: LostJobRescueDeps['store'] & { byId: Map<string, JobRecord> } = {
    byId,
    async listExpiredRunning(queue, before) {
      return [...byId.values()].filter(
        (r) =>
          r.queue === queue &&
          r.status === JobStatus.RUNNING &&
          r.leaseExpiresAt !== undefined &&
          r.leaseExpiresAt < before,
      );
    },
    async get(id) {
      return byId.get(id);
    },
    async markLost(attempt: LostAttempt, before, now, retry?: LostAttemptRetry) {
      await new Promise((resolve) => setImmediate(resolve));
      const current = byId.get(attempt.id);
      if (
        !current ||
        current.status !== JobStatus.RUNNING ||
        current.attempts !== attempt.attempts ||
        !(current.leaseExpiresAt && current.leaseExpiresAt < before)
      ) {
        return null;
      }
      const { leaseExpiresAt: _lease, ...rest } = current;
      const lost: JobRecord = {
        ...rest,
        status: retry ? JobStatus.RETRYING : JobStatus.LOST,
        endedAt: now,
        updatedAt: now,
        ...(retry ? { retryAt: retry.retryAt } : {}),
      };
      byId.set(lost.id, lost);
      return lost;
    },
    async markDeadLettered(id, now) {
      const current = byId.get(id);
      if (current) byId.set(id, { ...current, deadLetteredAt: now });
    },
  };
  return store;
}

/** Concurrency keys in a Map. */
export function memoryKeys(held: Record<string, string> = {}): ConcurrencyKeyStore & {
  held: Map<string, string>;
} {
  const map = new Map(Object.entries(held));
  return {
    held: map,
    async acquire(key, jobId) {
      if (map.has(key)) return false;
      map.set(key, jobId);
      return true;
    },
    async release(key, jobId) {
      if (map.get(key) === jobId) map.delete(key);
    },
    async abandon(key, jobId) {
      if (map.get(key) === jobId) map.delete(key);
    },
    async holder(key) {
      return map.get(key);
    },
  };
}

/** A queue transport that records what the rescue sends, by queue URL. */
export function recordingTransport(): LostJobRescueDeps['transport'] & {
  sent: { url: string; body: string }[];
} {
  const sent: { url: string; body: string }[] = [];
  return {
    sent,
    async send(url, body) {
      sent.push({ url, body });
      return { messageId: `m-${sent.length}` };
    },
  };
}
