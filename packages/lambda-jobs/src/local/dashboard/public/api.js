/**
 * Talks to the dashboard's JSON API with the session token. Actions are sent only after the
 * user confirms.
 */

/** Where this tab keeps the session token (sessionStorage is per tab and per origin+port). */
const TOKEN_KEY = 'lambda-jobs-dashboard-token';

/**
 * Takes the session token from the address the dashboard printed (`#token=…`), keeps it for this
 * tab, and replaces the address with the overview's, so the token leaves the address bar and
 * the history entry.
 */
export function adoptTokenFromAddress() {
  const match = /^#token=([A-Za-z0-9_-]{1,200})$/.exec(window.location.hash);
  if (!match) return;
  window.sessionStorage.setItem(TOKEN_KEY, match[1]);
  window.history.replaceState(null, '', `${window.location.pathname}#/`);
}

function authorization() {
  const token = window.sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** An answer other than 2xx, with the server's `{ error, field, limit }`. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ error?: string, field?: string, limit?: string }} body
   */
  constructor(status, body) {
    super(body.error ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.field = body.field;
    this.limit = body.limit;
  }
}

async function readAnswer(response) {
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/**
 * GET an API path with query parameters (empty ones left out).
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [parameters]
 */
export async function getJson(path, parameters = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  return readAnswer(
    await fetch(url, { headers: { accept: 'application/json', ...authorization() } }),
  );
}

/**
 * Asks the user first; only on OK sends the action with the confirmation header.
 * Resolves to undefined when the user declined.
 * @param {string} question
 * @param {string} path
 * @param {unknown} [body]
 */
export async function confirmAndPost(question, path, body) {
  if (!window.confirm(question)) return undefined;
  return post(path, body);
}

/**
 * Sends an action that needs no question (Cancel of a running redrive) with the confirmation
 * header the server asks of every action.
 * @param {string} path
 * @param {unknown} [body]
 */
export async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      ...authorization(),
      'content-type': 'application/json',
      'x-lambda-jobs-confirm': 'yes',
    },
    body: JSON.stringify(body ?? {}),
  });
  return readAnswer(response);
}
