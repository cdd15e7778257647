import ipaddr from 'ipaddr.js';

/**
 * ipaddr.js range names that are public destinations. Everything else (loopback, private,
 * linkLocal, carrierGradeNat, uniqueLocal, ipv4Mapped, rfc6145, rfc6052, 6to4, teredo,
 * unspecified, multicast, broadcast, reserved, benchmarking, amt, as112, orchid2, discard, …)
 * is refused unless configuration allows it.
 */
const PUBLIC_RANGES = new Set(['unicast']);

/** Extra IPv6 blocks refused although ipaddr.js files them under `unicast`. */
const REFUSED_IPV6_BLOCKS: readonly [ipaddr.IPv6, number, string][] = [
  // IPv4-compatible (deprecated) ::a.b.c.d: may reach an IPv4 address through a v6 stack.
  [ipaddr.IPv6.parse('::'), 96, 'ipv4Compatible'],
];

/** One entry of an allow-list: a CIDR block or an exact host name, on any port or on one. */
type AllowEntry = { readonly port: number | undefined } & (
  | { readonly kind: 'cidr'; readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number] }
  | { readonly kind: 'host'; readonly name: string }
);

/**
 * Splits `host:port` and `[v6]:port` (a bare IPv6 address or block has colons of its own).
 *
 * @example `splitAllowPort('127.0.0.1:8080')` is `{ base: '127.0.0.1', port: 8080 }`
 */
export function splitAllowPort(entry: string): { base: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(entry);
  if (bracketed) return { base: bracketed[1]!, port: Number(bracketed[2]) };
  const plain = /^([^:]+):(\d{1,5})$/.exec(entry);
  if (plain) return { base: plain[1]!, port: Number(plain[2]) };
  return { base: entry, port: undefined };
}

function parseAllowEntry(entry: string): AllowEntry {
  const { base, port } = splitAllowPort(entry);
  if (ipaddr.isValidCIDR(base)) return { kind: 'cidr', range: ipaddr.parseCIDR(base), port };
  if (ipaddr.isValid(base)) {
    const address = ipaddr.parse(base);
    return { kind: 'cidr', range: [address, address.kind() === 'ipv4' ? 32 : 128], port };
  }
  return { kind: 'host', name: base.toLowerCase(), port };
}

/**
 * Why `address` is not a public destination, as a rule name (`loopback`, `private`,
 * `linkLocal`, `carrierGradeNat`, `uniqueLocal`, `ipv4Mapped`, `unspecified`, …), or
 * `undefined` when it is a public unicast address. Parses with ipaddr.js, so `::ffff:7f00:1`,
 * `::127.0.0.1` and `0:0:0:0:0:0:0:1` are all caught; IPv4 addresses must be in dotted-quad form
 * (the WHATWG URL parser already turns `2130706433`, `0x7f.1` and `0177.0.0.1` into it).
 *
 * @example
 * ```ts
 * refusedAddressRule('169.254.169.254'); // 'linkLocal'
 * refusedAddressRule('93.184.215.14');   // undefined
 * ```
 */
export function refusedAddressRule(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'notAnAddress';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(address)) {
    return 'nonCanonicalIpv4';
  }
  const range = parsed.range();
  if (!PUBLIC_RANGES.has(range)) return range;
  if (parsed.kind() === 'ipv6') {
    for (const [block, bits, rule] of REFUSED_IPV6_BLOCKS) {
      if ((parsed as ipaddr.IPv6).match(block, bits)) return rule;
    }
  }
  return undefined;
}

/** Decides whether a destination (host as written, address it resolved to, port) may be reached. */
export interface AddressPolicy {
  /** The refusing rule, or `undefined` when `address:port` (reached for `host`) is allowed. */
  refusal(host: string, address: string, port: number): string | undefined;
}

/**
 * A policy that refuses every non-public address except those `allow` lists: exact host names
 * (lowercase; the name as written in the URL, so a public name that resolves to a private
 * address stays refused unless the name itself is listed), addresses or CIDR blocks, each on
 * any port or, written `host:port` / `[v6]:port`, on one port only.
 *
 * @example
 * ```ts
 * const policy = createAddressPolicy(['127.0.0.1:8080']);
 * policy.refusal('127.0.0.1', '127.0.0.1', 8080); // undefined: allowed by configuration
 * policy.refusal('127.0.0.1', '127.0.0.1', 8787); // 'loopback'
 * policy.refusal('localhost', '::1', 8080);       // 'loopback'
 * ```
 */
export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
  const entries = allow.map(parseAllowEntry);
  return {
    refusal(host, address, port) {
      const rule = refusedAddressRule(address);
      if (rule === undefined || rule === 'notAnAddress' || rule === 'nonCanonicalIpv4') return rule;
      const parsed = ipaddr.parse(address);
      const allowed = entries.some((entry) => {
        if (entry.port !== undefined && entry.port !== port) return false;
        if (entry.kind === 'host') return entry.name === host.toLowerCase();
        const [block, bits] = entry.range;
        return block.kind() === parsed.kind() && parsed.match(block, bits);
      });
      return allowed ? undefined : rule;
    },
  };
}
