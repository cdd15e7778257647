import { isFromWebPage, isOwnLoopbackHost } from './loopback-host.ts';

/** A running in-process SQS emulator (fauxqs) on 127.0.0.1. */
export interface SqsEmulator {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs in this process, in memory, listening on 127.0.0.1 only. Port 0 picks a free one.
 * It answers only requests whose `Host` is `127.0.0.1:PORT` or `localhost:PORT` (a DNS-rebinding
 * page sends its own name) and refuses requests from web pages (`Origin`, `Sec-Fetch-Site`): SQS's
 * query protocol takes form posts, which any page could otherwise send without a preflight.
 *
 * @example
 * ```ts
 * const sqs = await startSqsEmulator({ port: 0 });
 * process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
 * ```
 */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<SqsEmulator> {
  // fauxqs' own startFauxqs listens on 0.0.0.0 whatever it is told: build its app and listen here.
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  let port = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (!isOwnLoopbackHost(request.headers.host, port)) {
      return reply
        .code(403)
        .send({ message: `Host not allowed: this emulator answers 127.0.0.1:${port} only` });
    }
    if (isFromWebPage(request.headers)) {
      return reply.code(403).send({ message: 'Requests from web pages are refused' });
    }
    return undefined;
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => app.close(),
  };
}
