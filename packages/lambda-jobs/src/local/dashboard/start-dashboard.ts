/**
 * The web dashboard: a small node:http server on 127.0.0.1 serving a single-page UI and a JSON
 * API over one {@link JobsAdmin}. Dev mode starts it against the emulators; the CLI starts it
 * against a deployed stack with an admin built for that stack. Read-only unless an action is
 * clicked and confirmed. The page and its files load freely; every API call needs the session
 * token created at start-up, which the printed address carries in its fragment (`#token=…`):
 * the page keeps it for its tab and sends it as `Authorization: Bearer …`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaJobsConfig } from '../../config/config-types.ts';
import type { EventSourceStateSource } from '../../runtime/admin/admin-ports.ts';
import type { JobsAdmin } from '../../runtime/admin/jobs-admin.ts';
import type { QueueConsumptionControl } from '../../runtime/admin/queue-consumption.ts';
import type { CircuitAdmin } from '../../runtime/circuit/circuit-admin.ts';
import { JobInputError } from '../../runtime/errors.ts';
import type { JobRegistry } from '../../runtime/registry.ts';
import { type ApiResponse, createDashboardApi, errorResponse } from './dashboard-api.ts';
import { createRedriveTasks } from './redrive-tasks.ts';
import { checkAction, checkHost, checkToken, createSessionToken } from './request-guard.ts';
import { loadStaticAssets } from './static-assets.ts';

export interface DashboardOptions {
  /** What the dashboard shows and does. */
  readonly admin: JobsAdmin;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Loopback only. Default 127.0.0.1. */
  readonly host?: '127.0.0.1';
  /** Names the configured queues; without it they are read once from `admin.queues()`. */
  readonly config?: LambdaJobsConfig;
  /** The project's job types: decides which job types may show payloads. */
  readonly registry: JobRegistry;
  /** How often the overview refreshes itself, 1–300 seconds. Default 5. */
  readonly refreshSeconds?: number;
  /** A redrive no page has polled for this long is cancelled. Default 15 s. */
  readonly redriveUnwatchedSeconds?: number;
  /** The workers' event sources: the overview shows paused queues. */
  readonly eventSources?: EventSourceStateSource;
  /** Pauses and resumes queues (the overview's Pause and Resume buttons). */
  readonly consumption?: QueueConsumptionControl;
  /** The job types' circuit breakers (the overview's panel, its Open and Close buttons). */
  readonly circuits?: CircuitAdmin;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** `http://127.0.0.1:PORT`, without the token. */
  readonly url: string;
  /** The session token every API call needs (`Authorization: Bearer TOKEN`). */
  readonly token: string;
  /** The address to open: `http://127.0.0.1:PORT/#token=TOKEN`. Print it; do not log it elsewhere. */
  readonly openUrl: string;
  /** Cancels running redrives (each stops after the message in hand), stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Request bodies (redrive options) are tiny; anything larger is refused. */
const MAX_BODY_BYTES = 16_384;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
} as const;

class BodyTooLargeError extends JobInputError {
  override name = 'BodyTooLargeError';
}

function sendJson(
  response: ServerResponse,
  { status, body }: ApiResponse,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new BodyTooLargeError(
        'body',
        `at most ${MAX_BODY_BYTES} bytes`,
        'The request body is too large.',
      );
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JobInputError('body', 'a JSON object', 'The request body is not valid JSON.');
  }
}

function queueNamesSource(options: DashboardOptions): () => Promise<readonly string[]> {
  if (options.config) {
    const names = Object.keys(options.config.queues);
    return async () => names;
  }
  let names: Promise<readonly string[]> | undefined;
  return () => {
    names ??= options.admin.queues().then(
      (queues) => queues.map((q) => q.name),
      (error: unknown) => {
        names = undefined;
        throw error;
      },
    );
    return names;
  };
}

/**
 * The address to open: `url` with the session token in its fragment, when there is one (a
 * fragment never reaches a server or its logs).
 *
 * @example `dashboardOpenUrl('http://127.0.0.1:8787', token) // 'http://127.0.0.1:8787/#token=…'`
 */
export function dashboardOpenUrl(url: string, token: string | undefined): string {
  return token ? `${url.replace(/\/+$/, '')}/#token=${token}` : url;
}

/**
 * Starts the dashboard on 127.0.0.1.
 *
 * @example
 * ```ts
 * const dashboard = await startDashboard({ admin, port: 8787, host: '127.0.0.1', config });
 * console.log(`Dashboard: ${dashboard.openUrl}`);
 * process.once('SIGINT', () => dashboard.close());
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') {
    throw new JobInputError(
      'host',
      '127.0.0.1',
      `The dashboard listens on 127.0.0.1 only; got ${String(host)}.`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new JobInputError(
      'port',
      'a whole number from 0 to 65535',
      `Dashboard port ${port} is not valid.`,
    );
  }
  const refreshSeconds = options.refreshSeconds ?? 5;
  if (!Number.isInteger(refreshSeconds) || refreshSeconds < 1 || refreshSeconds > 300) {
    throw new JobInputError(
      'refreshSeconds',
      'a whole number from 1 to 300',
      `refreshSeconds ${refreshSeconds} is not valid.`,
    );
  }
  const tasks = createRedriveTasks({
    admin: options.admin,
    ...(options.redriveUnwatchedSeconds !== undefined
      ? { unwatchedSeconds: options.redriveUnwatchedSeconds }
      : {}),
  });
  const api = createDashboardApi({
    admin: options.admin,
    tasks,
    registry: options.registry,
    queueNames: queueNamesSource(options),
    refreshSeconds,
    ...(options.config ? { tracking: options.config.tracking } : {}),
    ...(options.eventSources ? { eventSources: options.eventSources } : {}),
    ...(options.consumption ? { consumption: options.consumption } : {}),
    ...(options.circuits ? { circuits: options.circuits } : {}),
  });
  const assets = loadStaticAssets();
  const token = createSessionToken();
  let listeningPort = port;

  const server = createServer((request, response) => {
    void (async () => {
      const hostRefusal = checkHost(request.headers, listeningPort);
      if (hostRefusal) return sendJson(response, { status: 403, body: hostRefusal });
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const method = request.method ?? 'GET';
      if (url.pathname.startsWith('/api/')) {
        const tokenRefusal = checkToken(request.headers, token);
        if (tokenRefusal) {
          return sendJson(
            response,
            { status: 401, body: tokenRefusal },
            { 'www-authenticate': 'Bearer' },
          );
        }
        if (method === 'POST') {
          const refusal = checkAction(request.headers);
          if (refusal) return sendJson(response, { status: 403, body: refusal });
        }
        let body: unknown;
        try {
          body = method === 'POST' ? await readJsonBody(request) : undefined;
        } catch (error) {
          const answer = errorResponse(error);
          return sendJson(
            response,
            error instanceof BodyTooLargeError ? { ...answer, status: 413 } : answer,
          );
        }
        return sendJson(
          response,
          await api({ method, path: url.pathname, query: url.searchParams, body }),
        );
      }
      const asset = assets.get(url.pathname);
      if (!asset || (method !== 'GET' && method !== 'HEAD')) {
        response.writeHead(asset ? 405 : 404, {
          ...SECURITY_HEADERS,
          'content-type': 'text/plain; charset=utf-8',
        });
        return response.end(asset ? 'Method not allowed' : 'Not found');
      }
      response.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': asset.contentType,
        'content-length': asset.body.length,
        'cache-control': 'no-cache',
      });
      response.end(method === 'HEAD' ? undefined : asset.body);
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, errorResponse(error));
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  listeningPort = (server.address() as AddressInfo).port;
  const url = `http://${host}:${listeningPort}`;
  return {
    url,
    token,
    openUrl: dashboardOpenUrl(url, token),
    close: async () => {
      await tasks.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
