import { request } from 'node:http';

/** What a raw HTTP call answered. */
export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * One HTTP request with headers exactly as given (node:http lets a test set `Host` and `Origin`
 * the way a DNS-rebinding page or a hostile script would; fetch does not).
 *
 * @example
 * ```ts
 * const { status } = await rawHttp('http://127.0.0.1:8000/', { method: 'POST', headers: { host: 'evil.example' } });
 * ```
 */
export function rawHttp(
  address: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: url.pathname + url.search,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error(`No answer from ${address} within 5 s`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
