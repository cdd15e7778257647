import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTP server on 127.0.0.1 that records requests and answers as the test scripts it. */
export async function startHttpSink(
  answer: (
    request: ReceivedRequest,
    index: number,
  ) => { status: number; headers?: Record<string, string> } | 'hang',
): Promise<{ url: string; requests: ReceivedRequest[]; close(): Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const reply = answer(request, requests.length - 1);
      if (reply === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A sink started by {@link httpSinkPool}. */
export type HttpSink = Awaited<ReturnType<typeof startHttpSink>>;

/**
 * Sinks a test file starts as it goes and closes together after each test.
 *
 * @example
 * ```ts
 * const sinks = httpSinkPool();
 * afterEach(sinks.closeAll);
 * const server = await sinks.start();
 * ```
 */
export function httpSinkPool(): {
  start(answer?: Parameters<typeof startHttpSink>[0]): Promise<HttpSink>;
  closeAll(): Promise<void>;
} {
  const open: HttpSink[] = [];
  return {
    async start(answer = () => ({ status: 200 })) {
      const server = await startHttpSink(answer);
      open.push(server);
      return server;
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((s) => s.close()));
    },
  };
}
