/**
 * Who may talk to the dashboard. It listens on loopback only, but every local process and OS
 * user can reach loopback, and web pages in the operator's browser can send requests to it.
 * So: a Host that is not this listener's own (`127.0.0.1:PORT`, `localhost:PORT`) is refused
 * (DNS rebinding); every API call must carry the session token created at start-up; and an
 * action (POST) must come from the dashboard's own origin and carry the confirmation header the
 * UI sends only after the user confirmed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isOwnLoopbackHost, loopbackHosts } from '../loopback-host.ts';

/** The header every action must carry, with the value {@link CONFIRM_VALUE}. */
export const CONFIRM_HEADER = 'x-lambda-jobs-confirm';
export const CONFIRM_VALUE = 'yes';

/** Why a request was refused (401 or 403). */
export interface Refusal {
  readonly error: string;
  readonly field: string;
  readonly limit: string;
}

/**
 * A new session token: 32 random bytes, base64url (43 characters), fit for a URL fragment.
 *
 * @example
 * ```ts
 * const token = createSessionToken(); // 'q3J…' (43 characters)
 * ```
 */
export function createSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Refuses requests whose Host is not this listener's own: `127.0.0.1:PORT` or `localhost:PORT`.
 *
 * @example
 * ```ts
 * checkHost(request.headers, 8787); // undefined when allowed
 * ```
 */
export function checkHost(headers: IncomingHttpHeaders, port: number): Refusal | undefined {
  if (isOwnLoopbackHost(headers.host, port)) return undefined;
  return {
    error: `Host "${(headers.host ?? '').slice(0, 100)}" is not allowed: the dashboard answers ${loopbackHosts(port).join(' and ')} only.`,
    field: 'host',
    limit: loopbackHosts(port).join(' or '),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Refuses an API call without the session token (`Authorization: Bearer TOKEN`). The compare
 * takes the same time whatever the guess (digests of equal length, `timingSafeEqual`).
 *
 * @example
 * ```ts
 * const refusal = checkToken(request.headers, token);
 * if (refusal) return send(401, refusal);
 * ```
 */
export function checkToken(headers: IncomingHttpHeaders, token: string): Refusal | undefined {
  const match = /^Bearer (\S+)$/.exec(headers.authorization ?? '');
  if (match && timingSafeEqual(digest(match[1]!), digest(token))) return undefined;
  return {
    error:
      'The dashboard needs its session token: open the address printed when it started (it ends in #token=…). For dev mode, `npx lambda-jobs dashboard` prints it again.',
    field: 'authorization',
    limit: 'Bearer and the session token of this dashboard',
  };
}

/**
 * Refuses an action that does not come from the dashboard's own page or lacks the confirmation
 * header. Browsers send `Origin` on every POST; it must be this server's own (`http://` + Host,
 * the Host already checked). Scripts must send both headers too.
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
  if (origin !== ownOrigin) {
    return {
      error:
        origin === undefined
          ? `Action refused: it carries no Origin; actions are taken from the dashboard's own page (${ownOrigin}).`
          : `Cross-origin action refused: Origin ${origin.slice(0, 100)} is not ${ownOrigin}.`,
      field: 'origin',
      limit: ownOrigin,
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
