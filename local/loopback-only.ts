import net from 'node:net';

/**
 * Makes every TCP server this process opens listen on 127.0.0.1, whatever host it asks for.
 * Import before starting the SQS emulator, which otherwise binds all interfaces.
 */
const originalListen = net.Server.prototype.listen;
const patched = Symbol.for('lambda-jobs.loopback-only');
const proto = net.Server.prototype as net.Server & { [patched]?: boolean };

if (!proto[patched]) {
  proto[patched] = true;
  net.Server.prototype.listen = function listenOnLoopback(this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (typeof first === 'object' && first !== null && !('fd' in first) && !('path' in first)) {
      args[0] = { ...(first as net.ListenOptions), host: '127.0.0.1' };
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      const rest = args.slice(1);
      const callback = rest.find((a) => typeof a === 'function');
      const backlog = rest.find((a) => typeof a === 'number');
      args = [
        Number(first),
        '127.0.0.1',
        ...(backlog === undefined ? [] : [backlog]),
        ...(callback ? [callback] : []),
      ];
    }
    return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof net.Server.prototype.listen;
}
