/**
 * What a loopback-only local server accepts: a `Host` naming this very listener (DNS rebinding
 * sends the attacker's own name), and, for the emulators, no request a web page sent.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The hosts a listener on 127.0.0.1:`port` answers: `127.0.0.1:PORT` and `localhost:PORT`. */
export function loopbackHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * True when `host` is exactly `127.0.0.1:PORT` or `localhost:PORT` (case-insensitive).
 *
 * @example
 * ```ts
 * isOwnLoopbackHost('localhost:8787', 8787); // true
 * isOwnLoopbackHost('evil.example:8787', 8787); // false
 * ```
 */
export function isOwnLoopbackHost(host: string | undefined, port: number): boolean {
  return host !== undefined && loopbackHosts(port).includes(host.toLowerCase());
}

/**
 * True when a web browser sent the request: browsers add `Origin` to every POST and cross-origin
 * call, and `Sec-Fetch-Site` to every request to a loopback address; the AWS SDK, Node's own
 * `fetch` and curl send neither. (Node's `fetch` does send `Sec-Fetch-Mode: cors`, so that one
 * says nothing.)
 */
export function isFromWebPage(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined || headers['sec-fetch-site'] !== undefined;
}
