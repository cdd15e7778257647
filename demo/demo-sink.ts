import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo's webhook receiver on 127.0.0.1: answers after 200–800 ms, and with a 503 about one
 * time in eight, so retries show up in the logs and the dashboard.
 */
export async function startDemoSink(
  random: () => number = Math.random,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(
        () => {
          res.writeHead(random() < 0.125 ? 503 : 200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        200 + Math.floor(random() * 600),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
