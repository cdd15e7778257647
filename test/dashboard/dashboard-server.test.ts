import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSince } from '../../packages/lambda-jobs/src/local/dashboard/api-parameters.ts';
import { PAYLOAD_HIDDEN } from '../../packages/lambda-jobs/src/local/dashboard/job-view.ts';
import {
  type RunningDashboard,
  startDashboard,
} from '../../packages/lambda-jobs/src/local/dashboard/start-dashboard.ts';
import { JobStatus } from '../../packages/lambda-jobs/src/runtime/job-status.ts';
import { testConfig } from '../support/emulated-resources.ts';
import { dashboardRegistry } from './dashboard-test-jobs.ts';
import {
  createFakeJobsAdmin,
  deadLetter,
  type FakeJobsAdmin,
  jobRecord,
} from './fake-jobs-admin.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field
  json: any;
}

let admin: FakeJobsAdmin;
let dashboard: RunningDashboard;
let origin: string;

/**
 * A raw HTTP call (node:http, so Host and Origin can be set as an attacker would), with the
 * session token unless `token` says otherwise (`null`: none).
 */
function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; token?: string | null } = {},
): Promise<Answer> {
  const url = new URL(path, dashboard.url);
  const token = options.token === undefined ? dashboard.token : options.token;
  const headers = {
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const confirmed = (extra: Record<string, string> = {}) => ({
  'x-lambda-jobs-confirm': 'yes',
  origin,
  'content-type': 'application/json',
  ...extra,
});

beforeAll(async () => {
  admin = createFakeJobsAdmin();
  dashboard = await startDashboard({
    admin,
    port: 0,
    host: '127.0.0.1',
    registry: dashboardRegistry,
  });
  origin = dashboard.url;
});

afterAll(async () => {
  await dashboard.close();
});

beforeEach(() => {
  admin.records.clear();
  admin.deadLetters.clear();
  admin.calls.length = 0;
  admin.failWith = undefined;
});

describe('startDashboard', () => {
  it('listens on 127.0.0.1 and serves the page with a strict content security policy', async () => {
    // Act
    const page = await call('GET', '/');
    const script = await call('GET', '/assets/app.js');

    // Assess
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(script.headers['content-type']).toContain('text/javascript');
  });

  it('serves UI files by exact name only', async () => {
    // Act
    const traversal = await call('GET', '/assets/../start-dashboard.ts');
    const source = await call('GET', '/assets/start-dashboard.ts');

    // Assess
    expect(traversal.status).toBe(404);
    expect(source.status).toBe(404);
  });

  it('refuses to listen anywhere but 127.0.0.1', async () => {
    // Act
    const starting = startDashboard({
      admin,
      // @ts-expect-error: the type allows loopback only; a caller bypassing it still gets an error
      host: '0.0.0.0',
      registry: dashboardRegistry,
    });

    // Assess
    await expect(starting).rejects.toMatchObject({ field: 'host', limit: '127.0.0.1' });
  });

  it('reads the queue names from the admin when no config is given', async () => {
    // Act
    const meta = await call('GET', '/api/meta');

    // Assess
    expect(meta.json.queues).toEqual(['default', 'slow']);
    expect(meta.json.types).toEqual(dashboardRegistry.types);
    expect(meta.json.unlistedStatuses).toEqual([]);
  });

  it('names the statuses tracking minimal keeps out of the lists', async () => {
    // Prepare
    const minimal = await startDashboard({
      admin,
      port: 0,
      host: '127.0.0.1',
      registry: dashboardRegistry,
      config: testConfig({ tracking: 'minimal' }),
    });
    try {
      // Act
      const response = await fetch(`${minimal.url}/api/meta`, {
        headers: { authorization: `Bearer ${minimal.token}` },
      });
      const meta = (await response.json()) as { unlistedStatuses: string[]; tracking: string };

      // Assess
      expect(meta.tracking).toBe('minimal');
      expect(meta.unlistedStatuses).toEqual(['RUNNING', 'SUCCESSFUL']);
    } finally {
      await minimal.close();
    }
  });
});

describe('every API call needs the session token', () => {
  it('prints an address that carries a 43-character random token in its fragment', async () => {
    // Prepare
    const other = await startDashboard({ admin, port: 0, registry: dashboardRegistry });
    try {
      // Assess
      expect(dashboard.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(dashboard.openUrl).toBe(`${dashboard.url}/#token=${dashboard.token}`);
      expect(other.token).not.toBe(dashboard.token);
    } finally {
      await other.close();
    }
  });

  it('serves the page and its files without the token', async () => {
    // Act
    const page = await call('GET', '/', { token: null });
    const script = await call('GET', '/assets/api.js', { token: null });

    // Assess
    expect(page.status).toBe(200);
    expect(script.status).toBe(200);
  });

  it.each([
    ['no token', null],
    ['a wrong token of the same length', 'x'.repeat(43)],
    ['a wrong short token', 'x'],
    ['an empty token', ''],
  ])('answers 401 to a read with %s and does not touch the admin', async (_, token) => {
    // Act
    const answer = await call('GET', '/api/queues', { token });

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(answer.json).toMatchObject({ field: 'authorization' });
    expect(answer.json.error).toContain('#token=');
    expect(admin.calls).toEqual([]);
  });

  it("refuses another dashboard's token", async () => {
    // Prepare
    const other = await startDashboard({ admin, port: 0, registry: dashboardRegistry });
    try {
      // Act
      const answer = await call('GET', '/api/queues', { token: other.token });

      // Assess
      expect(answer.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses a curl-like purge with the confirmation header and its own Origin but no token (401)', async () => {
    // Prepare
    admin.deadLetters.set('default', [deadLetter('j')]);

    // Act
    const answer = await call('POST', '/api/dlq/default/purge', {
      headers: confirmed(),
      token: null,
    });

    // Assess
    expect(answer.status).toBe(401);
    expect(admin.calls).toEqual([]);
    expect(admin.deadLetters.get('default')).toHaveLength(1);
  });

  it('refuses a state change from a foreign Origin even with the token (403)', async () => {
    // Act
    const answer = await call('POST', '/api/dlq/default/purge', {
      headers: confirmed({ origin: 'http://evil.example' }),
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.json.field).toBe('origin');
    expect(admin.calls).toEqual([]);
  });
});

describe('GET endpoints map to JobsAdmin', () => {
  it('passes checked filters to listJobs, with since turned into an instant', async () => {
    // Prepare
    admin.records.set('a1', jobRecord({ id: 'a1', status: JobStatus.ERRORED, type: 'echo' }));
    admin.records.set('a2', jobRecord({ id: 'a2', status: JobStatus.SUCCESSFUL, type: 'echo' }));
    const before = Date.now();

    // Act
    const answer = await call(
      'GET',
      '/api/jobs?queue=default&status=ERRORED&type=echo&since=1h&limit=10',
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json.items.map((j: { id: string }) => j.id)).toEqual(['a1']);
    const filter = admin.calls.find((c) => c.method === 'listJobs')?.args[0] as {
      since: string;
    };
    expect(filter).toMatchObject({ queue: 'default', status: 'ERRORED', type: 'echo', limit: 10 });
    expect(Date.parse(filter.since)).toBeGreaterThanOrEqual(before - 3_600_000 - 1000);
    expect(Date.parse(filter.since)).toBeLessThanOrEqual(Date.now() - 3_600_000 + 1000);
  });

  it('treats empty filter values as absent (the form\'s "all" option)', async () => {
    // Act
    const answer = await call('GET', '/api/jobs?queue=&status=&type=');

    // Assess
    expect(answer.status).toBe(200);
    expect(admin.calls.find((c) => c.method === 'listJobs')?.args[0]).toEqual({ limit: 25 });
  });

  it('returns the next cursor and accepts it back', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) admin.records.set(`p${i}`, jobRecord({ id: `p${i}` }));

    // Act
    const first = await call('GET', '/api/jobs?limit=2');
    const second = await call('GET', `/api/jobs?limit=2&cursor=${first.json.cursor}`);

    // Assess
    expect(first.json.cursor).toBe('bmV4dA');
    expect(second.status).toBe(200);
    expect(admin.calls.at(-1)?.args[0]).toMatchObject({ cursor: 'bmV4dA' });
  });

  it('lists jobs without envelope, output or stack', async () => {
    // Prepare
    admin.records.set(
      'b1',
      jobRecord({
        id: 'b1',
        status: JobStatus.ERRORED,
        envelope: '{"payload":{"secret":1}}',
        output: { big: true },
        error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
      }),
    );

    // Act
    const answer = await call('GET', '/api/jobs');

    // Assess
    expect(answer.json.items[0]).toMatchObject({
      id: 'b1',
      error: { name: 'Error', message: 'boom' },
    });
    expect(answer.text).not.toContain('secret');
    expect(answer.text).not.toContain('at x');
    expect(answer.text).not.toContain('big');
  });

  it('marks a job whose lost attempt will be retried, and not a terminal LOST or an ordinary retry', async () => {
    // Prepare
    const lostError = { name: 'JobLostError', message: 'attempt 1 lost: lease expired at …' };
    admin.records.set(
      'lost-retry',
      jobRecord({
        id: 'lost-retry',
        status: JobStatus.RETRYING,
        error: lostError,
        lostAttempts: 1,
      }),
    );
    admin.records.set(
      'lost',
      jobRecord({ id: 'lost', status: JobStatus.LOST, error: lostError, lostAttempts: 1 }),
    );
    admin.records.set(
      'failed-retry',
      jobRecord({
        id: 'failed-retry',
        status: JobStatus.RETRYING,
        error: { name: 'Error', message: 'boom' },
        lostAttempts: 1,
      }),
    );

    // Act
    const list = await call('GET', '/api/jobs');
    const detail = await call('GET', '/api/jobs/lost-retry');

    // Assess
    const marked = Object.fromEntries(
      list.json.items.map((item: { id: string; lostWillRetry?: boolean }) => [
        item.id,
        item.lostWillRetry ?? false,
      ]),
    );
    expect(marked).toEqual({ 'lost-retry': true, lost: false, 'failed-retry': false });
    expect(detail.json.job).toMatchObject({ status: 'RETRYING', lostWillRetry: true });
  });

  it('shows the payload only for job types that expose payloads', async () => {
    // Prepare
    admin.records.set(
      'shown',
      jobRecord({ id: 'shown', type: 'visible-echo', envelope: '{"payload":{"note":"hi"}}' }),
    );
    admin.records.set(
      'hidden',
      jobRecord({ id: 'hidden', type: 'echo', envelope: '{"payload":{"n":42}}' }),
    );

    // Act
    const shown = await call('GET', '/api/jobs/shown');
    const hidden = await call('GET', '/api/jobs/hidden');

    // Assess
    expect(shown.json.job.payload).toEqual({ note: 'hi' });
    expect(shown.json.job.envelope).toBeUndefined();
    expect(hidden.json.job.payload).toBeUndefined();
    expect(hidden.json.job.payloadNote).toBe(PAYLOAD_HIDDEN);
    expect(hidden.text).not.toContain('42');
  });

  it('lists dead letters from the records, with the error and the field at fault', async () => {
    // Prepare
    admin.deadLetters.set('default', [
      deadLetter('j1', {
        error: {
          name: 'PayloadValidationError',
          message: 'n: expected number',
          field: 'payload.n',
        },
      }),
    ]);

    // Act
    const answer = await call('GET', '/api/dlq/default');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      queue: 'default',
      depth: { visible: 1 },
      deadLetters: [{ jobId: 'j1', error: { field: 'payload.n' } }],
    });
    expect(admin.calls.map((c) => c.method)).toEqual(['dlqList']);
  });

  it('answers outcome counts per queue and samples for 60 minutes by default, and for the window asked', async () => {
    // Act
    const outcomes = await call('GET', '/api/outcomes');
    const day = await call('GET', '/api/outcomes?minutes=1440');
    const samples = await call('GET', '/api/samples');

    // Assess
    expect(outcomes.json.outcomes).toMatchObject({
      minutes: 60,
      periodSeconds: 60,
      totals: { default: { succeeded: 12, errored: 2, retried: 0, lost: 0 } },
    });
    expect(day.json.outcomes).toMatchObject({ minutes: 1440, periodSeconds: 480 });
    expect(admin.calls.filter((c) => c.method === 'outcomes').map((c) => c.args[0])).toEqual([
      60, 1440,
    ]);
    expect(samples.json.minutes).toBe(60);
    expect(admin.calls.find((c) => c.method === 'samples')?.args[0]).toBe(60);
  });
});

describe('bad input answers 400 naming the parameter and its allowed values', () => {
  const cases: [string, string, string | RegExp][] = [
    ['/api/jobs?status=DONE', 'status', /QUEUED.*ERRORED.*CANCELLED/],
    ['/api/jobs?limit=0', 'limit', 'a whole number from 1 to 100'],
    ['/api/jobs?limit=101', 'limit', 'a whole number from 1 to 100'],
    ['/api/jobs?limit=2.5', 'limit', 'a whole number from 1 to 100'],
    ['/api/jobs?since=yesterday', 'since', /ISO 8601.*15m.*1h.*24h/],
    ['/api/jobs?since=2026-13-45', 'since', /ISO 8601/],
    ['/api/jobs?queue=nope', 'queue', 'one of the configured queues (default, slow)'],
    ['/api/jobs?type=bad%20type', 'type', /A-Z a-z 0-9/],
    ['/api/jobs?cursor=%7Bbad%7D', 'cursor', /cursor of a previous page/],
    ['/api/jobs?colour=red', 'colour', /queue, status, type, since, limit, cursor/],
    ['/api/jobs?status=ERRORED&status=LOST', 'status', 'given once'],
    ['/api/jobs/bad%20id', 'id', '1–128 characters of A-Z a-z 0-9 _ -'],
    [`/api/jobs/${'x'.repeat(129)}`, 'id', '1–128 characters of A-Z a-z 0-9 _ -'],
    ['/api/jobs/%E0%A4%A', 'id', 'a URL-encoded value'],
    ['/api/dlq/nope', 'queue', 'one of the configured queues (default, slow)'],
    ['/api/dlq/default?limit=500', 'limit', 'a whole number from 1 to 100'],
    ['/api/outcomes?minutes=1441', 'minutes', 'a whole number from 1 to 1440'],
    ['/api/outcomes?since=24h', 'since', /minutes/],
    ['/api/samples?minutes=0', 'minutes', 'a whole number from 1 to 1440'],
    ['/api/queues?x=1', 'x', 'no query parameters'],
  ];

  it.each(cases)('GET %s → field %s', async (path, field, limit) => {
    // Act
    const answer = await call('GET', path);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json.field).toBe(field);
    expect(answer.json.limit).toMatch(limit);
    expect(answer.json.error).toEqual(expect.any(String));
  });

  const bodies: [string, string, string | RegExp][] = [
    ['{"limit":0}', 'body.limit', 'a whole number from 1 to 10000'],
    ['{"type":"no spaces"}', 'body.type', /A-Z a-z 0-9/],
    ['{"dryRun":"yes"}', 'body.dryRun', 'true or false'],
    ['{"colour":1}', 'body.colour', /type, limit, dryRun, includeUnrunnable/],
    ['[1]', 'body', /JSON object/],
    ['not json', 'body', 'a JSON object'],
  ];

  it.each(bodies)('POST redrive with %s → field %s', async (body, field, limit) => {
    // Act
    const answer = await call('POST', '/api/dlq/default/redrive', { headers: confirmed(), body });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ field });
    expect(answer.json.limit).toMatch(limit);
    expect(admin.calls.some((c) => c.method === 'dlqRedrive')).toBe(false);
  });

  it('refuses a body over 16 KiB with 413', async () => {
    // Act
    const answer = await call('POST', '/api/dlq/default/redrive', {
      headers: confirmed(),
      body: JSON.stringify({ type: 'x'.repeat(20_000) }),
    });

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.json.field).toBe('body');
  });

  it('reads durations and instants for since', () => {
    // Prepare
    const now = Date.parse('2026-11-22T10:00:00Z');

    // Act + Assess
    expect(parseSince('15m', now)).toBe('2026-11-22T09:45:00.000Z');
    expect(parseSince('24h', now)).toBe('2026-11-21T10:00:00.000Z');
    expect(parseSince('2026-11-22T11:00:00+01:00', now)).toBe('2026-11-22T10:00:00.000Z');
  });
});

describe('errors map to statuses', () => {
  it('answers 404 for an unknown job', async () => {
    // Act
    const answer = await call('GET', '/api/jobs/no-such-job');

    // Assess
    expect(answer.status).toBe(404);
    expect(answer.json.error).toContain('no-such-job');
  });

  it('answers 409 when the job is not in a state that allows the action', async () => {
    // Prepare
    admin.records.set('done', jobRecord({ id: 'done', status: JobStatus.SUCCESSFUL }));

    // Act
    const cancel = await call('POST', '/api/jobs/done/cancel', { headers: confirmed() });
    const retry = await call('POST', '/api/jobs/done/retry', { headers: confirmed() });

    // Assess
    expect(cancel.status).toBe(409);
    expect(cancel.json).toMatchObject({ id: 'done', status: 'SUCCESSFUL' });
    expect(retry.status).toBe(409);
  });

  it('answers 500 with the message for anything else', async () => {
    // Prepare
    admin.failWith = new Error('SQS is unreachable');

    // Act
    const answer = await call('GET', '/api/queues');

    // Assess
    expect(answer.status).toBe(500);
    expect(answer.json.error).toBe('Error: SQS is unreachable');
  });

  it('answers 404 for an unknown route and 405 for the wrong method', async () => {
    // Act
    const unknown = await call('GET', '/api/nothing');
    const wrongMethod = await call('GET', '/api/jobs/j1/retry');

    // Assess
    expect(unknown.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error).toContain('POST');
  });
});

describe("actions need confirmation and the dashboard's own origin", () => {
  it('retries a job when confirmed from the same origin', async () => {
    // Prepare
    admin.records.set('e1', jobRecord({ id: 'e1', status: JobStatus.ERRORED }));

    // Act
    const answer = await call('POST', '/api/jobs/e1/retry', { headers: confirmed() });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json.job.status).toBe('QUEUED');
  });

  it('refuses an action without the confirmation header (403) and does not touch the admin', async () => {
    // Prepare
    admin.records.set('e2', jobRecord({ id: 'e2', status: JobStatus.ERRORED }));

    // Act
    const answer = await call('POST', '/api/jobs/e2/retry', { headers: { origin } });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.json).toMatchObject({ field: 'x-lambda-jobs-confirm', limit: 'yes' });
    expect(admin.calls).toEqual([]);
  });

  it('refuses a cross-origin action even with the confirmation header (403)', async () => {
    // Act
    const answer = await call('POST', '/api/dlq/default/purge', {
      headers: confirmed({ origin: 'http://evil.example' }),
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.json.field).toBe('origin');
    expect(admin.calls).toEqual([]);
  });

  it('refuses a cross-site action that carries no Origin (403)', async () => {
    // Act
    const answer = await call('POST', '/api/dlq/default/purge', {
      headers: { 'x-lambda-jobs-confirm': 'yes', 'sec-fetch-site': 'cross-site' },
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(admin.calls).toEqual([]);
  });

  it('refuses an action without Origin even with the token and the confirmation header (403)', async () => {
    // Act: a script that stole nothing but knows the headers.
    const answer = await call('POST', '/api/dlq/default/purge', {
      headers: { 'x-lambda-jobs-confirm': 'yes' },
    });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.json).toMatchObject({ field: 'origin', limit: dashboard.url });
    expect(admin.calls).toEqual([]);
  });

  it('refuses a Host naming a loopback address on another port (403)', async () => {
    // Act
    const answer = await call('GET', '/api/queues', { headers: { host: 'localhost:1' } });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.json.field).toBe('host');
    expect(admin.calls).toEqual([]);
  });

  it('refuses any request whose Host is not a loopback name (DNS rebinding) with 403', async () => {
    // Act
    const read = await call('GET', '/api/queues', { headers: { host: 'evil.example' } });
    const page = await call('GET', '/', { headers: { host: 'evil.example:8787' } });

    // Assess
    expect(read.status).toBe(403);
    expect(read.json.field).toBe('host');
    expect(page.status).toBe(403);
    expect(admin.calls).toEqual([]);
  });

  it('redrives and purges a DLQ with the checked options', async () => {
    // Prepare
    admin.deadLetters.set('slow', [deadLetter('j')]);

    // Act
    const redrive = await call('POST', '/api/dlq/slow/redrive', {
      headers: confirmed(),
      body: '{"type":"echo","limit":5}',
    });
    const task = await call('GET', `/api/redrives/${redrive.json.task.id}`);
    const purge = await call('POST', '/api/dlq/slow/purge', { headers: confirmed() });

    // Assess
    expect(redrive.json.task).toMatchObject({ queue: 'slow' });
    expect(task.json.task).toMatchObject({
      state: 'done',
      progress: { moved: 1 },
      report: { moved: 1, jobIds: ['j'] },
    });
    expect(admin.calls.find((c) => c.method === 'dlqRedrive')?.args).toEqual([
      'slow',
      expect.objectContaining({ type: 'echo', limit: 5 }),
    ]);
    expect(purge.json).toEqual({ queue: 'slow', purged: 0 });
  });
});
