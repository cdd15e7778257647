/**
 * Who may talk to the dashboard. It listens on loopback only; these checks stop other web pages
 * in the same browser from using it: a Host that is not a loopback name (DNS rebinding) is
 * refused, and an action (POST) must come from the dashboard's own origin and carry the
 * confirmation header the UI sends only after the user confirmed.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The header every action must carry, with the value {@link CONFIRM_VALUE}. */
export const CONFIRM_HEADER = 'x-lambda-jobs-confirm';
export const CONFIRM_VALUE = 'yes';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a request was refused (403). */
export interface Refusal {
  readonly error: string;
  readonly field: string;
  readonly limit: string;
}

function hostnameOf(host: string): string {
  const bracketed = /^(\[[^\]]+\])(?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return host.replace(/:\d+$/, '').toLowerCase();
}

/**
 * Refuses requests whose Host is not a loopback name (127.0.0.1, localhost, [::1]).
 *
 * @example
 * ```ts
 * checkHost(request.headers); // undefined when allowed
 * ```
 */
export function checkHost(headers: IncomingHttpHeaders): Refusal | undefined {
  const host = headers.host ?? '';
  if (LOOPBACK_HOSTNAMES.has(hostnameOf(host))) return undefined;
  return {
    error: `Host "${host.slice(0, 100)}" is not allowed: the dashboard answers loopback names only.`,
    field: 'host',
    limit: '127.0.0.1, localhost or [::1]',
  };
}

/**
 * Refuses an action that comes from another origin or lacks the confirmation header. Browsers
 * send `Origin` on every POST; it must be this server's own (`http://` + Host). A client without
 * `Origin` (curl, scripts) must still send the confirmation header.
 *
 * @example
 * ```ts
 * const refusal = checkAction(request.headers);
 * if (refusal) return send(403, refusal);
 * ```
 */
export function checkAction(headers: IncomingHttpHeaders): Refusal | undefined {
  const origin = headers.origin;
  const ownOrigin = `http://${headers.host ?? ''}`;
  if (origin !== undefined && origin !== ownOrigin) {
    return {
      error: `Cross-origin action refused: Origin ${origin.slice(0, 100)} is not ${ownOrigin}.`,
      field: 'origin',
      limit: ownOrigin,
    };
  }
  const fetchSite = headers['sec-fetch-site'];
  if (origin === undefined && fetchSite !== undefined && fetchSite !== 'same-origin') {
    return {
      error: `Cross-origin action refused (Sec-Fetch-Site: ${fetchSite}).`,
      field: 'sec-fetch-site',
      limit: 'same-origin',
    };
  }
  if (headers[CONFIRM_HEADER] !== CONFIRM_VALUE) {
    return {
      error: `Actions need the header ${CONFIRM_HEADER}: ${CONFIRM_VALUE}, which the dashboard sends after you confirm.`,
      field: CONFIRM_HEADER,
      limit: CONFIRM_VALUE,
    };
  }
  return undefined;
}
