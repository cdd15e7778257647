import './loopback-only.ts';
import type { FauxqsServer } from 'fauxqs';

/** A running in-process SQS emulator (fauxqs) on 127.0.0.1. */
export interface SqsEmulator {
  readonly endpoint: string;
  readonly server: FauxqsServer;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs in this process, in memory, on 127.0.0.1. Port 0 picks a free one.
 *
 * @example
 * ```ts
 * const sqs = await startSqsEmulator({ port: 0 });
 * process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
 * ```
 */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<SqsEmulator> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    server,
    stop: () => server.stop(),
  };
}
