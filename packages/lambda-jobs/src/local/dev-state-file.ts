import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LambdaJobsConfig } from '../config/config-types.ts';
import type { QueueEndpoints } from '../config/env.ts';
import type { EventSourceState } from '../runtime/admin/admin-ports.ts';

/** Where a running dev mode says where everything is; the CLI and dashboard read it. */
export const DEV_STATE_PATH = path.join('.lambda-jobs', 'dev.json');

/** What a running dev mode publishes about itself. */
export interface DevState {
  readonly pid: number;
  readonly startedAt: string;
  readonly region: string;
  readonly dashboardUrl: string;
  /**
   * The dashboard's session token (its API needs it): the file is written readable by its owner
   * only. Empty until the dashboard listens.
   */
  readonly dashboardToken?: string;
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly tableName: string;
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  /** The pollers feeding each queue to its worker, as started (Enabled while dev mode runs). */
  readonly eventSources: readonly EventSourceState[];
  /** The config dev mode runs with (`--demo` and `--monitor-every` change the file's). */
  readonly config?: LambdaJobsConfig;
}

/**
 * Writes the state file (in `cwd`, the project folder), readable and writable by its owner only:
 * it holds the dashboard's session token.
 */
export async function writeDevState(state: DevState, cwd = process.cwd()): Promise<void> {
  const file = path.join(cwd, DEV_STATE_PATH);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created: a file left by an older run keeps its own.
  await chmod(file, 0o600);
}

/** Removes the state file when dev mode stops. */
export async function removeDevState(cwd = process.cwd()): Promise<void> {
  await rm(path.join(cwd, DEV_STATE_PATH), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The running dev mode's state, or undefined when none is running (no file, or its process
 * is gone: a stale file from a killed run is ignored).
 */
export async function readDevState(cwd = process.cwd()): Promise<DevState | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(cwd, DEV_STATE_PATH), 'utf8');
  } catch {
    return undefined;
  }
  const state = JSON.parse(text) as DevState;
  return alive(state.pid) ? state : undefined;
}
