/**
 * The dashboard's JSON API: each route checks its parameters, calls one {@link JobsAdmin}
 * method and shapes the answer. Errors become statuses: bad input 400 `{ error, field, limit }`,
 * unknown job 404, state conflict 409, anything else 500 `{ error }`.
 */
import type { EventSourceState, EventSourceStateSource } from '../../runtime/admin/admin-ports.ts';
import { type BulkActionName, runBulkAction } from '../../runtime/admin/bulk-job-actions.ts';
import type { JobsAdmin, ListJobsFilter } from '../../runtime/admin/jobs-admin.ts';
import { RETRYABLE_STATUSES } from '../../runtime/admin/jobs-admin-service.ts';
import {
  pausedQueues,
  type QueueConsumptionControl,
} from '../../runtime/admin/queue-consumption.ts';
import type { CircuitAdmin } from '../../runtime/circuit/circuit-admin.ts';
import {
  JobInputError,
  JobNotFoundError,
  JobStateConflictError,
  LambdaJobsError,
} from '../../runtime/errors.ts';
import { ALL_STATUSES, CLAIMABLE_STATUSES, type JobStatus } from '../../runtime/job-status.ts';
import type { JobRegistry } from '../../runtime/registry.ts';
import { type TrackingLevel, unlistedStatuses } from '../../runtime/tracking-level.ts';
import {
  optionalParameter,
  PAGE_LIMIT,
  parseCursor,
  parseJobId,
  parseJobType,
  parseQueueName,
  parseRedriveRequest,
  parseSince,
  parseStatus,
  parseWholeNumber,
  rejectUnknownParameters,
  SAMPLE_MINUTES,
} from './api-parameters.ts';
import { parseBulkRequest } from './bulk-request.ts';
import { circuitRoutes } from './circuit-routes.ts';
import { toJobSummary, toJobView } from './job-view.ts';
import { createRedriveTasks, type RedriveTasks } from './redrive-tasks.ts';

/** One API call, already read from the HTTP request. */
export interface ApiRequest {
  readonly method: string;
  /** Path below the origin, starting with `/api/`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body of a POST, or undefined. */
  readonly body?: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** What the UI needs to build its filters and buttons. */
export interface DashboardMeta {
  readonly queues: readonly string[];
  readonly statuses: readonly JobStatus[];
  readonly types: readonly string[];
  readonly retryableStatuses: readonly JobStatus[];
  readonly cancellableStatuses: readonly JobStatus[];
  /** Statuses whose records are kept but not listed (tracking `minimal`); [] when all are. */
  readonly unlistedStatuses: readonly JobStatus[];
  /** The tracking level, when the dashboard knows the config. */
  readonly tracking?: TrackingLevel;
  readonly refreshSeconds: number;
}

export interface DashboardApiOptions {
  readonly admin: JobsAdmin;
  readonly registry: JobRegistry;
  /** The configured queue names (path and query values are checked against them). */
  readonly queueNames: () => Promise<readonly string[]>;
  /** How often the overview refreshes itself. */
  readonly refreshSeconds: number;
  /** The config's tracking level: the jobs view says which statuses it cannot list. */
  readonly tracking?: TrackingLevel;
  /** Where redrives run in the background. Default: tasks over `admin`. */
  readonly tasks?: RedriveTasks;
  /** The workers' event sources: each queue is shown `paused` or not. */
  readonly eventSources?: EventSourceStateSource;
  /** Pauses and resumes queues; without it the pause routes answer 501. */
  readonly consumption?: QueueConsumptionControl;
  /** The job types' circuit breakers (view and override); without it none are shown. */
  readonly circuits?: CircuitAdmin;
}

/** How long the event sources' states (paused or not) are reused between overview refreshes. */
const EVENT_SOURCES_TTL_MS = 30_000;

/** This dashboard was started without a way to pause queues. */
class PauseUnavailableError extends LambdaJobsError {
  override name = 'PauseUnavailableError';
}

type Handler = (request: ApiRequest, params: readonly string[]) => Promise<unknown>;

interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handle: Handler;
}

/** A path segment, decoded; a broken %-escape is bad input for that parameter. */
function segment(raw: string | undefined, field: string): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw new JobInputError(
      field,
      'a URL-encoded value',
      `The ${field} in the path is not valid URL encoding.`,
    );
  }
}

/**
 * Maps an error to its HTTP answer.
 *
 * @example
 * ```ts
 * errorResponse(new JobNotFoundError('abc')); // { status: 404, body: { error: '…' } }
 * ```
 */
export function errorResponse(error: unknown): ApiResponse {
  if (error instanceof JobInputError) {
    return { status: 400, body: { error: error.message, field: error.field, limit: error.limit } };
  }
  if (error instanceof JobNotFoundError) {
    return { status: 404, body: { error: error.message, id: error.jobId } };
  }
  if (error instanceof JobStateConflictError) {
    return {
      status: 409,
      body: { error: error.message, id: error.jobId, status: error.currentStatus },
    };
  }
  if (error instanceof PauseUnavailableError)
    return { status: 501, body: { error: error.message } };
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof LambdaJobsError || error instanceof Error ? error.name : 'Error';
  return { status: 500, body: { error: `${name}: ${message}` } };
}

/**
 * Builds the API. The returned function never throws: every failure is an {@link ApiResponse}.
 *
 * @example
 * ```ts
 * const api = createDashboardApi({ admin, registry, queueNames: async () => ['default'], refreshSeconds: 5 });
 * await api({ method: 'GET', path: '/api/queues', query: new URLSearchParams() });
 * ```
 */
export function createDashboardApi(
  options: DashboardApiOptions,
): (request: ApiRequest) => Promise<ApiResponse> {
  const { admin, registry } = options;
  const tasks = options.tasks ?? createRedriveTasks({ admin });

  const queueParameter = async (raw: string) => parseQueueName(raw, await options.queueNames());

  // The overview refreshes every few seconds; on AWS each read is one Lambda control-plane call
  // per queue (ListEventSourceMappings, rate-limited per account): read them at most every
  // EVENT_SOURCES_TTL_MS, and again at once after a pause or resume from here.
  let cachedStates: { at: number; states: Promise<EventSourceState[]> } | undefined;
  const eventSourceStates = async (): Promise<EventSourceState[] | undefined> => {
    if (!options.eventSources) return undefined;
    const now = Date.now();
    if (!cachedStates || now - cachedStates.at > EVENT_SOURCES_TTL_MS) {
      const states = options.eventSources.states();
      cachedStates = { at: now, states };
      states.catch(() => {
        if (cachedStates?.states === states) cachedStates = undefined;
      });
    }
    return cachedStates.states;
  };

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/api\/meta$/,
      handle: async ({ query }): Promise<DashboardMeta> => {
        rejectUnknownParameters(query, []);
        return {
          queues: await options.queueNames(),
          statuses: ALL_STATUSES,
          types: registry.types,
          retryableStatuses: RETRYABLE_STATUSES,
          cancellableStatuses: CLAIMABLE_STATUSES,
          unlistedStatuses: options.tracking ? unlistedStatuses(options.tracking) : [],
          ...(options.tracking ? { tracking: options.tracking } : {}),
          refreshSeconds: options.refreshSeconds,
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/queues$/,
      handle: async ({ query }) => {
        rejectUnknownParameters(query, []);
        const [queues, sources] = await Promise.all([admin.queues(), eventSourceStates()]);
        if (!sources) return { queues };
        const paused = pausedQueues(sources);
        const fed = new Set(sources.map((source) => source.queue));
        return {
          queues: queues.map((queue) =>
            fed.has(queue.name) ? { ...queue, paused: paused.has(queue.name) } : queue,
          ),
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/queues\/([^/]+)\/(pause|resume)$/,
      handle: async ({ query }, [rawQueue, action]) => {
        const queue = await queueParameter(segment(rawQueue, 'queue'));
        rejectUnknownParameters(query, []);
        if (!options.consumption) {
          throw new PauseUnavailableError(
            'This dashboard cannot pause or resume queues (it was started without their event sources).',
          );
        }
        const eventSource = await options.consumption.setPaused(queue, action === 'pause');
        cachedStates = undefined;
        return { eventSource };
      },
    },
    ...circuitRoutes(options.circuits, segment),
    {
      method: 'POST',
      pattern: /^\/api\/bulk\/(retry|cancel)$/,
      handle: async ({ query, body }, [action]) => {
        rejectUnknownParameters(query, []);
        const request = parseBulkRequest(body, await options.queueNames());
        return {
          result: await runBulkAction(admin, action as BulkActionName, request.selection, {
            dryRun: request.dryRun,
          }),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs$/,
      handle: async ({ query }) => {
        rejectUnknownParameters(query, ['queue', 'status', 'type', 'since', 'limit', 'cursor']);
        const queue = optionalParameter(query, 'queue');
        const status = optionalParameter(query, 'status');
        const type = optionalParameter(query, 'type');
        const since = optionalParameter(query, 'since');
        const limit = optionalParameter(query, 'limit');
        const cursor = optionalParameter(query, 'cursor');
        const filter: ListJobsFilter = {
          ...(queue !== undefined ? { queue: await queueParameter(queue) } : {}),
          ...(status !== undefined ? { status: parseStatus(status) } : {}),
          ...(type !== undefined ? { type: parseJobType(type) } : {}),
          ...(since !== undefined ? { since: parseSince(since) } : {}),
          limit:
            limit !== undefined ? parseWholeNumber(limit, 'limit', PAGE_LIMIT) : PAGE_LIMIT.default,
          ...(cursor !== undefined ? { cursor: parseCursor(cursor) } : {}),
        };
        const page = await admin.listJobs(filter);
        return {
          items: page.items.map(toJobSummary),
          ...(page.cursor ? { cursor: page.cursor } : {}),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/jobs\/([^/]+)$/,
      handle: async ({ query }, [rawId]) => {
        const id = parseJobId(segment(rawId, 'id'));
        rejectUnknownParameters(query, []);
        return { job: toJobView(await admin.getJob(id), registry) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/([^/]+)\/retry$/,
      handle: async ({ query }, [rawId]) => {
        const id = parseJobId(segment(rawId, 'id'));
        rejectUnknownParameters(query, []);
        return { job: toJobView(await admin.retryJob(id), registry) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/jobs\/([^/]+)\/cancel$/,
      handle: async ({ query }, [rawId]) => {
        const id = parseJobId(segment(rawId, 'id'));
        rejectUnknownParameters(query, []);
        return { job: toJobView(await admin.cancelJob(id), registry) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/dlq\/([^/]+)$/,
      handle: async ({ query }, [rawQueue]) => {
        const queue = await queueParameter(segment(rawQueue, 'queue'));
        rejectUnknownParameters(query, ['limit']);
        const limit = optionalParameter(query, 'limit');
        const listing = await admin.dlqList(queue, {
          limit:
            limit !== undefined ? parseWholeNumber(limit, 'limit', PAGE_LIMIT) : PAGE_LIMIT.default,
        });
        const redrive = tasks.runningOf(queue);
        return {
          queue,
          depth: listing.depth,
          deadLetters: listing.letters,
          more: listing.more,
          ...(redrive ? { redrive } : {}),
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/dlq\/([^/]+)\/redrive$/,
      handle: async ({ query, body }, [rawQueue]) => {
        const queue = await queueParameter(segment(rawQueue, 'queue'));
        rejectUnknownParameters(query, []);
        const request = parseRedriveRequest(body);
        return { task: tasks.start(queue, request) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/redrives\/([^/]+)$/,
      handle: async ({ query }, [rawId]) => {
        rejectUnknownParameters(query, []);
        const id = segment(rawId, 'id');
        const task = tasks.watch(id);
        if (!task) throw new JobNotFoundError(id);
        return { task };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/redrives\/([^/]+)\/cancel$/,
      handle: async ({ query }, [rawId]) => {
        rejectUnknownParameters(query, []);
        const id = segment(rawId, 'id');
        const task = tasks.cancel(id);
        if (!task) throw new JobNotFoundError(id);
        return { task };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/dlq\/([^/]+)\/jobs\/([^/]+)\/retry$/,
      handle: async ({ query }, [rawQueue, rawId]) => {
        const queue = await queueParameter(segment(rawQueue, 'queue'));
        rejectUnknownParameters(query, []);
        const id = parseJobId(segment(rawId, 'id'));
        const result = await admin.dlqRetry(queue, id);
        if (result.matched === 0) throw new JobNotFoundError(id);
        return { queue, ...result };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/dlq\/([^/]+)\/jobs\/([^/]+)\/delete$/,
      handle: async ({ query }, [rawQueue, rawId]) => {
        const queue = await queueParameter(segment(rawQueue, 'queue'));
        rejectUnknownParameters(query, []);
        const id = parseJobId(segment(rawId, 'id'));
        return { queue, ...(await admin.dlqDelete(queue, id)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/dlq\/([^/]+)\/purge$/,
      handle: async ({ query }, [rawQueue]) => {
        const queue = await queueParameter(segment(rawQueue, 'queue'));
        rejectUnknownParameters(query, []);
        return { queue, ...(await admin.dlqPurge(queue)) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/outcomes$/,
      handle: async ({ query }) => {
        rejectUnknownParameters(query, ['minutes']);
        const raw = optionalParameter(query, 'minutes');
        const minutes =
          raw !== undefined
            ? parseWholeNumber(raw, 'minutes', SAMPLE_MINUTES)
            : SAMPLE_MINUTES.default;
        return { outcomes: await admin.outcomes(minutes) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/samples$/,
      handle: async ({ query }) => {
        rejectUnknownParameters(query, ['minutes']);
        const raw = optionalParameter(query, 'minutes');
        const minutes =
          raw !== undefined
            ? parseWholeNumber(raw, 'minutes', SAMPLE_MINUTES)
            : SAMPLE_MINUTES.default;
        return { minutes, samples: await admin.samples(minutes) };
      },
    },
  ];

  return async (request) => {
    const matching = routes
      .map((route) => ({ route, match: route.pattern.exec(request.path) }))
      .filter((m) => m.match !== null);
    if (matching.length === 0) {
      return { status: 404, body: { error: `No API route ${request.path}` } };
    }
    const found = matching.find((m) => m.route.method === request.method);
    if (!found?.match) {
      const allowed = [...new Set(matching.map((m) => m.route.method))].join(', ');
      return {
        status: 405,
        body: { error: `${request.method} is not allowed on ${request.path}; use ${allowed}` },
      };
    }
    try {
      const body = await found.route.handle(request, found.match.slice(1));
      return { status: 200, body };
    } catch (error) {
      return errorResponse(error);
    }
  };
}
