import { afterEach, describe, expect, it } from 'vitest';
import {
  createAddressPolicy,
  refusedAddressRule,
} from '../../packages/lambda-jobs/src/runtime/outbound/address-policy.ts';
import { OutboundRequestRefusedError } from '../../packages/lambda-jobs/src/runtime/outbound/outbound-errors.ts';
import { createOutboundHttp } from '../../packages/lambda-jobs/src/runtime/outbound/outbound-http.ts';
import { type HttpSink, httpSinkPool } from '../support/http-sink.ts';

type Sink = HttpSink;
const sinks = httpSinkPool();
afterEach(sinks.closeAll);
const sink = sinks.start;

function portOf(server: Sink): string {
  return new URL(server.url).port;
}

async function refusal(promise: Promise<unknown>): Promise<OutboundRequestRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundRequestRefusedError);
  return error as OutboundRequestRefusedError;
}

describe('refusedAddressRule', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:7f00:1', 'ipv4Mapped'],
    ['::ffff:169.254.169.254', 'ipv4Mapped'],
    ['::127.0.0.1', 'ipv4Mapped'],
    ['::7f00:1', 'ipv4Compatible'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['2130706433', 'nonCanonicalIpv4'],
    ['0x7f.1', 'nonCanonicalIpv4'],
    ['0177.0.0.1', 'nonCanonicalIpv4'],
  ])('refuses %s (%s)', (address, rule) => {
    expect(refusedAddressRule(address)).toBe(rule);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '100.128.0.1'])(
    'lets public %s through',
    (address) => {
      expect(refusedAddressRule(address)).toBeUndefined();
    },
  );

  it('allows a refused address only as configured: by block, by exact host, by port', () => {
    const policy = createAddressPolicy(['10.1.0.0/16', 'internal.example.com', '127.0.0.1:8080']);
    expect(policy.refusal('10.1.2.3', '10.1.2.3', 443)).toBeUndefined();
    expect(policy.refusal('10.2.0.1', '10.2.0.1', 443)).toBe('private');
    expect(policy.refusal('internal.example.com', '10.9.9.9', 443)).toBeUndefined();
    expect(policy.refusal('other.example.com', '10.9.9.9', 443)).toBe('private');
    expect(policy.refusal('127.0.0.1', '127.0.0.1', 8080)).toBeUndefined();
    expect(policy.refusal('127.0.0.1', '127.0.0.1', 8787)).toBe('loopback');
    expect(policy.refusal('x', '::ffff:10.1.2.3', 443)).toBe('ipv4Mapped');
  });
});

describe('outbound HTTP', () => {
  const http = createOutboundHttp();

  it.each([
    ['localhost by name', (port: string) => `http://localhost:${port}/`, 'loopback'],
    ['127.0.0.1', (port: string) => `http://127.0.0.1:${port}/`, 'loopback'],
    ['127.0.0.1 in decimal', (port: string) => `http://2130706433:${port}/`, 'loopback'],
    ['127.0.0.1 in hex', (port: string) => `http://0x7f.1:${port}/`, 'loopback'],
    ['127.0.0.1 in octal', (port: string) => `http://0177.0.0.1:${port}/`, 'loopback'],
    ['127.0.0.1 short form', (port: string) => `http://127.1:${port}/`, 'loopback'],
    ['IPv6 loopback', (port: string) => `http://[::1]:${port}/`, 'loopback'],
    ['IPv4-mapped loopback', (port: string) => `http://[::ffff:127.0.0.1]:${port}/`, 'ipv4Mapped'],
    ['unspecified', (port: string) => `http://0.0.0.0:${port}/`, 'unspecified'],
  ])('refuses %s and sends nothing', async (_name, url, rule) => {
    const server = await sink();
    const error = await refusal(
      http.send({ url: url(portOf(server)), method: 'POST', body: '{}' }),
    );
    expect(error.rule).toBe(rule);
    expect(error.message).toContain(rule);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'uniqueLocal'],
    ['http://10.0.0.1/', 'private'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
  ])('refuses %s before connecting', async (url, rule) => {
    expect((await refusal(http.send({ url, method: 'GET' }))).rule).toBe(rule);
  });

  it('refuses a name that resolves to any non-public address, naming the host, not the address', async () => {
    const resolving = createOutboundHttp({
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
    });
    const error = await refusal(
      resolving.send({ url: 'https://sneaky.example.com/', method: 'GET' }),
    );
    expect(error.host).toBe('sneaky.example.com');
    expect(error.rule).toBe('private');
    expect(error.message).not.toContain('10.0.0.7');
  });

  it('connects to the address it checked, with no second lookup', async () => {
    const server = await sink();
    let lookups = 0;
    const pinned = createOutboundHttp({
      allow: ['receiver.test'],
      resolve: async () => {
        lookups += 1;
        // A rebinding resolver would answer differently the second time; there is none.
        return lookups === 1
          ? [{ address: '127.0.0.1', family: 4 }]
          : [{ address: '192.0.2.1', family: 4 }];
      },
    });
    const response = await pinned.send({
      url: `http://receiver.test:${portOf(server)}/in`,
      method: 'POST',
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(lookups).toBe(1);
    expect(server.requests[0]).toMatchObject({ path: '/in', body: '{"a":1}' });
    expect(server.requests[0]?.headers.host).toBe(`receiver.test:${portOf(server)}`);
  });

  it('reaches a local receiver only when configuration allows it explicitly', async () => {
    const server = await sink();
    const allowed = createOutboundHttp({ allow: [`127.0.0.1:${portOf(server)}`] });
    expect((await allowed.send({ url: server.url, method: 'GET' })).status).toBe(200);
    const other = await sink();
    expect((await refusal(allowed.send({ url: other.url, method: 'GET' }))).rule).toBe('loopback');
  });

  it('does not follow a redirect to 127.0.0.1', async () => {
    const target = await sink();
    const redirecting = await sink(() => ({
      status: 307,
      headers: { location: `${target.url}/purge` },
    }));
    const allowed = createOutboundHttp({ allow: ['127.0.0.1'] });
    const error = await refusal(allowed.send({ url: redirecting.url, method: 'POST', body: '{}' }));
    expect(error.rule).toBe('redirect');
    expect(target.requests).toHaveLength(0);
  });

  it.each([
    ['host', 'evil.example.com'],
    ['Transfer-Encoding', 'chunked'],
    ['connection', 'close'],
  ])('refuses the %s header', async (name, value) => {
    const server = await sink();
    const allowed = createOutboundHttp({ allow: ['127.0.0.1'] });
    const error = await refusal(
      allowed.send({ url: server.url, method: 'POST', headers: { [name]: value } }),
    );
    expect(error.rule).toBe('reserved header');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses URLs with credentials and other schemes', async () => {
    expect(
      (await refusal(http.send({ url: 'https://u:p@example.com/', method: 'GET' }))).rule,
    ).toBe('credentials');
    expect((await refusal(http.send({ url: 'file:///etc/passwd', method: 'GET' }))).rule).toBe(
      'scheme',
    );
  });
});
