import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { IncomingHttpHeaders, RequestOptions } from 'node:http';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { type AddressPolicy, createAddressPolicy } from './address-policy.ts';
import { OutboundRequestRefusedError } from './outbound-errors.ts';
import { isTransportHeaderName } from './reserved-headers.ts';

/*
 * `node:http` and `node:https` are taken as the built-in modules they are, not through an ES
 * module import: importing `node:http` as an ES module reads every one of its exports, and
 * its lazy `WebSocket`, `MessageEvent` and `CloseEvent` exports load Node's bundled fetch
 * (undici), about 40 ms of every cold start of a worker that has a job making outbound
 * requests, which never uses it.
 */
const { request: httpRequest } = process.getBuiltinModule('node:http');
const { request: httpsRequest } = process.getBuiltinModule('node:https');

/** One request a job makes to a URL it was given. */
export interface OutboundRequest {
  /** An http(s) URL. Credentials in the URL are refused. */
  readonly url: string;
  readonly method: string;
  /** Request headers; `host`, hop-by-hop and framing headers are refused. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborts the request (the job's deadline, a per-request timeout). */
  readonly signal?: AbortSignal;
}

/** The answer: status and headers. The body is discarded (jobs here only need the status). */
export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
}

/** Resolves a host name to every address it has (`dns.lookup` with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface OutboundHttpOptions {
  /**
   * Destinations reachable although not public: host names or CIDR blocks (`outbound.allow`,
   * plus `dev.outboundAllow` in dev mode). Default none.
   */
  readonly allow?: readonly string[];
  /** Default: the system resolver (`dns.lookup`, all addresses). */
  readonly resolve?: ResolveHost;
}

/** Sends requests only to vetted addresses. */
export interface OutboundHttp {
  /**
   * Sends one request. Throws {@link OutboundRequestRefusedError} (not retried) when the URL,
   * a header or the destination's address breaks a rule, or the answer is a redirect; rejects
   * with the network error (retryable) when the request fails on the way.
   */
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const systemResolve: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

/** A `lookup` for net.connect that answers only with addresses already checked: no second query. */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = addresses.filter((a) => !options.family || a.family === options.family);
    const usable = wanted.length > 0 ? wanted : addresses;
    if (options.all) {
      (callback as (e: null, a: LookupAddress[]) => void)(null, [...usable]);
    } else {
      const [first] = usable;
      callback(null, first!.address, first!.family);
    }
  };
}

function refuse(host: string, rule: string, detail: string): never {
  throw new OutboundRequestRefusedError(host, rule, detail);
}

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('(unparsable URL)', 'url', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    refuse(url.host, 'scheme', `only http and https are allowed, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    refuse(url.host, 'credentials', 'credentials in the URL are not sent');
  }
  return url;
}

function checkHeaders(host: string, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (isTransportHeaderName(name)) {
      refuse(host, 'reserved header', `header "${name}" is set by the HTTP client, not the job`);
    }
    if (/[\r\n\0]/.test(value)) {
      refuse(host, 'header value', `header "${name}" contains a line break or NUL`);
    }
  }
}

/** The addresses to connect to, each checked against the policy; refuses if any is not allowed. */
async function vettedAddresses(
  url: URL,
  policy: AddressPolicy,
  resolve: ResolveHost,
): Promise<readonly LookupAddress[] | undefined> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (ipaddr.isValid(hostname)) {
    const rule = policy.refusal(hostname, hostname, port);
    if (rule !== undefined) refuse(url.host, rule, 'the address is not a public destination');
    return undefined; // an address literal: net.connect does no lookup
  }
  let addresses: readonly LookupAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (cause) {
    throw new Error(`Could not resolve ${url.host}: ${(cause as Error).message}`, { cause });
  }
  if (addresses.length === 0) throw new Error(`Could not resolve ${url.host}: no addresses`);
  for (const { address } of addresses) {
    const rule = policy.refusal(hostname, address, port);
    if (rule !== undefined) {
      refuse(url.host, rule, 'the name resolves to an address that is not a public destination');
    }
  }
  return addresses;
}

/**
 * Outbound HTTP for jobs that call URLs a producer chose (webhooks, callbacks): resolves the
 * name once, refuses loopback, private, link-local (incl. 169.254.169.254 and fd00:ec2::254),
 * carrier-grade NAT, unique-local, IPv4-mapped/compatible, NAT64, 6to4, Teredo, unspecified,
 * multicast, broadcast and reserved addresses unless `allow` lists them, connects to exactly
 * the addresses it checked (TLS still verifies the name), never follows redirects, and refuses
 * `host` and hop-by-hop headers. A fresh connection per request (no pooled socket outlives a
 * check).
 *
 * @example
 * ```ts
 * const http = createOutboundHttp({ allow: config.outbound.allow });
 * const { status } = await http.send({ url, method: 'POST', headers, body, signal });
 * ```
 */
export function createOutboundHttp(options: OutboundHttpOptions = {}): OutboundHttp {
  const policy = createAddressPolicy(options.allow ?? []);
  const resolve = options.resolve ?? systemResolve;
  return {
    async send(request) {
      const url = checkedUrl(request.url);
      const headers = { ...(request.headers ?? {}) };
      checkHeaders(url.host, headers);
      const addresses = await vettedAddresses(url, policy, resolve);
      const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
      const requestOptions: RequestOptions = {
        method: request.method,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
        agent: false,
        ...(addresses ? { lookup: pinnedLookup(addresses) } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const response = await new Promise<OutboundResponse>((resolveResponse, reject) => {
        const outgoing = send(url, requestOptions, (incoming) => {
          incoming.resume();
          incoming.on('error', () => {});
          resolveResponse({ status: incoming.statusCode ?? 0, headers: incoming.headers });
          incoming.destroy();
        });
        outgoing.on('error', reject);
        outgoing.end(body);
      });
      if (REDIRECT_STATUSES.has(response.status)) {
        refuse(url.host, 'redirect', `answered ${response.status}; redirects are not followed`);
      }
      return response;
    },
  };
}
